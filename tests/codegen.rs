//! Models as static data: files written by `stacknet::std::codegen` compile, hold exactly
//! the weights they were generated from, and give bit-identical outputs.
//!
//! The generated files in `tests/generated/` come from the PyTorch-trained fixtures. They are
//! compiled into this test (any build without the `std` feature checks them too); with
//! `--features std`, the test also regenerates the source and requires it to be unchanged.
//! To refresh them after a deliberate change: `STACKNET_BLESS=1 cargo test --features std
//! --test codegen`.

use stacknet::layers::activation::TanhFn;
use stacknet::{
    Act, AvgPool2d, Conv2d, Dense, Flatten, Layer, MaxPool2d, Relu3, Sigmoid, Softmax, Tensor,
    Unflatten, Zero, chain, format,
};

#[rustfmt::skip]
#[path = "generated/xor_model.rs"]
mod xor_model;

#[rustfmt::skip]
#[path = "generated/cnn_model.rs"]
mod cnn_model;

type Xor = chain![Dense<2, 4>, Sigmoid<4>, Dense<4, 1>, Sigmoid<1>];
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

const XOR_IMAGE: &[u8] = include_bytes!("fixtures/torch/xor/model.snet");
const CNN_IMAGE: &[u8] = include_bytes!("fixtures/torch/cnn/model.snet");

/// Every parameter, as bits.
fn bits<L: Layer>(m: &L) -> Vec<u32> {
    (0..L::PARAM_BLOCKS)
        .flat_map(|b| m.param_block(b).iter().map(|v| v.to_bits()))
        .collect()
}

/// Runs both models on the fixture inputs and requires bit-identical outputs.
fn same_outputs<L: Layer>(a: &L, b: &L, inputs: &str) -> usize {
    let mut n = 0;
    for line in inputs.lines().filter(|l| !l.starts_with('#')) {
        let mut x = L::Input::ZERO;
        let values: Vec<f32> = line
            .split_whitespace()
            .map(|v| v.parse().unwrap())
            .collect();
        x.flat_mut().copy_from_slice(&values);
        let (ya, yb) = (a.infer(&x), b.infer(&x));
        let (ya, yb): (Vec<u32>, Vec<u32>) = (
            ya.flat().iter().map(|v| v.to_bits()).collect(),
            yb.flat().iter().map(|v| v.to_bits()).collect(),
        );
        assert_eq!(ya, yb, "outputs differ for input {line}");
        n += 1;
    }
    n
}

#[test]
fn generated_statics_hold_the_trained_weights() {
    // The generated type aliases are the types the fixtures were exported for.
    let xor: &Xor = &xor_model::MODEL;
    let cnn: &Cnn = &cnn_model::MODEL;
    let xor_ref: Xor = format::from_bytes(XOR_IMAGE).unwrap();
    let cnn_ref: Cnn = format::from_bytes(CNN_IMAGE).unwrap();
    assert_eq!(bits(xor), bits(&xor_ref));
    assert_eq!(bits(cnn), bits(&cnn_ref));
    let n = same_outputs(xor, &xor_ref, include_str!("fixtures/torch/xor/inputs.txt"));
    let m = same_outputs(cnn, &cnn_ref, include_str!("fixtures/torch/cnn/inputs.txt"));
    assert_eq!((n, m), (32, 16));
    assert_eq!(
        <xor_model::XorModel as Layer>::SIGNATURE,
        <Xor as Layer>::SIGNATURE
    );
    assert_eq!(
        <cnn_model::CnnModel as Layer>::SIGNATURE,
        <Cnn as Layer>::SIGNATURE
    );
}

#[cfg(feature = "std")]
#[test]
fn generated_files_are_up_to_date() {
    use stacknet::std::codegen::Codegen;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/generated");
    let xor: Xor = format::from_bytes(XOR_IMAGE).unwrap();
    let cnn: Cnn = format::from_bytes(CNN_IMAGE).unwrap();
    let files = [
        (
            "xor_model.rs",
            Codegen::new().type_name("XorModel").source(&xor),
            include_str!("generated/xor_model.rs"),
        ),
        (
            "cnn_model.rs",
            Codegen::new().type_name("CnnModel").source(&cnn),
            include_str!("generated/cnn_model.rs"),
        ),
    ];
    let bless = std::env::var_os("STACKNET_BLESS").is_some();
    for (name, fresh, committed) in files {
        if bless {
            std::fs::write(dir.join(name), &fresh).unwrap();
        } else {
            assert_eq!(
                fresh, committed,
                "tests/generated/{name} is stale: run with STACKNET_BLESS=1"
            );
        }
    }
}
