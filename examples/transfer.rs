//! Transfer learning on the host, as a device would do it: pre-train a LeNet-style CNN on
//! the MNIST subset, then adapt it to a *shifted domain* with per-sample steps on a small
//! buffer of shifted samples, in three settings that train less and less memory:
//!
//! - **last two layers** (`Frozen` convolution body, both dense layers train);
//! - **bias-only + last layer** (TinyTL: every bias trains, only the last layer's weights);
//! - **last layer only**.
//!
//! The shift: scikit-learn's 8×8 digits (other writers, a 4-bit sensor at a far lower
//! resolution), upsampled to MNIST's 20×20 digit box and centred in 28×28. A device that
//! was trained on one camera and now sees another meets exactly this.
//!
//! Each setting loads the *same* pre-trained weight file: `Frozen` and `BiasOnly` change
//! only the model's type, not its stored weights or shape signature.
//!
//! Run: `cargo run --release --example transfer [seed]` → `target/plots/transfer.png`.

#[path = "datasets_support/mod.rs"]
mod datasets_support;

use datasets_support::{plots_dir, print_footprint};
use stacknet::layers::{Conv2d, Flatten, MaxPool2d, Relu3, Unflatten};
use stacknet::loss::SoftmaxCrossEntropy;
use stacknet::optim::Adam;
use stacknet::std::dataset::{self, Dataset};
use stacknet::std::fit::{EpochStats, FitConfig, evaluate, fit};
use stacknet::std::plot::{self, Run};
use stacknet::{
    BiasOnly, Dense, Footprint, Frozen, Init, Layer, Relu, StepWorkspace, Zero, chain, format,
};
use std::error::Error;
use std::time::Duration;

/// The convolution body: two valid 5×5 conv stages (6 and 16 channels, LeNet-5's widths).
type Body = chain![
    Unflatten<1, 28, 28, 784>,
    Conv2d<1, 8, 5, 28, 28, 24, 24>,
    Relu3<8, 24, 24>,
    MaxPool2d<8, 24, 24, 12, 12>,
    Conv2d<8, 16, 5, 12, 12, 8, 8>,
    Relu3<16, 8, 8>,
    MaxPool2d<16, 8, 8, 4, 4>,
    Flatten<16, 4, 4, 256>,
];
/// The classifier head: 256 → 32 → 10.
type Head = chain![Dense<256, 32>, Relu<32>, Dense<32, 10>];
/// The whole model, as pre-trained.
type Lenet = (Body, Head);

/// Last two layers train.
type LastTwo = (Frozen<Body>, Head);
/// Every bias trains, and the last layer's weights. Grouped like `Lenet` (body, head):
/// the grouping is part of the shape signature the weight file checks.
type BiasAndLast = (
    chain![
        Unflatten<1, 28, 28, 784>,
        BiasOnly<Conv2d<1, 8, 5, 28, 28, 24, 24>>,
        Relu3<8, 24, 24>,
        MaxPool2d<8, 24, 24, 12, 12>,
        BiasOnly<Conv2d<8, 16, 5, 12, 12, 8, 8>>,
        Relu3<16, 8, 8>,
        MaxPool2d<16, 8, 8, 4, 4>,
        Flatten<16, 4, 4, 256>,
    ],
    chain![BiasOnly<Dense<256, 32>>, Relu<32>, Dense<32, 10>],
);
/// Only the last layer trains.
type LastOnly = (
    Frozen<Body>,
    chain![Frozen<Dense<256, 32>>, Relu<32>, Dense<32, 10>],
);

/// Shifted samples the device keeps for fine-tuning (a replay buffer's worth).
const BUFFER: usize = 200;
/// Shifted samples the host's from-scratch yardstick trains on.
const HOST_TRAIN: usize = 1200;
/// Fine-tuning steps, and how often accuracy is measured.
const STEPS: usize = 2000;
const EVERY: usize = 100;
/// Fine-tuning learning rate (Adam).
const LR: f32 = 5e-4;

/// 8×8 digit (0..=16 scaled to 0..=1 by the loader) → 28×28: bilinear to 20×20, centred.
fn upsample(x: &[f32; 64]) -> [f32; 784] {
    let mut out = [0.0; 784];
    for oy in 0..20 {
        for ox in 0..20 {
            // Pixel centres: map the 20-pixel box onto the 8-pixel one.
            let sy = ((oy as f32 + 0.5) * 8.0 / 20.0 - 0.5).clamp(0.0, 7.0);
            let sx = ((ox as f32 + 0.5) * 8.0 / 20.0 - 0.5).clamp(0.0, 7.0);
            let (y0, x0) = (sy.floor() as usize, sx.floor() as usize);
            let (y1, x1) = ((y0 + 1).min(7), (x0 + 1).min(7));
            let (fy, fx) = (sy - y0 as f32, sx - x0 as f32);
            let at = |y: usize, x: usize| x.min(7) + 8 * y.min(7);
            let top = x[at(y0, x0)] * (1.0 - fx) + x[at(y0, x1)] * fx;
            let bottom = x[at(y1, x0)] * (1.0 - fx) + x[at(y1, x1)] * fx;
            out[(oy + 4) * 28 + ox + 4] = top * (1.0 - fy) + bottom * fy;
        }
    }
    out
}

/// The shifted domain, split: the first `HOST_TRAIN` samples train the from-scratch
/// yardstick on the host (the device's buffer is the first `BUFFER` of them); the rest is
/// the shifted test set every figure is measured on.
fn shifted(seed: u64) -> Result<(Dataset<784, 10>, Dataset<784, 10>), Box<dyn Error>> {
    let mut digits = dataset::digits(dataset::DIGITS_CSV)?;
    digits.shuffle(seed);
    let mut up = Dataset::<784, 10>::default();
    for (x, label) in digits.iter() {
        up.push(upsample(x), label)?;
    }
    Ok(up.split(HOST_TRAIN))
}

fn accuracy<L: Layer<Input = [f32; 784], Output = [f32; 10]>>(m: &L, d: &Dataset<784, 10>) -> f32 {
    let hits = d
        .iter()
        .filter(|(x, label)| stacknet::loss::argmax(&m.infer(x)) == *label)
        .count();
    hits as f32 / d.len() as f32
}

/// Fine-tunes a variant loaded from the pre-trained weights; accuracy every `EVERY` steps.
fn fine_tune<L>(
    name: &str,
    weights: &[u8],
    buffer: &Dataset<784, 10>,
    test: &Dataset<784, 10>,
) -> Result<Vec<EpochStats>, Box<dyn Error>>
where
    L: Layer<Input = [f32; 784], Output = [f32; 10]> + Zero,
{
    let mut model = Box::new(L::ZERO);
    format::load(model.as_mut(), weights)?;
    let mut opt = Box::new(Adam::<L>::new(LR)?);
    let mut ws = Box::new(StepWorkspace::<L>::new());
    let targets = buffer.one_hot();
    let f = Footprint::of::<L>();
    let mut history = vec![stats(0, model.as_ref(), test)];
    for step in 1..=STEPS {
        let i = (step * 7919) % buffer.len();
        ws.step(
            &mut model,
            opt.as_mut(),
            &SoftmaxCrossEntropy,
            &buffer.features()[i],
            &targets[i],
        )?;
        if step % EVERY == 0 {
            history.push(stats(step / EVERY, model.as_ref(), test));
        }
    }
    let last = history.last().and_then(|h| h.test_accuracy).unwrap_or(0.0);
    println!(
        "{name:<24} trains {:>6} of {} params: grads {:>6} B, Adam {:>6} B → {:.2} %",
        f.trained_count,
        f.param_count,
        f.grads,
        f.adam,
        100.0 * last
    );
    Ok(history)
}

/// One point of the plot: loss and accuracy on the shifted test set after `checkpoint`.
fn stats<L>(checkpoint: usize, model: &L, test: &Dataset<784, 10>) -> EpochStats
where
    L: Layer<Input = [f32; 784], Output = [f32; 10]>,
{
    let eval = evaluate(model, &SoftmaxCrossEntropy, test);
    EpochStats {
        epoch: checkpoint,
        train_loss: f32::NAN,
        train_accuracy: f32::NAN,
        test_loss: Some(eval.loss),
        test_accuracy: Some(eval.accuracy()),
        validation_loss: None,
        validation_accuracy: None,
        skipped: 0,
        refused_updates: 0,
        lr: LR,
        stop: None,
        elapsed: Duration::ZERO,
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let seed: u64 = match std::env::args().nth(1) {
        Some(s) => s
            .parse()
            .map_err(|_| format!("seed must be a number, got {s:?}"))?,
        None => 1,
    };
    let mut mnist = dataset::mnist(dataset::MNIST_CSV)?;
    mnist.shuffle(seed);
    let (mnist_train, mnist_test) = mnist.split(4000);
    let (host_train, shifted_test) = shifted(seed)?;
    let (buffer, _) = host_train.clone().split(BUFFER);

    // 1. Pre-train on MNIST.
    let mut lenet = Box::new(Lenet::ZERO);
    lenet.init(Init::HeUniform, &mut stacknet::rng(seed));
    let mut opt = Box::new(Adam::<Lenet>::new(1e-3)?);
    let config = FitConfig {
        epochs: 10,
        batch_size: 32,
        seed,
        ..FitConfig::default()
    };
    fit(
        lenet.as_mut(),
        opt.as_mut(),
        &SoftmaxCrossEntropy,
        &mnist_train,
        None,
        &config,
        |_| {},
    )?;
    let eval = evaluate(lenet.as_ref(), &SoftmaxCrossEntropy, &mnist_test);
    println!(
        "pre-trained on MNIST: {:.2} % on MNIST test; {:.2} % on the shifted test set",
        100.0 * eval.accuracy(),
        100.0 * accuracy(lenet.as_ref(), &shifted_test)
    );
    let mut weights = vec![0u8; format::encoded_len::<Lenet>()];
    format::save(lenet.as_ref(), &mut weights)?;

    // 2. The yardstick: the same architecture trained from scratch on the shifted domain
    //    on the host, with six times the device's samples.
    let mut scratch = Box::new(Lenet::ZERO);
    scratch.init(Init::HeUniform, &mut stacknet::rng(seed));
    let mut opt = Box::new(Adam::<Lenet>::new(1e-3)?);
    let config = FitConfig {
        epochs: 15,
        batch_size: 32,
        seed,
        ..FitConfig::default()
    };
    fit(
        scratch.as_mut(),
        opt.as_mut(),
        &SoftmaxCrossEntropy,
        &host_train,
        None,
        &config,
        |_| {},
    )?;
    let scratch_acc = accuracy(scratch.as_ref(), &shifted_test);
    println!(
        "from scratch on {HOST_TRAIN} shifted samples: {:.2} % on the shifted test set",
        100.0 * scratch_acc
    );

    // 3. Fine-tuning, three ways, from the same weight file.
    print_footprint::<LastTwo>("LeNet, last two layers trained");
    let runs = [
        (
            "last two layers",
            fine_tune::<LastTwo>("last two layers", &weights, &buffer, &shifted_test)?,
        ),
        (
            "bias-only + last layer",
            fine_tune::<BiasAndLast>("bias-only + last layer", &weights, &buffer, &shifted_test)?,
        ),
        (
            "last layer only",
            fine_tune::<LastOnly>("last layer only", &weights, &buffer, &shifted_test)?,
        ),
    ];
    let before = accuracy(lenet.as_ref(), &shifted_test);
    for (name, h) in &runs {
        let after = h.last().and_then(|s| s.test_accuracy).unwrap_or(0.0);
        let recovered = (after - before) / (scratch_acc - before);
        println!(
            "{name:<24} recovers {:.0} % of the gap to from-scratch",
            100.0 * recovered
        );
    }
    let plot_runs: Vec<Run<'_>> = runs
        .iter()
        .map(|(name, history)| Run { name, history })
        .collect();
    let path = plots_dir().join("transfer.png");
    plot::training_curves(
        &path,
        &format!("Fine-tuning on shifted digits: test loss and accuracy (x = {EVERY} steps)"),
        &plot_runs,
        (1000, 420),
    )?;
    println!("plot: {}", path.display());
    Ok(())
}
