//! What the `infer-int8` binaries share: run a quantized model on int8 inputs between the
//! instruction-count markers and compare every output byte with the host's.
#![no_std]

use core::hint::black_box;
use fw_common::Markers;
use fw_common::out::Line;
use fw_common::xor::Probe;
use stacknet::quant::QLayer;

/// Runs `model` on every input, counts outputs identical to `expected` and reports
/// `<name>: bit_identical=<n> of=<m> param_bytes=<b>`, then the markers; exits with pass
/// when all are identical.
pub fn run<M, const IN: usize, const OUT: usize>(
    name: &str,
    model: &M,
    inputs: &[[i8; IN]],
    expected: &[[i8; OUT]],
    param_bytes: u32,
) -> !
where
    M: QLayer<Input = [i8; IN], Output = [i8; OUT]>,
{
    let mut markers = Markers::new();
    let mut identical = 0u32;
    for (x, want) in inputs.iter().zip(expected) {
        // black_box: model and inputs are constants; stop LLVM folding the inference.
        let (m, x) = (black_box(model), black_box(x));
        markers.begin();
        let y = predict(m, x);
        markers.end();
        identical += u32::from(y == *want);
    }
    let n = inputs.len() as u32;
    Line::new()
        .text(name)
        .text(": bit_identical=")
        .dec(identical)
        .text(" of=")
        .dec(n)
        .text(" param_bytes=")
        .dec(param_bytes)
        .send();
    markers.report();
    fw_common::exit(identical == n)
}

/// One inference. Never inlined, so its stack cost is measurable below the caller's frame.
#[inline(never)]
fn predict<M: QLayer>(model: &M, x: &M::Input) -> M::Output {
    model.infer(x)
}
