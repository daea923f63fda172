//! `stacknet::std::fit` beyond plain epochs: validation split, early stopping, observer
//! stop, evaluation frequency, continuing epochs, schedules, one-output binary nets, and
//! the skipped-sample accounting of issue 13.
#![cfg(feature = "std")]

use stacknet::loss::{BinaryCrossEntropyWithLogits, Mse, SoftmaxCrossEntropy};
use stacknet::optim::{Adam, Sgd};
use stacknet::schedule::{Decay, Schedule};
use stacknet::std::dataset::{self, Dataset};
use stacknet::std::fit::{EarlyStopping, Event, FitConfig, Monitor, Stop, evaluate, fit};
use stacknet::{Dense, Identity, Init, Layer, Tanh, TrainError, Zero, chain};
use std::ops::ControlFlow;

type Moons = chain![Dense<2, 16>, Tanh<16>, Dense<16, 2>];
type Binary = chain![Dense<2, 16>, Tanh<16>, Dense<16, 1>];
type Line = chain![Dense<1, 1>, Identity<1>];

fn moons() -> (Dataset<2, 2>, Dataset<2, 2>) {
    dataset::two_moons(400, 0.15, 5)
        .unwrap()
        .shuffled_split(0.75, 1)
}

fn net<L: Layer + Zero>(seed: u64) -> L {
    let mut n = L::ZERO;
    n.init(Init::XavierUniform, &mut stacknet::rng(seed));
    n
}

fn bits<L: Layer>(m: &L) -> Vec<u32> {
    (0..L::PARAM_BLOCKS)
        .flat_map(|b| m.param_block(b).iter().map(|v| v.to_bits()))
        .collect()
}

#[test]
fn one_output_binary_classifier_end_to_end() {
    let (features, labels) = dataset::two_moons(400, 0.1, 2).unwrap().into_parts();
    let data = Dataset::<2, 1>::from_parts(features, labels).unwrap();
    let (train, test) = data.stratified_split(0.75, 3);
    let mut model: Binary = net(1);
    let mut opt = Adam::new(0.02).unwrap();
    let config = FitConfig {
        epochs: 60,
        batch_size: 16,
        ..FitConfig::default()
    };
    let loss = BinaryCrossEntropyWithLogits;
    let history = fit(
        &mut model,
        &mut opt,
        &loss,
        &train,
        Some(&test),
        &config,
        |_| {},
    )
    .unwrap();
    let eval = evaluate(&model, &loss, &test);
    assert!(eval.accuracy() > 0.95, "{}", eval.confusion_table());
    assert_eq!(eval.confusion.len(), 2);
    assert_eq!(eval.confusion.iter().flatten().sum::<usize>(), test.len());
    assert_eq!(history.last().unwrap().test_accuracy, Some(eval.accuracy()));
}

#[test]
fn early_stopping_restores_the_best_weights() {
    let (train, test) = moons();
    let mut model: Moons = net(3);
    // A rate so high that the validation loss soon stops improving.
    let mut opt = Adam::new(0.05).unwrap();
    let config = FitConfig {
        epochs: 500,
        batch_size: 8,
        validation: 0.25,
        early_stopping: Some(EarlyStopping {
            patience: 5,
            ..EarlyStopping::default()
        }),
        ..FitConfig::default()
    };
    let mut best_copy = None;
    let mut best_loss = f32::INFINITY;
    let history = fit(
        &mut model,
        &mut opt,
        &SoftmaxCrossEntropy,
        &train,
        Some(&test),
        &config,
        |_| {},
    )
    .unwrap();
    let last = history.last().unwrap();
    let Some(Stop::EarlyStopping {
        best_epoch,
        restored: true,
    }) = last.stop
    else {
        panic!("no early stop in 500 epochs: {last:?}");
    };
    assert!(history.len() < 500);
    assert_eq!(history.len(), best_epoch + 5, "patience 5 after the best");
    for s in &history {
        let v = s.validation_loss.unwrap();
        if v < best_loss {
            best_loss = v;
            best_copy = Some(s.epoch);
        }
    }
    assert_eq!(best_copy, Some(best_epoch));
    // The restored model scores exactly the best validation loss again.
    let (validation, _) = train.stratified_split(0.25, config.seed);
    let again = evaluate(&model, &SoftmaxCrossEntropy, &validation);
    assert_eq!(again.loss, best_loss);
    // Validation is stratified from train: 25 % of 300.
    assert_eq!(validation.len(), 75);
}

#[test]
fn observer_can_stop_and_huge_epoch_counts_do_not_panic() {
    let (train, _) = moons();
    let mut model: Moons = net(4);
    let mut opt = Adam::new(0.01).unwrap();
    let config = FitConfig {
        epochs: usize::MAX,
        ..FitConfig::default()
    };
    let history = fit(
        &mut model,
        &mut opt,
        &SoftmaxCrossEntropy,
        &train,
        None,
        &config,
        |e| match e {
            Event::Epoch(s) if s.epoch == 3 => ControlFlow::Break(()),
            _ => ControlFlow::Continue(()),
        },
    )
    .unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(history[2].stop, Some(Stop::Observer));
    // Stopping from a batch event ends mid-epoch, still reporting that epoch.
    let history = fit(
        &mut model,
        &mut opt,
        &SoftmaxCrossEntropy,
        &train,
        None,
        &config,
        |e| match e {
            Event::Batch { done: 2, .. } => ControlFlow::Break(()),
            _ => ControlFlow::Continue(()),
        },
    )
    .unwrap();
    assert_eq!(history.len(), 1);
    assert!(history[0].train_accuracy.is_finite());
}

#[test]
fn epochs_continue_the_shuffle_and_schedule() {
    let (train, _) = moons();
    let schedule = Schedule::new(0.02).warmup(5).decay(Decay::Cosine {
        steps: 100,
        floor: 0.001,
    });
    let config = FitConfig {
        epochs: 6,
        batch_size: 32,
        seed: 9,
        schedule: Some(schedule),
        ..FitConfig::default()
    };
    let run = |splits: &[(usize, usize)]| {
        let mut model: Moons = net(5);
        let mut opt = Adam::new(0.01).unwrap();
        let mut lrs = Vec::new();
        for &(first_epoch, epochs) in splits {
            let c = FitConfig {
                first_epoch,
                epochs,
                ..config
            };
            let h = fit(&mut model, &mut opt, &Mse, &train, None, &c, |_| {}).unwrap();
            lrs.extend(h.iter().map(|s| s.lr));
        }
        (bits(&model), lrs)
    };
    let (whole, lr_whole) = run(&[(1, 6)]);
    let (parts, lr_parts) = run(&[(1, 2), (3, 1), (4, 3)]);
    assert_eq!(whole, parts);
    assert_eq!(lr_whole, lr_parts);
    // 300 samples / 32 = 10 updates per epoch: epoch 1 ends at step 9, after warm-up.
    assert_eq!(lr_whole[0], schedule.lr(9));
    assert!(lr_whole[5] < lr_whole[0]);
    // Restarting at epoch 1 every call (the old behaviour) repeats the order: not equal.
    let (repeated, _) = run(&[(1, 2), (1, 1), (1, 3)]);
    assert_ne!(whole, repeated);
}

#[test]
fn evaluation_frequency() {
    let (train, test) = moons();
    let mut model: Moons = net(6);
    let mut opt = Adam::new(0.01).unwrap();
    let config = FitConfig {
        epochs: 7,
        eval_every: 3,
        train_accuracy: false,
        ..FitConfig::default()
    };
    let h = fit(
        &mut model,
        &mut opt,
        &SoftmaxCrossEntropy,
        &train,
        Some(&test),
        &config,
        |_| {},
    )
    .unwrap();
    let evaluated: Vec<usize> = h
        .iter()
        .filter(|s| s.test_accuracy.is_some())
        .map(|s| s.epoch)
        .collect();
    assert_eq!(evaluated, [3, 6, 7]);
    assert!(h.iter().all(|s| s.train_accuracy.is_nan()));
    assert!(h.iter().all(|s| s.train_loss.is_finite()));
}

#[test]
fn monitoring_validation_without_any_is_refused() {
    let (train, _) = moons();
    let mut model: Moons = net(7);
    let mut opt = Adam::new(0.01).unwrap();
    let config = FitConfig {
        early_stopping: Some(EarlyStopping {
            monitor: Monitor::ValidationAccuracy,
            ..EarlyStopping::default()
        }),
        ..FitConfig::default()
    };
    let before = bits(&model);
    let r = fit(
        &mut model,
        &mut opt,
        &SoftmaxCrossEntropy,
        &train,
        None,
        &config,
        |_| {},
    );
    assert_eq!(r, Err(TrainError::DataMismatch));
    assert_eq!(bits(&model), before);
}

// ---- issue 13, item 6: refused updates are counted, each sample once ----

#[test]
fn refused_updates_are_reported_not_swallowed() {
    let data = Dataset::<1, 1>::from_parts(vec![[1e10], [2e10], [3e10], [4e10]], vec![0, 1, 0, 1])
        .unwrap();
    let mut model = Line::ZERO;
    model.0.weights = [[1.0]];
    let before = bits(&model);
    // Gradients of ~1e20 times a rate of 1e30: every new weight would be infinite.
    let mut opt = Sgd::new(1e30).unwrap();
    let config = FitConfig {
        epochs: 1,
        batch_size: 2,
        ..FitConfig::default()
    };
    let h = fit(&mut model, &mut opt, &Mse, &data, None, &config, |_| {}).unwrap();
    assert_eq!((h[0].refused_updates, h[0].skipped), (2, 4));
    assert!(h[0].train_loss.is_nan(), "no update was applied");
    assert_eq!(bits(&model), before);
}

#[test]
fn a_sample_is_skipped_once_even_when_its_batch_overflows() {
    // One NaN sample (refused by `accumulate`), then two finite samples whose summed
    // gradient overflows (2e38 each): the batch is discarded; 3 samples skipped, not 4.
    let mut data = Dataset::<1, 1>::from_parts(vec![[0.0], [1e19], [1e19]], vec![0, 0, 0]).unwrap();
    data.features_mut()[0][0] = f32::NAN;
    let mut model = Line::ZERO;
    model.0.weights = [[1.0]];
    let mut opt = Sgd::new(1e-3).unwrap();
    let config = FitConfig {
        epochs: 1,
        batch_size: 3,
        ..FitConfig::default()
    };
    let h = fit(&mut model, &mut opt, &Mse, &data, None, &config, |_| {}).unwrap();
    assert_eq!((h[0].skipped, h[0].refused_updates), (3, 0));
}
