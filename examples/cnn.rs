//! Convolutional networks on the 8×8 digits and the MNIST subset, trained with Adam
//! (lr 1e-3, batch 32) on seeded splits, with a progress bar, training-curve and
//! confusion-matrix PNGs, and the memory figures of each model.
//!
//! ```sh
//! cargo run --release --features plot,progress --example cnn -- [small|deep] [digits|mnist] [EPOCHS] [SEED]
//! ```
//!
//! Default: both models on both datasets, 15 epochs (40 for the deep model on digits, whose
//! epochs are 43 batches), seed 1. Plots go to `target/plots/` (or `$STACKNET_PLOTS`).
//!
//! - `small`: conv 3×3 ×8 → ReLU → 2×2 max pool → dense, the architecture that
//!   `tools/cnn_reference.py` trains in PyTorch for the side-by-side comparison.
//! - `deep`: two conv → ReLU → 2×2 max-pool stages → dense: 3×3 kernels, 32 and 64
//!   channels, "same" padding on digits; 5×5 kernels, 16 and 32 channels, "valid" on MNIST.
//!
//! Samples are flat `[f32; 64]` / `[f32; 784]` rows from `stacknet::std::dataset`; an
//! `Unflatten` layer at the front turns them into `1×8×8` / `1×28×28` images, so the CNNs
//! train with the same `fit` loop as the dense examples.

mod datasets_support;

use datasets_support::{plots_dir, print_footprint};
use stacknet::layers::{Conv2d, Flatten, MaxPool2d, Relu3, Unflatten};
use stacknet::loss::SoftmaxCrossEntropy;
use stacknet::optim::Adam;
use stacknet::std::dataset::{self, Dataset};
use stacknet::std::fit::{EpochStats, FitConfig, evaluate, fit};
use stacknet::std::plot::{self, Run};
use stacknet::std::progress::TrainingBar;
use stacknet::{Dense, Footprint, Init, Layer, chain};
use std::error::Error;
use std::time::Instant;

/// Seed of the shuffle that splits each (label-sorted) file into train and test: the same
/// splits as the dense `mnist` and `digits` examples, so the test sets are identical.
const SPLIT_SEED: u64 = 1;
/// MNIST subset: 4000 samples to train on, the other 1000 to test.
const MNIST_TRAIN: usize = 4000;
/// 8×8 digits: 1348 to train on (75 %), the other 449 to test.
const DIGITS_TRAIN_FRACTION: f32 = 0.75;

/// conv 3×3 ×8 (valid) → ReLU → 2×2 max pool → dense, on 8×8 digits.
type SmallDigits = chain![
    Unflatten<1, 8, 8, 64>,
    Conv2d<1, 8, 3, 8, 8, 6, 6>,
    Relu3<8, 6, 6>,
    MaxPool2d<8, 6, 6, 3, 3>,
    Flatten<8, 3, 3, 72>,
    Dense<72, 10>,
];

/// conv 3×3 ×8 (valid) → ReLU → 2×2 max pool → dense, on 28×28 MNIST.
type SmallMnist = chain![
    Unflatten<1, 28, 28, 784>,
    Conv2d<1, 8, 3, 28, 28, 26, 26>,
    Relu3<8, 26, 26>,
    MaxPool2d<8, 26, 26, 13, 13>,
    Flatten<8, 13, 13, 1352>,
    Dense<1352, 10>,
];

/// Two "same" conv stages (32, 64 channels, each conv → ReLU → 2×2 max pool) → dense.
type DeepDigits = chain![
    Unflatten<1, 8, 8, 64>,
    Conv2d<1, 32, 3, 8, 8, 8, 8, 1, 1>,
    Relu3<32, 8, 8>,
    MaxPool2d<32, 8, 8, 4, 4>,
    Conv2d<32, 64, 3, 4, 4, 4, 4, 1, 1>,
    Relu3<64, 4, 4>,
    MaxPool2d<64, 4, 4, 2, 2>,
    Flatten<64, 2, 2, 256>,
    Dense<256, 10>,
];

/// LeNet-style: two valid 5×5 conv stages (16, 32 channels, each conv → ReLU → 2×2 max
/// pool) → dense.
type DeepMnist = chain![
    Unflatten<1, 28, 28, 784>,
    Conv2d<1, 16, 5, 28, 28, 24, 24>,
    Relu3<16, 24, 24>,
    MaxPool2d<16, 24, 24, 12, 12>,
    Conv2d<16, 32, 5, 12, 12, 8, 8>,
    Relu3<32, 8, 8>,
    MaxPool2d<32, 8, 8, 4, 4>,
    Flatten<32, 4, 4, 512>,
    Dense<512, 10>,
];

/// What one training run produced.
struct Outcome {
    test_accuracy: f32,
    train_seconds_per_epoch: f64,
    history: Vec<EpochStats>,
}

/// The MNIST subset split 4000/1000 after a seeded shuffle (the file is sorted by label).
fn mnist_split() -> Result<(Dataset<784, 10>, Dataset<784, 10>), dataset::DatasetError> {
    let mut data = dataset::mnist(dataset::MNIST_CSV)?;
    data.shuffle(SPLIT_SEED);
    Ok(data.split(MNIST_TRAIN))
}

/// The 8×8 digits split 80/20 after a seeded shuffle.
fn digits_split() -> Result<(Dataset<64, 10>, Dataset<64, 10>), dataset::DatasetError> {
    let mut data = dataset::digits(dataset::DIGITS_CSV)?;
    data.shuffle(SPLIT_SEED);
    Ok(data.split_fraction(DIGITS_TRAIN_FRACTION))
}

fn kib(bytes: usize) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

/// Trains a fresh, He-initialised model of type `L` and draws its confusion matrix to
/// `target/plots/cnn_<file>_confusion.png`. Model and optimizer are boxed (`fit` boxes
/// its workspace), so nothing large sits on the stack.
fn run<L, const D: usize>(
    name: &str,
    file: &str,
    (train, test): (&Dataset<D, 10>, &Dataset<D, 10>),
    epochs: usize,
    seed: u64,
) -> Result<Outcome, Box<dyn Error>>
where
    L: Layer<Input = [f32; D], Output = [f32; 10]> + stacknet::Zero,
{
    println!(
        "\n== {name}: train {} / test {}, Adam lr 1e-3, batch 32, {epochs} epochs, seed {seed}",
        train.len(),
        test.len()
    );
    print_footprint::<L>(name);
    let mut model: Box<L> = Box::new(L::ZERO);
    model.init(Init::HeUniform, &mut stacknet::rng(seed));
    let mut opt: Box<Adam<L>> = Box::new(Adam::new(1e-3)?);
    let config = FitConfig {
        epochs,
        batch_size: 32,
        seed,
        ..FitConfig::default()
    };
    let mut bar = TrainingBar::new(name, epochs, train.len().div_ceil(config.batch_size));
    let history = fit(
        &mut *model,
        &mut *opt,
        &SoftmaxCrossEntropy,
        train,
        Some(test),
        &config,
        |e| bar.observe(e),
    )?;
    bar.finish();

    // `elapsed` includes evaluating the train and test sets after each epoch; time one
    // evaluation pass to report the training time alone.
    let start = Instant::now();
    let on_test = evaluate(&*model, &SoftmaxCrossEntropy, test);
    let _ = evaluate(&*model, &SoftmaxCrossEntropy, train);
    let eval = start.elapsed().as_secs_f64();
    let total: f64 = history.iter().map(|s| s.elapsed.as_secs_f64()).sum();
    let per_epoch = (total / epochs as f64 - eval).max(0.0);
    println!(
        "{name}: test accuracy {:.2} % ({}/{}), training {per_epoch:.2} s/epoch (+ {eval:.2} s evaluation)",
        100.0 * on_test.accuracy(),
        on_test.correct,
        on_test.total,
    );
    print!("{}", on_test.confusion_table());
    let path = plots_dir().join(format!("cnn_{file}_confusion.png"));
    let title = format!("{name}: test {:.2}%", 100.0 * on_test.accuracy());
    plot::confusion_matrix(&path, &title, &on_test.confusion, (700, 650))?;
    println!("plot: {}", path.display());
    Ok(Outcome {
        test_accuracy: on_test.accuracy(),
        train_seconds_per_epoch: per_epoch,
        history,
    })
}

/// Draws the training curves of the runs on one dataset.
fn curves(file: &str, title: &str, runs: &[(&str, &Outcome)]) -> Result<(), Box<dyn Error>> {
    if runs.is_empty() {
        return Ok(());
    }
    let runs: Vec<Run<'_>> = runs
        .iter()
        .map(|(name, o)| Run {
            name,
            history: &o.history,
        })
        .collect();
    let path = plots_dir().join(format!("cnn_{file}_training.png"));
    plot::training_curves(&path, title, &runs, (1200, 500))?;
    println!("plot: {}", path.display());
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let has = |w: &str| args.iter().any(|a| a == w);
    let numbers: Vec<u64> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let epochs = numbers.first().map(|&e| e as usize);
    let seed = numbers.get(1).copied().unwrap_or(1);
    let small = has("small") || !has("deep");
    let deep = has("deep") || !has("small");
    let digits = has("digits") || !has("mnist");
    let mnist = has("mnist") || !has("digits");
    let (epochs_small, epochs_deep_digits) = (epochs.unwrap_or(15), epochs.unwrap_or(40));

    let mut table = Vec::new();
    if digits {
        let (train, test) = digits_split()?;
        let data = (&train, &test);
        let mut runs = Vec::new();
        if small {
            let name = "small CNN, digits";
            let o = run::<SmallDigits, 64>(name, "small_digits", data, epochs_small, seed)?;
            runs.push((name, Footprint::of::<SmallDigits>(), o));
        }
        if deep {
            let name = "deep CNN, digits";
            let o = run::<DeepDigits, 64>(name, "deep_digits", data, epochs_deep_digits, seed)?;
            runs.push((name, Footprint::of::<DeepDigits>(), o));
        }
        let named: Vec<_> = runs.iter().map(|(n, _, o)| (*n, o)).collect();
        curves("digits", "CNNs on the 8x8 digits", &named)?;
        table.extend(runs);
    }
    if mnist {
        let (train, test) = mnist_split()?;
        let data = (&train, &test);
        let mut runs = Vec::new();
        if small {
            let name = "small CNN, MNIST";
            let o = run::<SmallMnist, 784>(name, "small_mnist", data, epochs_small, seed)?;
            runs.push((name, Footprint::of::<SmallMnist>(), o));
        }
        if deep {
            let name = "deep CNN, MNIST";
            let o = run::<DeepMnist, 784>(name, "deep_mnist", data, epochs_small, seed)?;
            runs.push((name, Footprint::of::<DeepMnist>(), o));
        }
        let named: Vec<_> = runs.iter().map(|(n, _, o)| (*n, o)).collect();
        curves("mnist", "CNNs on the MNIST subset (4000/1000)", &named)?;
        table.extend(runs);
    }

    println!("\n| model | test accuracy | params | cache | training RAM (Adam) | s/epoch |");
    println!("|---|---|---|---|---|---|");
    for (name, f, o) in &table {
        println!(
            "| {name} | {:.2} % | {} ({}) | {} | {} | {:.2} |",
            100.0 * o.test_accuracy,
            f.param_count,
            kib(f.params),
            kib(f.cache),
            kib(f.train_adam()),
            o.train_seconds_per_epoch
        );
    }
    Ok(())
}
