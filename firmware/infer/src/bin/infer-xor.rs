//! Runs an XOR 2-4-1 network trained on the host, stored as a `static` (weights in flash,
//! no RAM for parameters), on the four XOR inputs. Passes when every output is on the right
//! side of 0.5 and bit-identical with the host's output. The markers bracket each inference.
#![no_std]
#![no_main]

use core::hint::black_box;
#[cfg(target_arch = "arm")]
use cortex_m_rt::entry;
use fw_common::Markers;
use fw_common::xor::{self, Probe};
#[cfg(target_arch = "riscv32")]
use riscv_rt::entry;

#[path = "../model.rs"]
mod model;

#[entry]
fn main() -> ! {
    fw_common::footprint::<xor::Xor>();
    let mut markers = Markers::new();
    let mut outputs = [0.0f32; 4];
    for (y, x) in outputs.iter_mut().zip(&xor::INPUTS) {
        // black_box: the model and input are constants; stop LLVM folding the inference.
        let (net, x) = (black_box(&model::XOR), black_box(x));
        markers.begin();
        *y = xor::predict(net, x);
        markers.end();
    }
    fw_common::finish_inference("infer-xor", outputs, model::OUTPUT_BITS, &markers)
}
