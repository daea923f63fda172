//! A host-side training loop: epochs of seeded-shuffled mini-batches over a [`Dataset`],
//! with per-epoch loss and accuracy, and an evaluation helper with a confusion matrix.
//!
//! It is built only from the no_std pieces ([`BatchWorkspace::accumulate4`] and
//! [`BatchWorkspace::apply`], which give the same bits as [`Workspace`](crate::Workspace)'s
//! one-sample-at-a-time `accumulate` and `apply`), so a model trained here behaves exactly
//! as one trained on a microcontroller with the same samples in the same order.

extern crate std;

use crate::batch::BatchWorkspace;
use crate::error::TrainError;
use crate::layer::Layer;
use crate::loss::Loss;
use crate::optim::Optimizer;
use crate::schedule::{LearningRate, Schedule};
use crate::std::dataset::{Dataset, below};
use core::ops::ControlFlow;
use std::boxed::Box;
use std::time::{Duration, Instant};
use std::vec::Vec;

/// Settings for [`fit`]. `FitConfig::default()` is 10 epochs of batches of 32, seed 0,
/// every epoch evaluated, nothing else; change what you need:
///
/// ```
/// use stacknet::std::fit::{EarlyStopping, FitConfig};
/// let config = FitConfig {
///     epochs: 200,
///     validation: 0.2,
///     early_stopping: Some(EarlyStopping::default()),
///     ..FitConfig::default()
/// };
/// assert_eq!(config.batch_size, 32);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitConfig {
    /// Passes over the training set in this call.
    pub epochs: usize,
    /// Samples averaged per update; 1 is per-sample SGD.
    pub batch_size: usize,
    /// Seeds the per-epoch shuffle of the training order (and the validation split).
    pub seed: u64,
    /// The number of the first epoch of this call (1-based). The shuffle order and the
    /// schedule's step continue from there, so `fit` called once for epochs 1–10 trains
    /// exactly as two calls for 1–5 and then 6–10 with `first_epoch: 6` (same optimizer).
    pub first_epoch: usize,
    /// Fraction of `train` held out (stratified by class, seeded by `seed`) as a validation
    /// set, evaluated with the others and usable for early stopping; 0 for none.
    pub validation: f32,
    /// Evaluate every this many epochs (and always on the last one); 0 is taken as 1.
    /// Epochs in between report NaN accuracy and `None` for the held-out sets.
    pub eval_every: usize,
    /// Also evaluate the whole training set (`train_accuracy`); turning it off saves a
    /// pass over the data per evaluation.
    pub train_accuracy: bool,
    /// Stop when a monitored metric stops improving.
    pub early_stopping: Option<EarlyStopping>,
    /// A learning-rate schedule, applied before every update as `schedule.lr(step)` with
    /// `step` the 0-based update count since epoch 1.
    pub schedule: Option<Schedule>,
}

impl Default for FitConfig {
    fn default() -> Self {
        Self::new(10, 32, 0)
    }
}

impl FitConfig {
    /// `epochs` epochs of batches of `batch_size`, shuffled from `seed`; the rest as in
    /// [`FitConfig::default`].
    pub const fn new(epochs: usize, batch_size: usize, seed: u64) -> Self {
        Self {
            epochs,
            batch_size,
            seed,
            first_epoch: 1,
            validation: 0.0,
            eval_every: 1,
            train_accuracy: true,
            early_stopping: None,
            schedule: None,
        }
    }
}

/// What early stopping watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Monitor {
    /// Mean loss on the validation set (lower is better).
    #[default]
    ValidationLoss,
    /// Accuracy on the validation set (higher is better).
    ValidationAccuracy,
    /// Mean training loss of the epoch (lower is better); needs no held-out data.
    TrainLoss,
}

/// Stop training when `monitor` has not improved by more than `min_delta` for `patience`
/// evaluations; optionally put back the weights of the best evaluation.
///
/// The validation set is the one split off by [`FitConfig::validation`], or else the
/// evaluation set passed to [`fit`] (then it is no longer an unbiased test set).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EarlyStopping {
    /// The metric.
    pub monitor: Monitor,
    /// Evaluations without improvement before stopping (0 is taken as 1).
    pub patience: usize,
    /// The smallest change that counts as an improvement.
    pub min_delta: f32,
    /// Restore the model's weights from the best evaluation when training ends, early or
    /// at its last epoch.
    pub restore_best: bool,
}

impl Default for EarlyStopping {
    /// Validation loss, patience 10, any improvement, restore the best weights.
    fn default() -> Self {
        Self {
            monitor: Monitor::ValidationLoss,
            patience: 10,
            min_delta: 0.0,
            restore_best: true,
        }
    }
}

/// Why [`fit`] ended before its last epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stop {
    /// Early stopping ran out of patience.
    EarlyStopping {
        /// The epoch with the best monitored value.
        best_epoch: usize,
        /// Whether the model now holds that epoch's weights.
        restored: bool,
    },
    /// The observer returned `ControlFlow::Break`.
    Observer,
}

/// What happened in one epoch.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EpochStats {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Mean loss of the training samples as they were trained on (weights moving).
    pub train_loss: f32,
    /// Accuracy on the whole training set after the epoch, in `[0, 1]`; NaN when this
    /// epoch was not evaluated (see [`FitConfig::eval_every`], [`FitConfig::train_accuracy`]).
    pub train_accuracy: f32,
    /// Mean loss on the evaluation set after the epoch, if one was given and evaluated.
    pub test_loss: Option<f32>,
    /// Accuracy on the evaluation set after the epoch, if one was given and evaluated.
    pub test_accuracy: Option<f32>,
    /// Mean loss on the validation split, when [`FitConfig::validation`] is set.
    pub validation_loss: Option<f32>,
    /// Accuracy on the validation split, when [`FitConfig::validation`] is set.
    pub validation_accuracy: Option<f32>,
    /// Samples skipped this epoch: their input, target or loss was not finite, or their
    /// batch's summed gradient overflowed, or the optimizer refused their batch's update
    /// (see [`Workspace`](crate::Workspace)). Each sample is counted once. Zero in a healthy run.
    pub skipped: usize,
    /// Batches whose update the optimizer refused (`TrainError::GradientTooLarge`, or
    /// `TrainError::NonFiniteUpdate` from an optimizer written elsewhere: the step could
    /// have overflowed a weight or the optimizer state); their samples are in `skipped`.
    pub refused_updates: usize,
    /// The learning rate of the epoch's last update (the schedule's, if any).
    pub lr: f32,
    /// Set on the last epoch when training ended early.
    pub stop: Option<Stop>,
    /// Wall time of the epoch, evaluation included.
    pub elapsed: Duration,
}

/// Progress reported to the observer of [`fit`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Event<'a> {
    /// A mini-batch was applied.
    Batch {
        /// 1-based epoch number.
        epoch: usize,
        /// Batches done in this epoch.
        done: usize,
        /// Batches per epoch.
        batches: usize,
    },
    /// An epoch ended.
    Epoch(&'a EpochStats),
}

/// What an observer of [`fit`] may return: `()` (carry on) or a
/// [`ControlFlow`] (`Break(())` stops training after the current batch).
pub trait Flow {
    /// True to stop training.
    fn stop(self) -> bool;
}

impl Flow for () {
    fn stop(self) -> bool {
        false
    }
}

impl Flow for ControlFlow<()> {
    fn stop(self) -> bool {
        self.is_break()
    }
}

/// A model's loss, accuracy and confusion matrix on a dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Mean loss per sample.
    pub loss: f32,
    /// Correct predictions (the class [`Loss::predict`] reads from the output equals the
    /// label).
    pub correct: usize,
    /// Samples evaluated.
    pub total: usize,
    /// `confusion[true_label][predicted]` counts, a square of
    /// [`Dataset::classes`] rows (2 for a one-output binary model).
    pub confusion: Vec<Vec<usize>>,
}

impl Evaluation {
    /// Fraction correct in `[0, 1]` (0 for an empty dataset).
    pub fn accuracy(&self) -> f32 {
        if self.total == 0 {
            0.0
        } else {
            self.correct as f32 / self.total as f32
        }
    }

    /// The confusion matrix as text: one row per true class, one column per prediction.
    pub fn confusion_table(&self) -> std::string::String {
        use std::fmt::Write;
        let mut s = std::string::String::from("true\\pred");
        for p in 0..self.confusion.len() {
            let _ = write!(s, "{p:>5}");
        }
        s.push('\n');
        for (t, row) in self.confusion.iter().enumerate() {
            let _ = write!(s, "{t:>9}");
            for n in row {
                let _ = write!(s, "{n:>5}");
            }
            s.push('\n');
        }
        s
    }
}

/// Runs `model` over every sample of `data`: mean loss (against the targets of
/// [`Dataset::target`]), accuracy and confusion matrix, with the class of each output read
/// by [`Loss::predict`] (argmax; for one output, a threshold).
pub fn evaluate<L, Lo, const D: usize, const C: usize>(
    model: &L,
    loss: &Lo,
    data: &Dataset<D, C>,
) -> Evaluation
where
    L: Layer<Input = [f32; D], Output = [f32; C]>,
    Lo: Loss<C>,
{
    let classes = Dataset::<D, C>::classes();
    let mut confusion = std::vec![std::vec![0; classes]; classes];
    let mut sum = 0.0f64;
    let mut correct = 0;
    for (x, label) in data.iter() {
        let y = model.infer(x);
        sum += f64::from(loss.loss(&y, &Dataset::<D, C>::target(label)));
        let predicted = loss.predict(&y).min(classes - 1);
        confusion[label][predicted] += 1;
        correct += usize::from(predicted == label);
    }
    let total = data.len();
    Evaluation {
        loss: if total == 0 {
            0.0
        } else {
            (sum / total as f64) as f32
        },
        correct,
        total,
        confusion,
    }
}

/// Copies every parameter block of `from` into `to` (same type, so same shapes).
fn copy_params<L: Layer>(from: &L, to: &mut L) {
    for b in 0..L::PARAM_BLOCKS {
        to.param_block_mut(b).copy_from_slice(from.param_block(b));
    }
}

/// The best value seen by early stopping, and how long ago.
struct Watch {
    rule: EarlyStopping,
    best: f32,
    best_epoch: usize,
    waited: usize,
}

impl Watch {
    /// Records one evaluation; true when patience has run out.
    fn record(&mut self, epoch: usize, value: Option<f32>) -> (bool, bool) {
        let Some(v) = value.filter(|v| v.is_finite()) else {
            self.waited += 1;
            return (false, self.waited >= self.rule.patience.max(1));
        };
        let delta = self.rule.min_delta.abs();
        let better = match self.rule.monitor {
            Monitor::ValidationAccuracy => !self.best.is_finite() || v > self.best + delta,
            _ => !self.best.is_finite() || v < self.best - delta,
        };
        if better {
            self.best = v;
            self.best_epoch = epoch;
            self.waited = 0;
        } else {
            self.waited += 1;
        }
        (better, self.waited >= self.rule.patience.max(1))
    }
}

/// Trains `model` on `train` for `config.epochs` epochs of mini-batches of
/// `config.batch_size` (the last batch of an epoch may be smaller), in an order reshuffled
/// every epoch from `config.seed`, with the targets of [`Dataset::target`] (one-hot, or
/// `[label]` for a one-output binary model). After each evaluated epoch (see
/// [`FitConfig::eval_every`]) it evaluates on the training set, the validation split and
/// `test` (if given); then calls `observer` with [`Event::Epoch`]; after each batch with
/// [`Event::Batch`]. The observer may return `()` or a [`ControlFlow`]: `Break(())` stops
/// after the current batch (that epoch is still evaluated and reported).
///
/// With [`FitConfig::early_stopping`], training stops once the monitored metric has not
/// improved for `patience` evaluations, and with `restore_best` the model ends with the
/// weights of its best evaluation. The last [`EpochStats`] then says why in `stop`.
///
/// The training [`BatchWorkspace`] is boxed, so large models do not sit on the stack; box the
/// model and a large optimizer too (`Box::new(Model::ZERO)`).
///
/// Samples that are refused (non-finite data or gradients) or whose batch update the
/// optimizer refuses are skipped and counted once in [`EpochStats::skipped`]; they never
/// reach the weights.
///
/// ```
/// use stacknet::{chain, Dense, Layer, Tanh, Zero, loss::SoftmaxCrossEntropy, optim::Adam};
/// use stacknet::std::{dataset, fit::{fit, FitConfig}};
/// type Net = chain![Dense<2, 8>, Tanh<8>, Dense<8, 2>];
/// let data = dataset::two_moons(200, 0.1, 1).unwrap();
/// let (train, test) = data.split_fraction(0.5);
/// let mut net = Net::ZERO;
/// net.init(stacknet::Init::XavierUniform, &mut stacknet::rng(1));
/// let mut opt = Adam::new(0.05).unwrap();
/// let config = FitConfig { epochs: 30, batch_size: 10, seed: 1, ..FitConfig::default() };
/// let history =
///     fit(&mut net, &mut opt, &SoftmaxCrossEntropy, &train, Some(&test), &config, |_| {})
///         .unwrap();
/// assert_eq!(history.len(), 30);
/// assert!(history[29].test_accuracy.unwrap() > 0.8);
/// ```
///
/// # Errors
/// [`TrainError::DataMismatch`] if `train` (after the validation split) is empty,
/// `batch_size` or `first_epoch` is 0, the epoch numbers overflow, or early stopping
/// monitors a validation metric with no validation split and no `test` set. The model is
/// then untouched.
pub fn fit<L, Lo, O, F, R, const D: usize, const C: usize>(
    model: &mut L,
    opt: &mut O,
    loss: &Lo,
    train: &Dataset<D, C>,
    test: Option<&Dataset<D, C>>,
    config: &FitConfig,
    mut observer: F,
) -> Result<Vec<EpochStats>, TrainError>
where
    L: Layer<Input = [f32; D], Output = [f32; C]> + crate::Zero,
    Lo: Loss<C>,
    O: Optimizer<L> + LearningRate,
    F: FnMut(Event<'_>) -> R,
    R: Flow,
{
    let held_out = config.validation.is_finite() && config.validation > 0.0;
    let (validation, split_train) = if held_out {
        let (v, t) = train.stratified_split(config.validation, config.seed);
        (Some(v), Some(t))
    } else {
        (None, None)
    };
    let train = split_train.as_ref().unwrap_or(train);
    let watched = validation.as_ref().or(test);
    // The epochs of this call are first_epoch ..= first_epoch − 1 + epochs (none if 0).
    let last_epoch = config
        .first_epoch
        .checked_sub(1)
        .and_then(|before| before.checked_add(config.epochs));
    let needs_validation = config
        .early_stopping
        .is_some_and(|e| e.monitor != Monitor::TrainLoss);
    let Some(last_epoch) = last_epoch else {
        return Err(TrainError::DataMismatch);
    };
    if train.is_empty()
        || config.batch_size == 0
        || config.first_epoch == 0
        || (needs_validation && watched.is_none())
    {
        return Err(TrainError::DataMismatch);
    }
    let mut ws: Box<BatchWorkspace<L>> = Box::new(BatchWorkspace::ZERO);
    let mut rng = crate::rng(config.seed);
    let mut order: Vec<usize> = (0..train.len()).collect();
    let shuffle = |order: &mut Vec<usize>, rng: &mut _| {
        for i in (1..order.len()).rev() {
            let j = below(rng, i + 1);
            order.swap(i, j);
        }
    };
    // Replay the shuffles of the epochs before this call, so the order continues.
    for _ in 1..config.first_epoch {
        shuffle(&mut order, &mut rng);
    }
    let batches = train.len().div_ceil(config.batch_size);
    let features = train.features();
    let labels = train.labels();
    let eval_every = config.eval_every.max(1);
    let mut watch = config.early_stopping.map(|rule| Watch {
        rule,
        best: f32::NAN,
        best_epoch: 0,
        waited: 0,
    });
    let mut best: Option<Box<L>> = None;
    // Epoch counts come from the caller: reserve a little, grow as needed.
    let mut history = Vec::with_capacity(config.epochs.min(1024));
    for epoch in config.first_epoch..=last_epoch {
        let start = Instant::now();
        shuffle(&mut order, &mut rng);
        let mut sum = 0.0f64;
        let mut counted = 0usize;
        let mut skipped = 0usize;
        let mut refused_updates = 0usize;
        let mut stop = None;
        let mut lr = opt.lr();
        for (done, chunk) in order.chunks(config.batch_size).enumerate() {
            if let Some(schedule) = &config.schedule {
                let step = (epoch - 1).saturating_mul(batches).saturating_add(done);
                // A schedule's rate is always valid; keep the old one if not.
                if opt
                    .set_lr(schedule.lr(u32::try_from(step).unwrap_or(u32::MAX)))
                    .is_ok()
                {
                    lr = opt.lr();
                }
            }
            let mut batch_sum = 0.0f64;
            let mut add = |result: Result<f32, TrainError>| match result {
                Ok(v) => batch_sum += f64::from(v),
                Err(_) => skipped += 1,
            };
            // Four samples at a time (the same sums, bit for bit, as one at a time).
            let (fours, rest) = chunk.as_chunks::<4>();
            for four in fours {
                let targets = four.map(|i| Dataset::<D, C>::target(labels[i]));
                let inputs = four.map(|i| &features[i]);
                for result in ws.accumulate4(model, loss, inputs, targets.each_ref()) {
                    add(result);
                }
            }
            for &i in rest {
                let target = Dataset::<D, C>::target(labels[i]);
                add(ws.accumulate(model, loss, &features[i], &target));
            }
            // Samples refused above are already counted; a failed update counts the rest.
            let pending = ws.pending() as usize;
            match ws.apply(model, opt) {
                Ok(n) => {
                    sum += batch_sum;
                    counted += n as usize;
                }
                Err(TrainError::EmptyBatch) => {}
                Err(TrainError::NonFiniteUpdate | TrainError::GradientTooLarge) => {
                    refused_updates += 1;
                    skipped += pending;
                }
                Err(_) => skipped += pending,
            }
            let event = Event::Batch {
                epoch,
                done: done + 1,
                batches,
            };
            if observer(event).stop() {
                stop = Some(Stop::Observer);
                break;
            }
        }
        let evaluated = epoch % eval_every == 0 || epoch == last_epoch || stop.is_some();
        let eval = |data: Option<&Dataset<D, C>>| {
            data.filter(|_| evaluated)
                .map(|d| evaluate(&*model, loss, d))
        };
        let on_train = eval(Some(train).filter(|_| config.train_accuracy));
        let on_validation = eval(validation.as_ref());
        let on_test = eval(test);
        let train_loss = if counted == 0 {
            f32::NAN
        } else {
            (sum / counted as f64) as f32
        };
        if let Some(w) = watch.as_mut().filter(|_| evaluated) {
            let on_watched = on_validation.as_ref().or(on_test.as_ref());
            let value = match w.rule.monitor {
                Monitor::TrainLoss => Some(train_loss),
                Monitor::ValidationAccuracy => on_watched.map(Evaluation::accuracy),
                _ => on_watched.map(|e| e.loss),
            };
            let (improved, exhausted) = w.record(epoch, value);
            if improved && w.rule.restore_best {
                let copy = best.get_or_insert_with(|| Box::new(L::ZERO));
                copy_params(model, copy);
            }
            if exhausted && stop.is_none() {
                let restored = w.rule.restore_best && best.is_some();
                if let Some(b) = best.as_ref().filter(|_| restored) {
                    copy_params(&**b, model);
                }
                stop = Some(Stop::EarlyStopping {
                    best_epoch: w.best_epoch,
                    restored,
                });
            }
        }
        let stats = EpochStats {
            epoch,
            train_loss,
            train_accuracy: on_train.as_ref().map_or(f32::NAN, Evaluation::accuracy),
            test_loss: on_test.as_ref().map(|e| e.loss),
            test_accuracy: on_test.as_ref().map(Evaluation::accuracy),
            validation_loss: on_validation.as_ref().map(|e| e.loss),
            validation_accuracy: on_validation.as_ref().map(Evaluation::accuracy),
            skipped,
            refused_updates,
            lr,
            stop,
            elapsed: start.elapsed(),
        };
        let observer_stop = observer(Event::Epoch(&stats)).stop();
        history.push(stats);
        if stop.is_some() {
            break;
        }
        if observer_stop {
            if let Some(last) = history.last_mut() {
                last.stop = Some(Stop::Observer);
            }
            break;
        }
    }
    // Training ran to its end (or the observer stopped it): restore the best weights too.
    let stopped_early = history
        .last()
        .is_some_and(|s| matches!(s.stop, Some(Stop::EarlyStopping { .. })));
    if let Some(b) = best.as_ref().filter(|_| !stopped_early) {
        copy_params(&**b, model);
    }
    Ok(history)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loss::Mse;
    use crate::optim::Sgd;
    use crate::{Dense, Sigmoid, Zero, chain};

    type Net = chain![Dense<2, 4>, Sigmoid<4>, Dense<4, 2>, Sigmoid<2>];

    fn xor() -> Dataset<2, 2> {
        let mut d = Dataset::new();
        for _ in 0..4 {
            for (x, l) in [
                ([0.0, 0.0], 0),
                ([0.0, 1.0], 1),
                ([1.0, 0.0], 1),
                ([1.0, 1.0], 0),
            ] {
                d.push(x, l).unwrap();
            }
        }
        d
    }

    #[test]
    fn learns_xor_and_reports_every_epoch() {
        let mut net = Net::ZERO;
        net.init(crate::Init::XavierUniform, &mut crate::rng(2));
        let mut opt = Sgd::new(2.0).unwrap();
        let data = xor();
        let config = FitConfig {
            epochs: 400,
            batch_size: 4,
            seed: 3,
            ..FitConfig::default()
        };
        let (mut epochs, mut batches) = (0, 0);
        let history = fit(
            &mut net,
            &mut opt,
            &Mse,
            &data,
            None,
            &config,
            |e| match e {
                Event::Epoch(_) => epochs += 1,
                Event::Batch { .. } => batches += 1,
            },
        )
        .unwrap();
        assert_eq!((epochs, batches), (400, 1600));
        let last = history.last().unwrap();
        assert_eq!(last.train_accuracy, 1.0, "seed 2: {last:?}");
        assert!(last.train_loss < history[0].train_loss);
        assert_eq!(last.test_accuracy, None);
        assert_eq!(last.skipped, 0);
        let e = evaluate(&net, &Mse, &data);
        assert_eq!((e.correct, e.total), (16, 16));
        assert_eq!(e.confusion, [[8, 0], [0, 8]]);
        assert!(e.confusion_table().contains("true\\pred"));
    }

    #[test]
    fn bad_config_is_refused_untouched() {
        let mut net = Net::ZERO;
        let mut opt = Sgd::new(1.0).unwrap();
        let cfg = FitConfig {
            epochs: 1,
            batch_size: 0,
            seed: 0,
            ..FitConfig::default()
        };
        let r = fit(&mut net, &mut opt, &Mse, &xor(), None, &cfg, |_| {});
        assert_eq!(r, Err(TrainError::DataMismatch));
        let empty = Dataset::<2, 2>::new();
        let cfg = FitConfig {
            batch_size: 1,
            ..cfg
        };
        let r = fit(&mut net, &mut opt, &Mse, &empty, None, &cfg, |_| {});
        assert_eq!(r, Err(TrainError::DataMismatch));
        assert_eq!(net, Net::ZERO);
    }
}
