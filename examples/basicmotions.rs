//! GRU and Conv1d classifiers on BasicMotions (6 channels: 3-axis accelerometer and
//! gyroscope, 100 steps, 4 activities; the UEA archive's 40/40 train/test split), trained
//! with Adam (lr 3e-3, batch 16, 150 epochs) like `tools/seq_reference.py` trains the same
//! architectures in PyTorch (`tools/seq_reference.txt`). Reports test accuracy per seed,
//! the mean, and the models' memory figures; plots seed 0's training curves and confusion
//! matrices into `target/plots/` (or `$STACKNET_PLOTS`).
//!
//! ```sh
//! cargo run --release --features plot,progress --example basicmotions -- [gru|gru16|conv1d|all] [SEEDS] [EPOCHS]
//! ```
//!
//! Default: all three models, 3 seeds (0, 1, 2), 150 epochs. Every channel is standardised with
//! the training set's mean and standard deviation. Samples are flattened channel after
//! channel into `[f32; 600]` rows for `stacknet::std::fit`; the models start with
//! `UnflattenSeries` (back to `6×100`), and the GRU's with `Transpose` (time-major).
//!
//! - `gru`: GRU(6 → 32) over the 100 steps, last state → Dense(32 → 4): 3972 parameters.
//! - `gru16`: the same with 16 hidden units: 1220 parameters.
//! - `conv1d`: Conv1d(6 → 16, k5, same) → ReLU → max pool 2 → Conv1d(16 → 32, k5, same) →
//!   ReLU → mean over time → Dense(32 → 4): 3220 parameters.

// Shared with the other dataset examples; this one uses only part of it.
#[allow(dead_code)]
mod datasets_support;

use datasets_support::{plots_dir, print_footprint};
use stacknet::layers::{
    Conv1d, GlobalAvgPool1d, Gru, MaxPool1d, Relu2, Transpose, UnflattenSeries,
};
use stacknet::loss::SoftmaxCrossEntropy;
use stacknet::optim::Adam;
use stacknet::std::dataset::{self, Dataset};
use stacknet::std::fit::{EpochStats, Event, FitConfig, evaluate, fit};
use stacknet::std::plot::{self, Run};
use stacknet::std::progress::TrainingBar;
use stacknet::{Dense, Footprint, Init, Layer, Zero, chain};
use std::error::Error;
use std::time::Instant;

/// GRU classifier: flat sample → 6×100 → 100×6 → GRU 32 (last state) → 4 logits.
type GruNet = chain![
    UnflattenSeries<6, 100, 600>,
    Transpose<6, 100>,
    Gru<6, 32, 100>,
    Dense<32, 4>,
];

/// The same with 16 hidden units: 1220 parameters, and per-sample training with Adam in
/// about 50 KB of RAM (see the printed `Footprint`), for the 64 KB microcontroller budget.
type SmallGruNet = chain![
    UnflattenSeries<6, 100, 600>,
    Transpose<6, 100>,
    Gru<6, 16, 100>,
    Dense<16, 4>,
];

/// Conv1d classifier: two "same" convolutions, a max pool and the mean over time.
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
    let epochs = args.get(2).map_or(Ok(150), |s| s.parse())?;

    let mut train = dataset::basic_motions(dataset::BASIC_MOTIONS_TRAIN)?;
    let mut test = dataset::basic_motions(dataset::BASIC_MOTIONS_TEST)?;
    let (mean, std_dev) = train.channel_mean_std();
    train.standardize(&mean, &std_dev)?;
    test.standardize(&mean, &std_dev)?;
    let (train, test) = (train.flatten::<600>()?, test.flatten::<600>()?);
    println!(
        "BasicMotions: {} training and {} test series of 6 × 100",
        train.len(),
        test.len()
    );

    let mut curves = Vec::new();
    if matches!(which, "gru" | "all") {
        let name = "basicmotions gru";
        let h = over_seeds::<GruNet, 600, 4>(name, &train, &test, epochs, seeds)?;
        curves.push(("GRU 32", h));
    }
    if matches!(which, "gru16" | "all") {
        let name = "basicmotions gru16";
        let h = over_seeds::<SmallGruNet, 600, 4>(name, &train, &test, epochs, seeds)?;
        curves.push(("GRU 16", h));
    }
    if matches!(which, "conv1d" | "all") {
        let name = "basicmotions conv1d";
        let h = over_seeds::<ConvNet, 600, 4>(name, &train, &test, epochs, seeds)?;
        curves.push(("Conv1d", h));
    }
    plot_curves("basicmotions_training.png", "BasicMotions, seed 0", &curves)?;
    Ok(())
}
