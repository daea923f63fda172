//! Shared by the sequence examples (basicmotions, vowels): the command line, training one
//! model over several seeds with Adam, the summary and plots, and `--save-init`, which
//! writes what `tools/seq_torch_compare.py` needs to train the same model in PyTorch from
//! the same start.

use crate::datasets_support::{plots_dir, print_footprint};
use stacknet::loss::SoftmaxCrossEntropy;
use stacknet::optim::Adam;
use stacknet::std::dataset::{self, Dataset};
use stacknet::std::fit::{EpochStats, Event, FitConfig, evaluate, fit};
use stacknet::std::plot::{self, Run};
use stacknet::std::progress::TrainingBar;
use stacknet::{Footprint, Init, Layer, Zero, format};
use std::error::Error;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Adam's learning rate for every sequence model (as `tools/seq_reference.py`).
pub const LR: f32 = 3e-3;
/// Mini-batch size for every sequence model.
pub const BATCH: usize = 16;

/// The command line: `[MODEL] [SEEDS] [EPOCHS] [--first-seed N] [--save-init DIR]`.
#[derive(Debug, Clone)]
pub struct Options {
    /// Which model to train (`all` by default).
    pub which: String,
    /// Seeds `first_seed .. first_seed + seeds`.
    pub seeds: u64,
    /// The first seed (0 by default).
    pub first_seed: u64,
    /// Epochs per run.
    pub epochs: usize,
    /// Where `--save-init` writes each run's initial weights, sample orders, data, result,
    /// trained weights and test outputs (nothing written without it).
    pub save_init: Option<PathBuf>,
}

impl Options {
    /// Reads the process arguments; `models` are the accepted model names (plus `all`).
    ///
    /// # Errors
    /// An unknown model or option, a missing option value, or a number that does not parse.
    pub fn from_args(models: &[&str], epochs: usize) -> Result<Self, Box<dyn Error>> {
        let mut positional = Vec::new();
        let mut first_seed = 0;
        let mut save_init = None;
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut value = || args.next().ok_or(format!("{arg} needs a value"));
            match arg.as_str() {
                "--first-seed" => first_seed = value()?.parse()?,
                "--save-init" => save_init = Some(PathBuf::from(value()?)),
                a if a.starts_with("--") => return Err(format!("unknown option {a}").into()),
                _ => positional.push(arg),
            }
        }
        if positional.len() > 3 {
            return Err(format!("expected at most MODEL SEEDS EPOCHS, got {positional:?}").into());
        }
        let which = positional.first().map_or("all", String::as_str).to_string();
        if which != "all" && !models.contains(&which.as_str()) {
            return Err(format!("unknown model {which:?}: one of {models:?} or all").into());
        }
        Ok(Self {
            which,
            seeds: positional.get(1).map_or(Ok(3), |s| s.parse())?,
            first_seed,
            epochs: positional.get(2).map_or(Ok(epochs), |s| s.parse())?,
            save_init,
        })
    }

    /// Whether `model` is to be trained.
    pub fn wants(&self, model: &str) -> bool {
        self.which == "all" || self.which == model
    }
}

/// `name` as a file name: spaces become underscores.
fn file_stem(name: &str) -> String {
    name.replace(' ', "_")
}

/// Writes `data` as text, one sample a line: the label, then the `D` features in the order
/// the model reads them (`{:?}` prints the shortest text that reads back as the same f32).
fn write_dataset<const D: usize, const K: usize>(
    path: &Path,
    data: &Dataset<D, K>,
) -> Result<(), Box<dyn Error>> {
    let mut s = format!("# {} samples: label, then {D} features\n", data.len());
    for (x, label) in data.iter() {
        let _ = write!(s, "{label}");
        for v in x {
            let _ = write!(s, " {v:?}");
        }
        s.push('\n');
    }
    std::fs::write(path, s)?;
    Ok(())
}

/// The training order of every epoch that `fit` uses with `FitConfig::new(_, _, seed)`
/// (one generator from `seed`, the previous epoch's order reshuffled in place), one epoch a
/// line.
fn write_orders(path: &Path, n: usize, epochs: usize, seed: u64) -> Result<(), Box<dyn Error>> {
    let mut rng = stacknet::rng(seed);
    let mut order: Vec<usize> = (0..n).collect();
    let mut s = format!("# the sample order of each of {epochs} epochs, seed {seed}\n");
    for _ in 0..epochs {
        for i in (1..n).rev() {
            order.swap(i, dataset::below(&mut rng, i + 1));
        }
        let line: Vec<String> = order.iter().map(usize::to_string).collect();
        s.push_str(&line.join(" "));
        s.push('\n');
    }
    std::fs::write(path, s)?;
    Ok(())
}

/// Trains a fresh `L` from `seed`; returns the test accuracy after the last epoch (no model
/// selection on the test set) and the per-epoch history. Seed 0 also records the test
/// curve (evaluation only: training is the same) and plots its confusion matrix.
fn run<L, const D: usize, const K: usize>(
    name: &str,
    (train, test): (&Dataset<D, K>, &Dataset<D, K>),
    options: &Options,
    seed: u64,
) -> Result<(f32, Vec<EpochStats>), Box<dyn Error>>
where
    L: Layer<Input = [f32; D], Output = [f32; K]> + Zero,
{
    let epochs = options.epochs;
    let mut net: Box<L> = Box::new(L::ZERO);
    // Dense and Conv1d layers: Xavier; the GRU uses PyTorch's ±1/√H whatever the scheme.
    net.init(Init::XavierUniform, &mut stacknet::rng(seed));
    let saved = options
        .save_init
        .as_deref()
        .map(|dir| dir.join(format!("{}_seed{seed}", file_stem(name))));
    if let Some(stem) = &saved {
        let mut image = vec![0; format::encoded_len::<L>()];
        format::save(&*net, &mut image)?;
        std::fs::write(stem.with_extension("snet"), image)?;
        write_orders(&stem.with_extension("orders"), train.len(), epochs, seed)?;
    }
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
    if let Some(stem) = &saved {
        let result = format!(
            "test_accuracy {:?}\ntrain_accuracy {:?}\n",
            on_test.accuracy(),
            on_train.accuracy()
        );
        std::fs::write(stem.with_extension("result"), result)?;
        // The trained model and its outputs on the test set, to check the PyTorch import.
        let mut image = vec![0; format::encoded_len::<L>()];
        format::save(&*net, &mut image)?;
        std::fs::write(stem.with_extension("trained.snet"), image)?;
        let mut s = String::from("# stacknet outputs (logits) on the test set\n");
        for (x, _) in test.iter() {
            let y: Vec<String> = net.infer(x).iter().map(|v| format!("{v:?}")).collect();
            s.push_str(&y.join(" "));
            s.push('\n');
        }
        std::fs::write(stem.with_extension("outputs"), s)?;
    }
    if seed == 0 {
        let path = plots_dir().join(format!("{}_confusion.png", file_stem(name)));
        let title = format!("{label}: test {:.1} %", 100.0 * on_test.accuracy());
        plot::confusion_matrix(&path, &title, &on_test.confusion, (650, 600))?;
        println!("plot: {}", path.display());
    }
    Ok((on_test.accuracy(), history))
}

/// Runs `L` over the seeds of `options` and prints the mean and sample standard deviation;
/// returns the history of the first seed. With `--save-init`, also writes the training and
/// test data as the model reads them.
pub fn over_seeds<L, const D: usize, const K: usize>(
    name: &str,
    train: &Dataset<D, K>,
    test: &Dataset<D, K>,
    options: &Options,
) -> Result<Vec<EpochStats>, Box<dyn Error>>
where
    L: Layer<Input = [f32; D], Output = [f32; K]> + Zero,
{
    if let Some(dir) = &options.save_init {
        std::fs::create_dir_all(dir)?;
        write_dataset(&dir.join(format!("{}_train.txt", file_stem(name))), train)?;
        write_dataset(&dir.join(format!("{}_test.txt", file_stem(name))), test)?;
    }
    let mut accs = Vec::new();
    let mut first = Vec::new();
    for seed in options.first_seed..options.first_seed + options.seeds {
        let (acc, history) = run::<L, D, K>(name, (train, test), options, seed)?;
        accs.push(100.0 * acc);
        if seed == options.first_seed {
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

/// Training curves of every model's first-seed run in one PNG.
pub fn plot_curves(
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
