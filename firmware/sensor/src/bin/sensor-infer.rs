//! Runs the generated (untrained) 16-32-4 net on the eight samples, markers around each
//! inference; prints the outputs' checksum (compared with the C yardstick's).
#![no_std]
#![no_main]

use core::hint::black_box;
#[cfg(target_arch = "arm")]
use cortex_m_rt::entry;
use fw_common::xor::{FNV_OFFSET, Probe, fnv1a};
use fw_common::{Markers, out};
#[cfg(target_arch = "riscv32")]
use riscv_rt::entry;
use sensor::{SAMPLES, init, predict};

#[entry]
fn main() -> ! {
    let (net, xs, _) = init();
    let mut markers = Markers::new();
    let mut ys = [[0.0f32; 4]; SAMPLES];
    for (y, x) in ys.iter_mut().zip(&xs) {
        let (net, x) = (black_box(&net), black_box(x));
        markers.begin();
        *y = predict(net, x);
        markers.end();
    }
    out::Line::new()
        .text("sensor-infer: checksum=0x")
        .hex(fnv1a(FNV_OFFSET, ys.as_flattened()))
        .send();
    markers.report();
    fw_common::exit(true)
}
