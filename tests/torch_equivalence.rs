//! stacknet against PyTorch: models built (and for XOR, trained) in PyTorch 2.5.1, exported
//! with `tools/torch_export.py`, loaded here through `stacknet::format`, must give PyTorch's
//! outputs within 1e-5 on the committed inputs.
//!
//! Fixtures: `tests/fixtures/torch/<name>/{model.snet, arch.txt, inputs.txt, outputs.txt}`,
//! regenerated with `python3 tools/torch_fixtures.py`. No Python is needed to run this test.
//!
//! `roundtrip/` goes the other way: a model trained by stacknet (`examples/torch_roundtrip.rs`),
//! imported into PyTorch by `tools/torch_import.py`, whose outputs are committed as
//! `torch_outputs.txt` (`tools/torch_roundtrip.py` regenerates and checks them).

use stacknet::layers::activation::TanhFn;
use stacknet::{
    Act, AvgPool2d, Conv2d, Dense, Flatten, Identity, Layer, LeakyRelu, MaxPool2d, Relu, Relu3,
    Sigmoid, Softmax, Tanh, Tensor, Unflatten, Zero, chain, format,
};

/// Largest tolerated |stacknet − PyTorch| per output.
const TOLERANCE: f32 = 1e-5;

type Xor = chain![Dense<2, 4>, Sigmoid<4>, Dense<4, 1>, Sigmoid<1>];
type Mlp = chain![
    Dense<4, 16>,
    Relu<16>,
    Dense<16, 12>,
    LeakyRelu<12>,
    Dense<12, 8>,
    Tanh<8>,
    Dense<8, 3>,
    Identity<3>,
    Softmax<3>,
];
type Cnn = chain![
    Unflatten<1, 8, 8, 64>,
    Conv2d<1, 4, 3, 8, 8, 8, 8, 1, 1>,
    Relu3<4, 8, 8>,
    MaxPool2d<4, 8, 8, 4, 4, 2, 2>,
    Conv2d<4, 6, 3, 4, 4, 2, 2, 2, 1>,
    Act<TanhFn, [[[f32; 2]; 2]; 6]>,
    AvgPool2d<6, 2, 2, 1, 1, 2, 2>,
    Flatten<6, 1, 1, 6>,
    Dense<6, 3>,
    Softmax<3>,
];
/// The stacknet-trained model of the round trip.
type Roundtrip = chain![Dense<2, 8>, Tanh<8>, Dense<8, 3>, Softmax<3>];

/// One sample per line; `#` lines are comments.
fn samples(text: &str) -> Vec<Vec<f32>> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split_whitespace().map(|v| v.parse().unwrap()).collect())
        .collect()
}

/// Loads the image into `L`, runs every input, and returns the largest difference from
/// `expected`. Panics (failing the test) past `TOLERANCE`.
fn check<L: Layer + Zero>(name: &str, image: &[u8], inputs: &str, expected: &str) -> f32 {
    let model: L = format::from_bytes(image).unwrap_or_else(|e| panic!("{name}: {e}"));
    let (inputs, expected) = (samples(inputs), samples(expected));
    assert!(!inputs.is_empty());
    assert_eq!(inputs.len(), expected.len(), "{name}: sample counts differ");
    let mut worst = 0.0f32;
    for (i, (x, want)) in inputs.iter().zip(&expected).enumerate() {
        let mut input = L::Input::ZERO;
        assert_eq!(
            x.len(),
            L::Input::LEN,
            "{name}: input {i} has the wrong length"
        );
        input.flat_mut().copy_from_slice(x);
        let got = model.infer(&input);
        assert_eq!(got.flat().len(), want.len(), "{name}: output {i} length");
        for (j, (g, w)) in got.flat().iter().zip(want).enumerate() {
            let diff = (g - w).abs();
            assert!(
                diff <= TOLERANCE,
                "{name}: sample {i} output {j}: stacknet {g}, PyTorch {w} (diff {diff:e})"
            );
            worst = worst.max(diff);
        }
    }
    println!(
        "{name}: {} samples, max |stacknet - PyTorch| = {worst:e}",
        inputs.len()
    );
    worst
}

macro_rules! fixture {
    ($ty:ty, $dir:literal, $outputs:literal) => {
        check::<$ty>(
            concat!($dir, "/", $outputs),
            include_bytes!(concat!("fixtures/torch/", $dir, "/model.snet")),
            include_str!(concat!("fixtures/torch/", $dir, "/inputs.txt")),
            include_str!(concat!("fixtures/torch/", $dir, "/", $outputs)),
        )
    };
}

#[test]
fn xor_trained_in_pytorch() {
    fixture!(Xor, "xor", "outputs.txt");
}

#[test]
fn mlp_with_every_activation() {
    fixture!(Mlp, "mlp", "outputs.txt");
}

#[test]
fn cnn_with_conv_pool_flatten() {
    fixture!(Cnn, "cnn", "outputs.txt");
}

#[test]
fn model_trained_in_stacknet_matches_its_pytorch_import() {
    // Our own outputs were recorded when the model was exported; PyTorch's come from
    // `tools/torch_import.py`. Both must agree with what this build computes.
    fixture!(Roundtrip, "roundtrip", "stacknet_outputs.txt");
    fixture!(Roundtrip, "roundtrip", "torch_outputs.txt");
}

#[test]
fn architecture_files_name_these_types() {
    // The Python side writes the Rust type it computed the signature for; a drift between
    // the two signature implementations would show up as a ShapeMismatch above, and this
    // pins the 2-4-1 signature itself (also asserted in tools/test_stacknet_format.py).
    assert_eq!(
        include_str!("fixtures/torch/xor/arch.txt").trim(),
        "chain![Dense<2, 4>, Sigmoid<4>, Dense<4, 1>, Sigmoid<1>]"
    );
    assert_eq!(<Xor as Layer>::SIGNATURE, 0xa97f_d775_bc28_d26f);
    let header = format::Header::read(include_bytes!("fixtures/torch/cnn/model.snet")).unwrap();
    assert_eq!(header.signature, <Cnn as Layer>::SIGNATURE);
    assert_eq!(header.params as usize, <Cnn as Layer>::PARAMS);
}
