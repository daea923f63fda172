//! GRU and Conv1d classifiers on JapaneseVowels (12 LPC cepstrum channels, 7–29 frames per
//! utterance, 9 speakers; the UCI/UEA 270/370 train/test split), trained with Adam (lr 3e-3,
//! batch 16, 60 epochs) like `tools/seq_reference.py` trains the same architectures in
//! PyTorch (`tools/seq_reference.txt`). Reports test accuracy per seed, the mean, and the
//! models' memory figures; plots seed 0's training curves and confusion matrices into
//! `target/plots/` (or `$STACKNET_PLOTS`).
//!
//! ```sh
//! cargo run --release --features plot,progress --example vowels -- [gru|conv1d|all] [SEEDS] [EPOCHS] \
//!     [--first-seed N] [--save-init DIR]
//! ```
//!
//! Default: both models, 3 seeds (0, 1, 2; `--first-seed N` starts at N), 60 epochs.
//! `--save-init DIR` also writes each run's initial weights, epoch orders and result, and
//! the data as the model reads it, for `tools/seq_torch_compare.py` (docs/SEQUENCE.md).
//! Every utterance is padded with zeros to 29 frames (the longest in either file; nothing is
//! cropped): *before* the utterance for the GRU, so its last state follows the real frames
//! (`Pad::ZerosBefore`), *after* it for the Conv1d net, which averages over all 29 steps
//! (`Pad::ZerosAfter`). No
//! standardisation (the cepstra are already of order 1). Samples are flattened into
//! `[f32; 348]` rows for `stacknet::std::fit`; the models start with `UnflattenSeries`.
//!
//! - `gru`: GRU(12 → 32), last state → Dense(32 → 9): 4713 parameters.
//! - `conv1d`: Conv1d(12 → 16, k5, same) → ReLU → max pool 2 → Conv1d(16 → 32, k5, same) →
//!   ReLU → mean over time → Dense(32 → 9): 3865 parameters.

// Shared with the other dataset examples; this one uses only part of it.
#[allow(dead_code)]
mod datasets_support;
mod sequence_support;

use sequence_support::{Options, over_seeds, plot_curves};
use stacknet::layers::{
    Conv1d, GlobalAvgPool1d, Gru, MaxPool1d, Relu2, Transpose, UnflattenSeries,
};
use stacknet::std::dataset::{self, Dataset, Pad};
use stacknet::{Dense, chain};
use std::error::Error;

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

fn main() -> Result<(), Box<dyn Error>> {
    let options = Options::from_args(&["gru", "conv1d"], 60)?;
    let load = |path: &str, pad: Pad| -> Result<Dataset<348, 9>, Box<dyn Error>> {
        Ok(dataset::japanese_vowels(path, pad)?.flatten::<348>()?)
    };
    let (train, test) = (
        dataset::JAPANESE_VOWELS_TRAIN,
        dataset::JAPANESE_VOWELS_TEST,
    );
    let mut curves = Vec::new();
    if options.wants("gru") {
        let before = (
            load(train, Pad::ZerosBefore)?,
            load(test, Pad::ZerosBefore)?,
        );
        println!(
            "JapaneseVowels: {} training and {} test utterances, 12 × 29 (zeros before)",
            before.0.len(),
            before.1.len()
        );
        let h = over_seeds::<GruNet, 348, 9>("vowels gru", &before.0, &before.1, &options)?;
        curves.push(("GRU 32", h));
    }
    if options.wants("conv1d") {
        let after = (load(train, Pad::ZerosAfter)?, load(test, Pad::ZerosAfter)?);
        let h = over_seeds::<ConvNet, 348, 9>("vowels conv1d", &after.0, &after.1, &options)?;
        curves.push(("Conv1d", h));
    }
    let title = format!("JapaneseVowels, seed {}", options.first_seed);
    plot_curves("vowels_training.png", &title, &curves)?;
    Ok(())
}
