//! `run::PROBE_STEPS` steps of the whole model as `run::Lenet` (see
//! `finetune::run::whole_model_steps`), markers around each; passes when the trained
//! weights are the host's bit for bit.
#![no_std]
#![no_main]

#[cfg(target_arch = "arm")]
use cortex_m_rt::entry;
use finetune::report::{Measured, finish};
use finetune::{expected, run};
#[cfg(target_arch = "riscv32")]
use riscv_rt::entry;

#[entry]
fn main() -> ! {
    fw_common::footprint::<run::Lenet>();
    let mut probe = Measured::default();
    let outcome = run::whole_model_steps::<run::Lenet, _>(&mut probe);
    finish(
        "whole",
        &outcome,
        expected::WHOLE_STEPS,
        &run::whole_memory::<run::Lenet>(),
        &probe,
    )
}
