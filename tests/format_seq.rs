//! The weight format with the sequence kinds (30-37): the committed image
//! tests/fixtures/format/seq_v1.snet, written by the Python tools
//! (tools/test_stacknet_format.py, which asserts the same signatures), loads into the
//! matching Rust model with every value where Python put it, saves back to the same bytes,
//! and is refused by a model that differs only in a readout. And the sequence round trips
//! tests/fixtures/torch/roundtrip_seq_{gru,conv1d}/ (BasicMotions classifiers trained by
//! examples/basicmotions.rs, imported into PyTorch by tools/torch_roundtrip.py): stacknet's
//! outputs on the committed inputs match PyTorch's recorded ones within 1e-5.

use stacknet::layers::{
    AvgPool1d, Conv1d, GlobalAvgPool1d, Gru, Lstm, MaxPool1d, Relu2, Sequence, Transpose,
    UnflattenSeries,
};
use stacknet::{Dense, Layer, Zero, chain, format};

/// `examples/basicmotions.rs`'s GRU classifier.
type GruNet = chain![
    UnflattenSeries<6, 100, 600>,
    Transpose<6, 100>,
    Gru<6, 32, 100>,
    Dense<32, 4>,
];

/// `examples/basicmotions.rs`'s Conv1d classifier.
type ConvNet = chain![
    UnflattenSeries<6, 100, 600>,
    Conv1d<6, 16, 5, 100, 100, 1, 2>,
    Relu2<16, 100>,
    MaxPool1d<16, 100, 50>,
    Conv1d<16, 32, 5, 50, 50, 1, 2>,
    Relu2<32, 50>,
    GlobalAvgPool1d<32, 50>,
    Dense<32, 4>,
];

type SeqNet = chain![
    UnflattenSeries<2, 8, 16>,
    Conv1d<2, 3, 3, 8, 4, 2, 1>,
    Relu2<3, 4>,
    MaxPool1d<3, 4, 2, 2, 2>,
    Transpose<3, 2>,
    Gru<3, 4, 2, Sequence>,
    Lstm<4, 2, 2, Sequence>,
    Transpose<2, 2>,
    AvgPool1d<2, 2, 1, 2, 2>,
    GlobalAvgPool1d<2, 1>,
    Dense<2, 2>,
];

/// The same with the LSTM returning its last state only (and no pooling after it).
type LastNet = chain![
    UnflattenSeries<2, 8, 16>,
    Conv1d<2, 3, 3, 8, 4, 2, 1>,
    Relu2<3, 4>,
    MaxPool1d<3, 4, 2, 2, 2>,
    Transpose<3, 2>,
    Gru<3, 4, 2, Sequence>,
    Lstm<4, 2, 2>,
    Dense<2, 2>,
];

const SEQ_SIGNATURE: u64 = 0x454E_1929_DA5F_5103;

fn golden() -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/format/seq_v1.snet"
    );
    std::fs::read(path).expect(path)
}

/// Parameter `i` of the golden image, counted over every block in order.
fn golden_value(i: usize) -> f32 {
    ((37 * i) % 101) as f32 / 64.0 - 50.0 / 64.0
}

#[test]
fn signatures_match_the_python_tools() {
    assert_eq!(<SeqNet as Layer>::SIGNATURE, SEQ_SIGNATURE);
    assert_eq!(<Gru<6, 32, 100> as Layer>::SIGNATURE, 0x9707_E51C_EFB9_D1F5);
    assert_eq!(
        <Gru<6, 16, 100, Sequence> as Layer>::SIGNATURE,
        0xA2D4_FF0E_ECA0_8A54
    );
    assert_eq!(<Lstm<6, 16, 50> as Layer>::SIGNATURE, 0x744F_2E4F_99F9_0F82);
    assert_eq!(<SeqNet as Layer>::PARAMS, 199);
}

#[test]
fn the_python_image_loads_value_for_value_and_saves_back_identically() {
    let bytes = golden();
    let net: SeqNet = format::from_bytes(&bytes).expect("seq_v1.snet loads");
    let values: Vec<f32> = (0..<SeqNet as Layer>::PARAM_BLOCKS)
        .flat_map(|b| net.param_block(b).to_vec())
        .collect();
    assert_eq!(values.len(), 199);
    for (i, v) in values.iter().enumerate() {
        assert_eq!(*v, golden_value(i), "parameter {i}");
    }
    // Where PyTorch's names put them: conv weight [o][c][k] first, then the GRU's
    // weight_ih_l0 [3H][IN] (gate z = rows 4..8), then weight_hh_l0.
    let (_, (conv, (_, (_, (_, (gru, _)))))) = &net;
    assert_eq!(conv.weights[1][0][2], golden_value(3 * 2 + 2));
    assert_eq!(gru.weight_ih[1][0][2], golden_value(21 + 4 * 3 + 2));
    assert_eq!(
        gru.weight_hh[2][3][1],
        golden_value(21 + 36 + (8 + 3) * 4 + 1)
    );
    let mut out = vec![0; format::encoded_len::<SeqNet>()];
    assert_eq!(format::save(&net, &mut out), Ok(bytes.len()));
    assert_eq!(out, bytes);
}

#[test]
fn another_readout_refuses_the_image_and_keeps_its_weights() {
    let mut other = LastNet::ZERO;
    other.init(stacknet::Init::XavierUniform, &mut stacknet::rng(3));
    let before = other;
    assert!(format::load(&mut other, &golden()).is_err());
    assert_eq!(other, before);
}

/// The rows of a samples file (`#` lines are comments).
fn rows(text: &str) -> Vec<Vec<f32>> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split_whitespace().map(|v| v.parse().unwrap()).collect())
        .collect()
}

/// The largest |stacknet − recorded| over a round-trip directory's inputs, for both recorded
/// output files.
fn round_trip<L>(dir: &str) -> [f32; 2]
where
    L: Layer<Input = [f32; 600], Output = [f32; 4]> + Zero,
{
    let root = format!("{}/tests/fixtures/torch/{dir}", env!("CARGO_MANIFEST_DIR"));
    let read = |name: &str| std::fs::read_to_string(format!("{root}/{name}")).unwrap();
    let image = std::fs::read(format!("{root}/model.snet")).unwrap();
    let net: Box<L> = Box::new(format::from_bytes(&image).expect("the model loads"));
    let inputs = rows(&read("inputs.txt"));
    assert_eq!(inputs.len(), 8);
    ["stacknet_outputs.txt", "torch_outputs.txt"].map(|file| {
        let want = rows(&read(file));
        assert_eq!(want.len(), inputs.len(), "{dir}/{file}");
        let mut worst = 0.0f32;
        for (x, w) in inputs.iter().zip(&want) {
            let y = net.infer(&x.as_slice().try_into().unwrap());
            for (a, b) in y.iter().zip(w) {
                worst = worst.max((a - b).abs());
            }
        }
        println!("{dir}/{file}: max |diff| {worst:.2e}");
        worst
    })
}

#[test]
fn basicmotions_models_match_their_pytorch_import() {
    for worst in round_trip::<GruNet>("roundtrip_seq_gru")
        .into_iter()
        .chain(round_trip::<ConvNet>("roundtrip_seq_conv1d"))
    {
        assert!(worst <= 1e-5, "max |diff| {worst:e}");
    }
}
