//! Runs the iris classifier trained on the host, *with its scaler*: the model's first layer
//! is `Standardize<4>` (the per-feature mean and standard deviation fitted on the host's
//! training split), generated into a `static` by `stacknet::std::codegen`. The firmware feeds
//! raw, unscaled held-out rows and passes when every output is bit-identical with the host's
//! (`tests/tabular.rs` generated the model and the expected bits): the device applies
//! exactly the preprocessing the host trained with.
#![no_std]
#![no_main]

use core::hint::black_box;
#[cfg(target_arch = "arm")]
use cortex_m_rt::entry;
use fw_common::Markers;
use fw_common::out::Line;
use fw_common::xor::Probe;
#[cfg(target_arch = "riscv32")]
use riscv_rt::entry;
use stacknet::Layer;
use stacknet::loss::argmax;

// The same generated file the host test compares against, not a copy.
#[rustfmt::skip]
#[path = "../../../../tests/generated/iris_model.rs"]
mod iris_model;
#[rustfmt::skip]
#[path = "../iris_data.rs"]
mod iris_data;

use iris_data::{HOST_CORRECT, LABELS, OUTPUT_BITS, ROWS};
use iris_model::{IrisModel, MODEL};

/// One inference. Never inlined, so its stack cost is measurable below the caller's frame.
#[inline(never)]
fn predict(net: &IrisModel, x: &[f32; 4]) -> [f32; 3] {
    net.infer(x)
}

#[entry]
fn main() -> ! {
    fw_common::footprint::<IrisModel>();
    let mut markers = Markers::new();
    let (mut correct, mut identical) = (0u32, 0u32);
    for ((x, want_bits), label) in ROWS.iter().zip(&OUTPUT_BITS).zip(&LABELS) {
        // black_box: the model and rows are constants; stop LLVM folding the inference.
        let (net, x) = (black_box(&MODEL), black_box(x));
        markers.begin();
        let y = predict(net, x);
        markers.end();
        correct += u32::from(argmax(&y) == usize::from(*label));
        let same = y
            .iter()
            .zip(want_bits)
            .all(|(v, bits)| v.to_bits() == *bits);
        identical += u32::from(same);
    }
    let n = ROWS.len() as u32;
    Line::new()
        .text("infer-iris: correct=")
        .dec(correct)
        .text(" host_correct=")
        .dec(HOST_CORRECT)
        .text(" bit_identical=")
        .dec(identical)
        .text(" of=")
        .dec(n)
        .send();
    markers.report();
    fw_common::exit(identical == n && correct == HOST_CORRECT)
}
