//! Fine-tuning setting `last_two` (see `finetune::run`): markers around every training step;
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
    fw_common::footprint::<run::Head>();
    let mut probe = Measured::default();
    let outcome = run::last_two(&mut probe);
    finish(
        "two",
        &outcome,
        expected::LAST_TWO,
        &run::TWO_MEMORY,
        &probe,
    )
}
