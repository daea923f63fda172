//! GRU and Conv1d classifiers on JapaneseVowels (12 LPC cepstrum channels, 7–29 frames per
//! utterance, 9 speakers; the UCI/UEA 270/370 train/test split), trained with Adam (lr 3e-3,
//! batch 16, 60 epochs) like `tools/seq_reference.py` trains the same architectures in
//! PyTorch (`tools/seq_reference.txt`). Reports test accuracy per seed, the mean, and the
//! models' memory figures; plots seed 0's training curves and confusion matrices into
//! `target/plots/` (or `$STACKNET_PLOTS`).
//!
//! ```sh
//! cargo run --release --features plot,progress --example vowels -- [gru|conv1d|all] [SEEDS] [EPOCHS]
//! ```
//!
//! Default: both models, 3 seeds (0, 1, 2), 60 epochs. Every utterance is padded with zeros
//! to 29 frames (the longest in either file; nothing is cropped): *before* the utterance for
//! the GRU, so its last state follows the real frames (`Pad::ZerosBefore`), *after* it for
//! the Conv1d net, which averages over all 29 steps (`Pad::ZerosAfter`). No
//! standardisation (the cepstra are already of order 1). Samples are flattened into
//! `[f32; 348]` rows for `stacknet::std::fit`; the models start with `UnflattenSeries`.
//!
//! - `gru`: GRU(12 → 32), last state → Dense(32 → 9): 4713 parameters.
//! - `conv1d`: Conv1d(12 → 16, k5, same) → ReLU → max pool 2 → Conv1d(16 → 32, k5, same) →
//!   ReLU → mean over time → Dense(32 → 9): 3865 parameters.

// Shared with the other dataset examples; this one uses only part of it.
#[allow(dead_code)]
mod datasets_support;

use datasets_support::{plots_dir, print_footprint};
use stacknet::layers::{
    Conv1d, GlobalAvgPool1d, Gru, MaxPool1d, Relu2, Transpose, UnflattenSeries,
};
use stacknet::loss::SoftmaxCrossEntropy;
use stacknet::optim::Adam;
use stacknet::std::dataset::{self, Dataset, Pad};
use stacknet::std::fit::{EpochStats, Event, FitConfig, evaluate, fit};
use stacknet::std::plot::{self, Run};
use stacknet::std::progress::TrainingBar;
use stacknet::{Dense, Footprint, Init, Layer, Zero, chain};
use std::error::Error;
use std::time::Instant;

/// GRU classifier: flat sample → 12×29 → 29×12 → GRU 32 (last state) → 9 logits.
type GruNet = chain![
    UnflattenSeries<12, 29, 348>,
    Transpose<12, 29>,
    Gru<12, 32, 29>,
    Dense<32, 9>,
];

/// Conv1d classifier: two "same" convolutions, a max pool and the mean over time.
type ConvNet = chain![
    UnflattenSeries<12, 29, 348>,
    Conv1d<12, 16, 5, 29, 29, 1, 2>,
    Relu2<16, 29>,
    MaxPool1d<16, 29, 14>,
    Conv1d<16, 32, 5, 14, 14, 1, 2>,
    Relu2<32, 14>,
    GlobalAvgPool1d<32, 14>,
    Dense<32, 9>,
];

const LR: f32 = 3e-3;
const BATCH: usize = 16;

/// Trains a fresh `L` from `seed`; returns the test accuracy after the last epoch (no model
/// selection on the test set) and the per-epoch history. Seed 0 also records the test
/// curve (evaluation only: training is the same) and plots its confusion matrix.
fn run<L, const D: usize, const K: usize>(
    name: &str,
    train: &Dataset<D, K>,
    test: &Dataset<D, K>,
    epochs: usize,
    seed: u64,
) -> Result<(f32, Vec<EpochStats>), Box<dyn Error>>
where
    L: Layer<Input = [f32; D], Output = [f32; K]> + Zero,
{
    let mut net: Box<L> = Box::new(L::ZERO);
    // Dense and Conv1d layers: Xavier; the GRU uses PyTorch's ±1/√H whatever the scheme.
    net.init(Init::XavierUniform, &mut stacknet::rng(seed));
    let mut opt = Box::new(Adam::<L>::new(LR)?);
    let config = FitConfig::new(epochs, BATCH, seed);
    let label = format!("{name} seed {seed}");
    let mut bar = TrainingBar::new(&label, epochs, train.len().div_ceil(BATCH));
    let start = Instant::now();
    let curve = (seed == 0).then_some(test);
    let observe = |e: Event<'_>| match e {
        // One line every 25 epochs; the bar moves on every batch.
        Event::Epoch(s) if s.epoch % 25 != 0 => {}
        e => bar.observe(e),
    };
    let history = fit(
        &mut *net,
        &mut *opt,
        &SoftmaxCrossEntropy,
        train,
        curve,
        &config,
        observe,
    )?;
    bar.finish();
    let on_test = evaluate(&*net, &SoftmaxCrossEntropy, test);
    let on_train = evaluate(&*net, &SoftmaxCrossEntropy, train);
    println!(
        "{label}: test {:.1} %, train {:.1} % ({:.1} s)",
        100.0 * on_test.accuracy(),
        100.0 * on_train.accuracy(),
        start.elapsed().as_secs_f32()
    );
    if seed == 0 {
        let path = plots_dir().join(format!("{}_confusion.png", name.replace(' ', "_")));
        let title = format!("{label}: test {:.1} %", 100.0 * on_test.accuracy());
        plot::confusion_matrix(&path, &title, &on_test.confusion, (650, 600))?;
        println!("plot: {}", path.display());
    }
    Ok((on_test.accuracy(), history))
}

/// Runs `L` over `seeds` and prints the mean and sample standard deviation.
fn over_seeds<L, const D: usize, const K: usize>(
    name: &str,
    train: &Dataset<D, K>,
    test: &Dataset<D, K>,
    epochs: usize,
    seeds: u64,
) -> Result<Vec<EpochStats>, Box<dyn Error>>
where
    L: Layer<Input = [f32; D], Output = [f32; K]> + Zero,
{
    let mut accs = Vec::new();
    let mut first = Vec::new();
    for seed in 0..seeds {
        let (acc, history) = run::<L, D, K>(name, train, test, epochs, seed)?;
        accs.push(100.0 * acc);
        if seed == 0 {
            first = history;
        }
    }
    let n = accs.len() as f32;
    let mean = accs.iter().sum::<f32>() / n;
    let sd = if accs.len() > 1 {
        (accs.iter().map(|a| (a - mean).powi(2)).sum::<f32>() / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    println!(
        "SUMMARY {name}: {} params, test {mean:.1} % ± {sd:.1} over {} seeds {accs:?}",
        Footprint::of::<L>().param_count,
        accs.len()
    );
    print_footprint::<L>(name);
    let f = Footprint::of::<L>();
    println!(
        "  bytes: params {}, cache {}, step workspace {}, Adam {}; per-sample Adam training {}",
        f.params,
        f.cache,
        f.step_workspace,
        f.adam,
        f.train_adam()
    );
    Ok(first)
}

/// Training curves of every model's seed-0 run in one PNG.
fn plot_curves(
    file: &str,
    title: &str,
    runs: &[(&str, Vec<EpochStats>)],
) -> Result<(), Box<dyn Error>> {
    let runs: Vec<Run<'_>> = runs
        .iter()
        .filter(|(_, h)| !h.is_empty())
        .map(|(name, history)| Run { name, history })
        .collect();
    if runs.is_empty() {
        return Ok(());
    }
    let path = plots_dir().join(file);
    plot::training_curves(&path, title, &runs, (1200, 500))?;
    println!("plot: {}", path.display());
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let which = args.first().map_or("all", String::as_str);
    let seeds = args.get(1).map_or(Ok(3), |s| s.parse())?;
    let epochs = args.get(2).map_or(Ok(60), |s| s.parse())?;
    let load = |path: &str, pad: Pad| -> Result<Dataset<348, 9>, Box<dyn Error>> {
        Ok(dataset::japanese_vowels(path, pad)?.flatten::<348>()?)
    };
    let (train, test) = (
        dataset::JAPANESE_VOWELS_TRAIN,
        dataset::JAPANESE_VOWELS_TEST,
    );
    let mut curves = Vec::new();
    if matches!(which, "gru" | "all") {
        let before = (
            load(train, Pad::ZerosBefore)?,
            load(test, Pad::ZerosBefore)?,
        );
        println!(
            "JapaneseVowels: {} training and {} test utterances, 12 × 29 (zeros before)",
            before.0.len(),
            before.1.len()
        );
        let h = over_seeds::<GruNet, 348, 9>("vowels gru", &before.0, &before.1, epochs, seeds)?;
        curves.push(("GRU 32", h));
    }
    if matches!(which, "conv1d" | "all") {
        let after = (load(train, Pad::ZerosAfter)?, load(test, Pad::ZerosAfter)?);
        let h = over_seeds::<ConvNet, 348, 9>("vowels conv1d", &after.0, &after.1, epochs, seeds)?;
        curves.push(("Conv1d", h));
    }
    plot_curves("vowels_training.png", "JapaneseVowels, seed 0", &curves)?;
    Ok(())
}
