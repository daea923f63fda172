//! Sequence models as static data: `stacknet::std::codegen` writes Conv1d, the 1-D pools,
//! `Transpose`, `UnflattenSeries`, GRU and LSTM layers (both readouts) into a `static`
//! that compiles, holds exactly the model's parameters, and gives bit-identical outputs.
//! Refresh after a deliberate change: `STACKNET_BLESS=1 cargo test --features std --test
//! codegen_seq`.
#![cfg(feature = "std")]

use stacknet::layers::{
    AvgPool1d, Conv1d, GlobalAvgPool1d, Gru, Lstm, MaxPool1d, Relu2, Sequence, Transpose,
    UnflattenSeries,
};
use stacknet::{Dense, Init, Layer, Tensor, Zero, chain};

#[rustfmt::skip]
#[path = "generated/seq_model.rs"]
mod seq_model;

/// Every sequence layer kind in one model: 3 channels × 12 steps, flat input.
type Seq = chain![
    UnflattenSeries<3, 12, 36>,
    Conv1d<3, 4, 3, 12, 12, 1, 1>,
    Relu2<4, 12>,
    MaxPool1d<4, 12, 6>,
    AvgPool1d<4, 6, 5, 2, 1>,
    Transpose<4, 5>,
    Gru<4, 5, 5, Sequence>,
    Lstm<5, 3, 5>,
    Dense<3, 2>,
];

/// A second model for the other 1-D pooling (global) and an LSTM returning every step.
type Pooled = chain![Lstm<2, 3, 4, Sequence>, Transpose<4, 3>, GlobalAvgPool1d<3, 4>];

fn model<L: Layer + Zero>(seed: u64) -> L {
    let mut m = L::ZERO;
    m.init(Init::XavierUniform, &mut stacknet::rng(seed));
    // Non-zero biases too, so every block is checked.
    for b in 0..L::PARAM_BLOCKS {
        for (i, v) in m.param_block_mut(b).iter_mut().enumerate() {
            if *v == 0.0 {
                *v = (i as f32 * 0.37).sin() * 0.1;
            }
        }
    }
    m
}

fn bits<L: Layer>(m: &L) -> Vec<u32> {
    (0..L::PARAM_BLOCKS)
        .flat_map(|b| m.param_block(b).iter().map(|v| v.to_bits()))
        .collect()
}

#[test]
fn sequence_models_generate_and_round_trip() {
    use stacknet::std::codegen::Codegen;
    let seq: Seq = model(5);
    let pooled: Pooled = model(6);
    let source = Codegen::new().type_name("SeqModel").source(&seq);
    let pooled_source = Codegen::new().type_name("PooledModel").source(&pooled);
    for needle in [
        "stacknet::layers::Gru<4, 5, 5, stacknet::layers::Sequence>",
        "stacknet::layers::Lstm<5, 3, 5, stacknet::layers::Last>",
        "stacknet::layers::Conv1d<3, 4, 3, 12, 12, 1, 1>",
        "stacknet::layers::AvgPool1d<4, 6, 5, 2, 1>",
        "stacknet::layers::Gru::from_parts(",
    ] {
        assert!(source.contains(needle), "{needle} missing");
    }
    assert!(pooled_source.contains("stacknet::layers::GlobalAvgPool1d<3, 4>"));
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/generated/seq_model.rs");
    let both = format!("{source}\npub mod pooled {{\n{pooled_source}}}\n");
    if std::env::var_os("STACKNET_BLESS").is_some() {
        std::fs::write(&path, &both).unwrap();
    } else {
        assert_eq!(
            both,
            std::fs::read_to_string(&path).unwrap_or_default(),
            "tests/generated/seq_model.rs is stale: run with STACKNET_BLESS=1"
        );
    }
    check_generated(&seq, &pooled);
}

fn check_generated(seq: &Seq, pooled: &Pooled) {
    let generated: &Seq = &seq_model::MODEL;
    assert_eq!(bits(generated), bits(seq));
    let generated_pooled: &Pooled = &seq_model::pooled::MODEL;
    assert_eq!(bits(generated_pooled), bits(pooled));
    for k in 0..8 {
        let mut x = <Seq as Layer>::Input::ZERO;
        for (i, v) in x.flat_mut().iter_mut().enumerate() {
            *v = ((i * 7 + k * 13) as f32 * 0.21).cos();
        }
        let (a, b) = (seq.infer(&x), generated.infer(&x));
        assert_eq!(a.map(f32::to_bits), b.map(f32::to_bits));
        let mut p = <Pooled as Layer>::Input::ZERO;
        for (i, v) in p.flat_mut().iter_mut().enumerate() {
            *v = ((i * 5 + k) as f32 * 0.3).sin();
        }
        assert_eq!(
            pooled.infer(&p).map(f32::to_bits),
            generated_pooled.infer(&p).map(f32::to_bits)
        );
    }
}
