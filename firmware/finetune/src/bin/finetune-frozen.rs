//! `run::PROBE_STEPS` steps of the whole model as `run::LastOnly` (see
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
    fw_common::footprint::<run::LastOnly>();
    let mut probe = Measured::default();
    let outcome = run::whole_model_steps::<run::LastOnly, _>(&mut probe);
    finish(
        "frozen",
        &outcome,
        expected::FROZEN_STEPS,
        &run::whole_memory::<run::LastOnly>(),
        &probe,
    )
}
