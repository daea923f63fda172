//! The `xor-adam` firmware without the network: the same output, markers, checksum and
//! exit code, with black-boxed stand-ins where the library would run. Its size is the
//! baseline subtracted to get the library's flash, and its per-region instruction count
//! is the marker overhead subtracted from the per-step count.
#![no_std]
#![no_main]

use core::hint::black_box;
#[cfg(target_arch = "arm")]
use cortex_m_rt::entry;
use fw_common::Markers;
use fw_common::xor::{self, Probe};
#[cfg(target_arch = "riscv32")]
use riscv_rt::entry;

#[entry]
fn main() -> ! {
    fw_common::footprint::<xor::Xor>();
    let mut markers = Markers::new();
    for _ in 0..xor::ADAM_EPOCHS {
        for row in 0..xor::INPUTS.len() {
            markers.begin();
            black_box(row);
            markers.end();
        }
    }
    let outputs = black_box([0.0, 1.0, 1.0, 0.0]);
    let checksum = xor::fnv1a(xor::FNV_OFFSET, &black_box([0.0f32; 17]));
    fw_common::finish_training("xor-none", true, outputs, checksum, checksum, &markers)
}
