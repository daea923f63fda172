//! The pre-trained GRU (flash) on every held-out window (`gru_train::run::inference`):
//! markers around every inference; passes when every logit is the host's, bit for bit.
#![no_std]
#![no_main]

#[cfg(target_arch = "arm")]
use cortex_m_rt::entry;
use gru_train::report::{Measured, finish_inference};
use gru_train::{expected, run};
#[cfg(target_arch = "riscv32")]
use riscv_rt::entry;

#[entry]
fn main() -> ! {
    fw_common::footprint::<run::GruNet>();
    let mut probe = Measured::default();
    let inferred = run::inference(&mut probe);
    finish_inference("gru-infer", &inferred, expected::INFERENCE, &probe)
}
