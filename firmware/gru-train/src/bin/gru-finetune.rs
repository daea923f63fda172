//! The whole GRU fine-tuning experiment (`gru_train::run::fine_tune`): markers around every
//! training step; passes when accuracies, steps and trained weights are the host's.
#![no_std]
#![no_main]

#[cfg(target_arch = "arm")]
use cortex_m_rt::entry;
use gru_train::report::{Measured, finish};
use gru_train::{expected, run};
#[cfg(target_arch = "riscv32")]
use riscv_rt::entry;

#[entry]
fn main() -> ! {
    fw_common::footprint::<run::GruNet>();
    let mut probe = Measured::default();
    let outcome = run::fine_tune(&mut probe);
    finish("gru-finetune", &outcome, expected::FINE_TUNE, &probe)
}
