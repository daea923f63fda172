//! Runs the 8×8 digits net (64-100-10 ReLU, 7510 parameters) trained on the host, stored as
//! a `static` (30 040 bytes of weights in flash, no RAM for parameters), on ten test images,
//! one per class. Passes when every predicted class is the host's and every logit is
//! bit-identical with the host's (`tests/firmware_digits.rs` generated both). The markers
//! bracket each inference.
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

#[rustfmt::skip]
#[path = "../digits_model.rs"]
mod digits_model;

use digits_model::{CLASSES, DIGITS, Digits, IMAGES, LABELS, OUTPUT_BITS};

/// One inference. Never inlined, so its stack cost is measurable below the caller's frame.
#[inline(never)]
fn predict(net: &Digits, x: &[f32; 64]) -> [f32; 10] {
    net.infer(x)
}

#[entry]
fn main() -> ! {
    fw_common::footprint::<Digits>();
    let mut markers = Markers::new();
    let mut line = Line::new();
    line.text("infer-digits: classes=");
    let (mut agree, mut correct, mut identical) = (0u32, 0u32, 0u32);
    for (((x, want_bits), want_class), label) in
        IMAGES.iter().zip(&OUTPUT_BITS).zip(&CLASSES).zip(&LABELS)
    {
        // black_box: the model and image are constants; stop LLVM folding the inference.
        let (net, x) = (black_box(&DIGITS), black_box(x));
        markers.begin();
        let y = predict(net, x);
        markers.end();
        let class = argmax(&y) as u32;
        line.dec(class);
        agree += u32::from(class == u32::from(*want_class));
        correct += u32::from(class == u32::from(*label));
        let same = y
            .iter()
            .zip(want_bits)
            .all(|(v, bits)| v.to_bits() == *bits);
        identical += u32::from(same);
    }
    let n = IMAGES.len() as u32;
    line.text(" agree=")
        .dec(agree)
        .text(" correct=")
        .dec(correct)
        .text(" bit_identical=")
        .dec(identical)
        .text(" of=")
        .dec(n)
        .text(" host_test_accuracy_e4=")
        .dec(digits_model::TEST_ACCURACY_E4)
        .send();
    markers.report();
    fw_common::exit(agree == n && identical == n)
}
