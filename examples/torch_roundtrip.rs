//! Trains a small classifier in stacknet and exports it for PyTorch: the first half of the
//! stacknet → PyTorch round trip.
//!
//! ```text
//! cargo run --release --example torch_roundtrip -- tests/fixtures/torch/roundtrip
//! python3 tools/torch_roundtrip.py tests/fixtures/torch/roundtrip
//! ```
//!
//! The first command writes `model.snet` (the weight image), `arch.txt` (the Rust type, which
//! `tools/torch_import.py` turns into an `nn.Sequential`), `inputs.txt` and
//! `stacknet_outputs.txt`. The second imports the weights into PyTorch, runs the same inputs,
//! writes `torch_outputs.txt` and fails if any output differs by more than 1e-5.

use stacknet::init::uniform_pm1;
use stacknet::loss::{SoftmaxCrossEntropy, argmax, one_hot};
use stacknet::optim::Adam;
use stacknet::{Dense, Init, Layer, Softmax, Tanh, Workspace, Zero, chain, format, model};
use std::fmt::Write as _;
use std::path::PathBuf;

/// Trained on logits (softmax is fused into the loss), deployed with a softmax on top.
type Logits = chain![Dense<2, 8>, Tanh<8>, Dense<8, 3>];
type Classifier = chain![Dense<2, 8>, Tanh<8>, Dense<8, 3>, Softmax<3>];

const CENTERS: [[f32; 2]; 3] = [[-1.5, 0.0], [1.5, 0.0], [0.0, 1.8]];

fn lines(rows: &[[f32; 3]]) -> String {
    let mut s = String::from("# stacknet outputs of examples/torch_roundtrip.rs\n");
    for r in rows {
        let _ = writeln!(s, "{:?} {:?} {:?}", r[0], r[1], r[2]);
    }
    s
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "tests/fixtures/torch/roundtrip".into()),
    );
    std::fs::create_dir_all(&dir)?;

    // Three noisy blobs, 60 points each, from the crate's seeded generator.
    let mut rng = stacknet::rng(42);
    let mut xs = Vec::new();
    let mut ts = Vec::new();
    for i in 0..180 {
        let c = CENTERS[i % 3];
        xs.push([
            c[0] + 0.8 * uniform_pm1(&mut rng),
            c[1] + 0.8 * uniform_pm1(&mut rng),
        ]);
        ts.push(one_hot::<3>(i % 3)?);
    }

    let mut net = Logits::ZERO;
    net.init(Init::XavierUniform, &mut stacknet::rng(7));
    let mut ws = Workspace::<Logits>::new();
    let mut opt = Adam::new(0.02)?;
    let mut loss = f32::NAN;
    for _ in 0..300 {
        loss = ws.batch(&mut net, &mut opt, &SoftmaxCrossEntropy, &xs, &ts)?;
    }
    let (d1, (tanh, d2)) = net;
    let classifier: Classifier = model![d1, tanh, d2, Softmax::new()];
    let correct = xs
        .iter()
        .enumerate()
        .filter(|(i, x)| argmax(&classifier.infer(x)) == i % 3)
        .count();
    println!("trained: loss {loss:.4}, {correct}/{} correct", xs.len());

    let mut image = [0u8; format::encoded_len::<Classifier>()];
    let n = format::save(&classifier, &mut image)?;
    std::fs::write(dir.join("model.snet"), &image[..n])?;
    std::fs::write(
        dir.join("arch.txt"),
        "chain![Dense<2, 8>, Tanh<8>, Dense<8, 3>, Softmax<3>]\n",
    )?;

    // A grid over the data's range, plus far-away points that saturate tanh and softmax.
    let mut inputs: Vec<[f32; 2]> = Vec::new();
    for gy in 0..5 {
        for gx in 0..5 {
            inputs.push([-3.0 + 1.5 * gx as f32, -1.5 + 1.0 * gy as f32]);
        }
    }
    inputs.extend([[30.0, -30.0], [-25.0, 40.0], [0.125, 0.0625]]);
    let mut text = String::from("# inputs for examples/torch_roundtrip.rs\n");
    for x in &inputs {
        let _ = writeln!(text, "{:?} {:?}", x[0], x[1]);
    }
    std::fs::write(dir.join("inputs.txt"), text)?;
    let outputs: Vec<[f32; 3]> = inputs.iter().map(|x| classifier.infer(x)).collect();
    std::fs::write(dir.join("stacknet_outputs.txt"), lines(&outputs))?;
    println!(
        "wrote {n} bytes and {} samples to {}",
        inputs.len(),
        dir.display()
    );
    Ok(())
}
