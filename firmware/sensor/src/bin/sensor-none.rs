//! The sensor firmware without the network: the same data generation, markers, output
//! and exit around black-boxed stand-ins. Flash baseline and marker-overhead baseline.
#![no_std]
#![no_main]

use core::hint::black_box;
#[cfg(target_arch = "arm")]
use cortex_m_rt::entry;
use fw_common::xor::{FNV_OFFSET, Probe, fnv1a};
use fw_common::{Markers, out};
#[cfg(target_arch = "riscv32")]
use riscv_rt::entry;
use sensor::{SAMPLES, init};

#[entry]
fn main() -> ! {
    let (_, xs, _) = black_box(init());
    let mut markers = Markers::new();
    let mut ys = [[0.0f32; 4]; SAMPLES];
    for (y, x) in ys.iter_mut().zip(&xs) {
        markers.begin();
        black_box(x);
        markers.end();
        *y = [x[0]; 4];
    }
    out::Line::new()
        .text("sensor-none: checksum=0x")
        .hex(fnv1a(FNV_OFFSET, ys.as_flattened()))
        .send();
    markers.report();
    fw_common::exit(true)
}
