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
//! Run: `cargo run --release --features plot --example transfer [seed]` →
//! `target/plots/transfer.png`.
//!
//! `-- --emit` instead pre-trains (seed 1) and writes what the fine-tuning firmware
//! (`firmware/finetune`) is built from: the pre-trained model as a `static` in flash
//! (`firmware/finetune/src/lenet.rs`, by `stacknet::std::codegen`) and raw 8×8 shifted
//! samples, 200 to fine-tune on and 300 held out (`firmware/finetune/src/samples.rs`).
//! After regenerating, bless the expected results:
//! `STACKNET_BLESS=1 cargo test --features std --test firmware_finetune`.

#[path = "datasets_support/mod.rs"]
mod datasets_support;
/// The upsampling, shared bit for bit with the firmware.
#[path = "../firmware/common/src/shift.rs"]
mod shift;

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

/// A raw 8×8 digit (`0..=16`) and its label.
type RawDigit = ([u8; 64], usize);

/// The 8×8 digits in the seeded order, as the raw `0..=16` pixels a device's sensor gives.
fn raw_digits(seed: u64) -> Result<Vec<RawDigit>, Box<dyn Error>> {
    let mut digits = dataset::digits(dataset::DIGITS_CSV)?;
    digits.shuffle(seed);
    // The loader stores value / 16, exact in f32: `* 16` gives the raw value back exactly.
    Ok(digits
        .iter()
        .map(|(x, label)| (x.map(|v| (v * f32::from(shift::RAW_MAX)) as u8), label))
        .collect())
}

/// The shifted domain, split: the first `HOST_TRAIN` samples train the from-scratch
/// yardstick on the host (the device's buffer is the first `BUFFER` of them); the rest is
/// the shifted test set every figure is measured on.
fn shifted(seed: u64) -> Result<(Dataset<784, 10>, Dataset<784, 10>), Box<dyn Error>> {
    let mut up = Dataset::<784, 10>::default();
    let mut x = [0.0; 784];
    for (raw, label) in raw_digits(seed)? {
        shift::shifted(&raw, &mut x);
        up.push(x, label)?;
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

/// Where `--emit` writes the firmware's inputs.
const FIRMWARE_SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/firmware/finetune/src");
/// Shifted samples the firmware fine-tunes on (the first of the host's buffer) and holds
/// out (the first of the shifted test set).
const EMIT_TUNE: usize = 200;
const EMIT_HELD_OUT: usize = 300;

/// `--emit`: the pre-trained model as a flash `static` and the device's raw samples.
fn emit(lenet: &Lenet, seed: u64, mnist_accuracy: f32) -> Result<(), Box<dyn Error>> {
    use std::fmt::Write as _;
    let header = format!(
        "// @generated by `cargo run --release --features plot --example transfer -- --emit`\n\
         // (seed {seed}). Do not edit by hand.\n"
    );
    let mut model = header.clone();
    model.push_str(
        &stacknet::std::codegen::Codegen::new()
            .type_name("Lenet")
            .static_name("LENET")
            .source(lenet),
    );
    let _ = write!(
        model,
        "\n/// Accuracy of [`LENET`] on the held-out MNIST test split, in 1/10000.\n\
         pub const MNIST_ACCURACY_E4: u32 = {};\n",
        (mnist_accuracy * 10_000.0).round() as u32
    );
    std::fs::write(format!("{FIRMWARE_SRC}/lenet.rs"), model)?;

    let raw = raw_digits(seed)?;
    let (tune, held_out) = (
        &raw[..EMIT_TUNE],
        &raw[HOST_TRAIN..HOST_TRAIN + EMIT_HELD_OUT],
    );
    let mut out = header;
    for (name, what, part) in [
        (
            "TUNE",
            "fine-tune on (the host example's first buffered samples)",
            tune,
        ),
        (
            "HELD_OUT",
            "measure accuracy on (the first of the shifted test set)",
            held_out,
        ),
    ] {
        let _ = writeln!(
            out,
            "\n/// Raw 8×8 digits (`0..=16`, row-major) to {what}.\n\
             #[rustfmt::skip]\npub static {name}: [[u8; 64]; {}] = [",
            part.len()
        );
        for (x, _) in part {
            let row: Vec<String> = x.iter().map(u8::to_string).collect();
            let _ = writeln!(out, "    [{}],", row.join(","));
        }
        let labels: Vec<String> = part.iter().map(|(_, l)| l.to_string()).collect();
        let _ = writeln!(
            out,
            "];\n\n/// The digit each of [`{name}`] shows.\n#[rustfmt::skip]\n\
             pub static {name}_LABELS: [u8; {}] = [{}];",
            part.len(),
            labels.join(", ")
        );
    }
    std::fs::write(format!("{FIRMWARE_SRC}/samples.rs"), out)?;
    println!("wrote {FIRMWARE_SRC}/lenet.rs and samples.rs");
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let emitting = args.iter().any(|a| a == "--emit");
    let seed: u64 = match args.iter().find(|a| !a.starts_with("--")) {
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
    if emitting {
        return emit(lenet.as_ref(), seed, eval.accuracy());
    }
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
