//! GRU and Conv1d classifiers on BasicMotions (6 channels: 3-axis accelerometer and
//! gyroscope, 100 steps, 4 activities; the UEA archive's 40/40 train/test split), trained
//! with Adam (lr 3e-3, batch 16, 150 epochs) like `tools/seq_reference.py` trains the same
//! architectures in PyTorch (`tools/seq_reference.txt`). Reports test accuracy per seed,
//! the mean, and the models' memory figures; plots seed 0's training curves and confusion
//! matrices into `target/plots/` (or `$STACKNET_PLOTS`).
//!
//! ```sh
//! cargo run --release --features plot,progress --example basicmotions -- [gru|gru16|conv1d|all] [SEEDS] [EPOCHS] \
//!     [--first-seed N] [--save-init DIR]
//! ```
//!
//! Default: all three models, 3 seeds (0, 1, 2; `--first-seed N` starts at N), 150 epochs.
//! `--save-init DIR` also writes each run's initial weights, epoch orders and result, and
//! the data as the model reads it, for `tools/seq_torch_compare.py` (docs/SEQUENCE.md). Every channel is standardised with
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
mod sequence_support;

use sequence_support::{Options, over_seeds, plot_curves};
use stacknet::layers::{
    Conv1d, GlobalAvgPool1d, Gru, MaxPool1d, Relu2, Transpose, UnflattenSeries,
};
use stacknet::std::dataset;
use stacknet::{Dense, chain};
use std::error::Error;

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

fn main() -> Result<(), Box<dyn Error>> {
    let options = Options::from_args(&["gru", "gru16", "conv1d"], 150)?;

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
    if options.wants("gru") {
        let name = "basicmotions gru";
        let h = over_seeds::<GruNet, 600, 4>(name, &train, &test, &options)?;
        curves.push(("GRU 32", h));
    }
    if options.wants("gru16") {
        let name = "basicmotions gru16";
        let h = over_seeds::<SmallGruNet, 600, 4>(name, &train, &test, &options)?;
        curves.push(("GRU 16", h));
    }
    if options.wants("conv1d") {
        let name = "basicmotions conv1d";
        let h = over_seeds::<ConvNet, 600, 4>(name, &train, &test, &options)?;
        curves.push(("Conv1d", h));
    }
    let title = format!("BasicMotions, seed {}", options.first_seed);
    plot_curves("basicmotions_training.png", &title, &curves)?;
    Ok(())
}
