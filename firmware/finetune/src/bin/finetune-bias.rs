//! Fine-tuning setting `bias_and_last` (see `finetune::run`): markers around every training step;
//! passes when the outcome is the host's bit for bit.
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
    fw_common::footprint::<run::BiasAndLast>();
    let mut probe = Measured::default();
    let outcome = run::bias_and_last(&mut probe);
    finish(
        "bias",
        &outcome,
        expected::BIAS_AND_LAST,
        &run::BIAS_MEMORY,
        &probe,
    )
}
