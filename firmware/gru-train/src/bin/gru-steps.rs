//! The first `run::PROBE_ARRIVALS` arrivals of the stream (`gru_train::run::first_steps`):
//! markers around every training step; passes when the trained weights are the host's.
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
    let outcome = run::first_steps(&mut probe);
    finish("gru-steps", &outcome, expected::FIRST_STEPS, &probe)
}
