//! The `infer-xor` firmware without the network: same output, markers and exit code,
//! black-boxed stand-ins for the outputs. Flash baseline and marker-overhead baseline.
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
    let mut outputs = [0.0f32; 4];
    for (y, t) in outputs.iter_mut().zip(&xor::TARGETS) {
        let t = black_box(t);
        markers.begin();
        *y = black_box(t[0]);
        markers.end();
    }
    let bits = outputs.map(f32::to_bits);
    fw_common::finish_inference("infer-none", outputs, bits, &markers)
}
