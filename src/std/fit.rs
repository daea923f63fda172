//! A host-side training loop: epochs of seeded-shuffled mini-batches over a [`Dataset`],
//! with per-epoch loss and accuracy, and an evaluation helper with a confusion matrix.
//!
//! It is built only from the no_std pieces ([`Workspace::accumulate`] and
//! [`Workspace::apply`]), so a model trained here behaves exactly as one trained on a
//! microcontroller with the same samples in the same order.

extern crate std;

use crate::error::TrainError;
use crate::layer::Layer;
use crate::loss::{Loss, argmax};
use crate::optim::Optimizer;
use crate::std::dataset::{Dataset, below};
use crate::train::Workspace;
use std::boxed::Box;
use std::time::{Duration, Instant};
use std::vec::Vec;

/// Settings for [`fit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FitConfig {
    /// Passes over the training set.
    pub epochs: usize,
    /// Samples averaged per update; 1 is per-sample SGD.
    pub batch_size: usize,
    /// Seeds the per-epoch shuffle of the training order.
    pub seed: u64,
}

/// What happened in one epoch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochStats {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Mean loss of the training samples as they were trained on (weights moving).
    pub train_loss: f32,
    /// Accuracy on the whole training set after the epoch, in `[0, 1]`.
    pub train_accuracy: f32,
    /// Mean loss on the evaluation set after the epoch, if one was given.
    pub test_loss: Option<f32>,
    /// Accuracy on the evaluation set after the epoch, if one was given.
    pub test_accuracy: Option<f32>,
    /// Samples skipped this epoch because their input, target, loss or batch gradient was
    /// not finite (see [`Workspace`]). Zero in a healthy run.
    pub skipped: usize,
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

/// A model's loss, accuracy and confusion matrix on a dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation<const C: usize> {
    /// Mean loss per sample.
    pub loss: f32,
    /// Correct predictions (argmax of the output equals the label).
    pub correct: usize,
    /// Samples evaluated.
    pub total: usize,
    /// `confusion[true_label][predicted]` counts.
    pub confusion: [[usize; C]; C],
}

impl<const C: usize> Evaluation<C> {
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
        for p in 0..C {
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

fn one_hot<const C: usize>(label: usize) -> [f32; C] {
    let mut t = [0.0; C];
    if let Some(v) = t.get_mut(label) {
        *v = 1.0;
    }
    t
}

/// Runs `model` over every sample of `data`: mean loss (against one-hot targets), accuracy
/// and confusion matrix.
pub fn evaluate<L, Lo, const D: usize, const C: usize>(
    model: &L,
    loss: &Lo,
    data: &Dataset<D, C>,
) -> Evaluation<C>
where
    L: Layer<Input = [f32; D], Output = [f32; C]>,
    Lo: Loss<C>,
{
    let mut confusion = [[0; C]; C];
    let mut sum = 0.0f64;
    let mut correct = 0;
    for (x, label) in data.iter() {
        let y = model.infer(x);
        sum += f64::from(loss.loss(&y, &one_hot(label)));
        let predicted = argmax(&y);
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

/// Trains `model` on `train` for `config.epochs` epochs of mini-batches of
/// `config.batch_size` (the last batch of an epoch may be smaller), in an order reshuffled
/// every epoch from `config.seed`, with one-hot targets. After each epoch it evaluates on
/// the training set and on `test` (if given) and calls `observer` with
/// [`Event::Epoch`]; after each batch with [`Event::Batch`].
///
/// The training [`Workspace`] is boxed, so large models do not sit on the stack; box the
/// model and a large optimizer too (`Box::new(Model::ZERO)`).
///
/// Samples that are refused (non-finite data or gradients) are skipped and counted in
/// [`EpochStats::skipped`]; they never reach the weights.
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
/// let config = FitConfig { epochs: 30, batch_size: 10, seed: 1 };
/// let history =
///     fit(&mut net, &mut opt, &SoftmaxCrossEntropy, &train, Some(&test), &config, |_| {})
///         .unwrap();
/// assert_eq!(history.len(), 30);
/// assert!(history[29].test_accuracy.unwrap() > 0.8);
/// ```
///
/// # Errors
/// [`TrainError::DataMismatch`] if `train` is empty or `batch_size` is 0; the model is then
/// untouched.
pub fn fit<L, Lo, O, F, const D: usize, const C: usize>(
    model: &mut L,
    opt: &mut O,
    loss: &Lo,
    train: &Dataset<D, C>,
    test: Option<&Dataset<D, C>>,
    config: &FitConfig,
    mut observer: F,
) -> Result<Vec<EpochStats>, TrainError>
where
    L: Layer<Input = [f32; D], Output = [f32; C]>,
    Lo: Loss<C>,
    O: Optimizer<L>,
    F: FnMut(Event<'_>),
{
    if train.is_empty() || config.batch_size == 0 {
        return Err(TrainError::DataMismatch);
    }
    let mut ws: Box<Workspace<L>> = Box::new(Workspace::ZERO);
    let mut rng = crate::rng(config.seed);
    let mut order: Vec<usize> = (0..train.len()).collect();
    let batches = train.len().div_ceil(config.batch_size);
    let features = train.features();
    let labels = train.labels();
    let mut history = Vec::with_capacity(config.epochs);
    for epoch in 1..=config.epochs {
        let start = Instant::now();
        for i in (1..order.len()).rev() {
            let j = below(&mut rng, i + 1);
            order.swap(i, j);
        }
        let mut sum = 0.0f64;
        let mut counted = 0usize;
        let mut skipped = 0usize;
        for (done, chunk) in order.chunks(config.batch_size).enumerate() {
            let mut batch_sum = 0.0f64;
            for &i in chunk {
                match ws.accumulate(model, loss, &features[i], &one_hot::<C>(labels[i])) {
                    Ok(v) => batch_sum += f64::from(v),
                    Err(_) => skipped += 1,
                }
            }
            match ws.apply(model, opt) {
                Ok(n) => {
                    sum += batch_sum;
                    counted += n as usize;
                }
                Err(TrainError::NonFiniteGradient) => skipped += chunk.len(),
                Err(_) => {}
            }
            observer(Event::Batch {
                epoch,
                done: done + 1,
                batches,
            });
        }
        let on_train = evaluate(model, loss, train);
        let on_test = test.map(|t| evaluate(model, loss, t));
        let stats = EpochStats {
            epoch,
            train_loss: if counted == 0 {
                f32::NAN
            } else {
                (sum / counted as f64) as f32
            },
            train_accuracy: on_train.accuracy(),
            test_loss: on_test.as_ref().map(|e| e.loss),
            test_accuracy: on_test.as_ref().map(Evaluation::accuracy),
            skipped,
            elapsed: start.elapsed(),
        };
        observer(Event::Epoch(&stats));
        history.push(stats);
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
