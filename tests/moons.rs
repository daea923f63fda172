//! Two moons end to end (2000 points, noise 0.2, 70/30 split, seed 1): both the reference
//! configuration and the better one reach ≥ 94 % test accuracy.
#![cfg(feature = "std")]

use stacknet::loss::{Mse, SoftmaxCrossEntropy};
use stacknet::optim::{Adam, Sgd};
use stacknet::std::dataset::{self, Dataset};
use stacknet::std::fit::{FitConfig, evaluate, fit};
use stacknet::{Dense, Init, Layer, Sigmoid, Tanh, Zero, chain};

type Reference = chain![
    Dense<2, 25>,
    Sigmoid<25>,
    Dense<25, 50>,
    Sigmoid<50>,
    Dense<50, 25>,
    Sigmoid<25>,
    Dense<25, 2>,
    Sigmoid<2>
];
type Better = chain![
    Dense<2, 25>,
    Tanh<25>,
    Dense<25, 50>,
    Tanh<50>,
    Dense<50, 25>,
    Tanh<25>,
    Dense<25, 2>
];

const SEED: u64 = 1;

fn split() -> (Dataset<2, 2>, Dataset<2, 2>) {
    let data = dataset::two_moons(2000, 0.2, SEED).unwrap();
    data.split_fraction(0.7)
}

#[test]
fn better_configuration_reaches_94_percent() {
    let (train, test) = split();
    assert_eq!((train.len(), test.len()), (1400, 600));
    let mut model = Better::ZERO;
    model.init(Init::XavierUniform, &mut stacknet::rng(SEED));
    let mut opt = Adam::new(0.003).unwrap();
    let config = FitConfig {
        epochs: 30,
        batch_size: 64,
        seed: SEED,
        ..FitConfig::default()
    };
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
    let acc = evaluate(&model, &SoftmaxCrossEntropy, &test).accuracy();
    assert_eq!(history.last().unwrap().test_accuracy, Some(acc));
    assert!(acc >= 0.94, "seed {SEED}: test accuracy {acc}");
    assert!(history.iter().all(|s| s.skipped == 0));
}

#[test]
fn reference_configuration_reaches_94_percent() {
    // Per-sample SGD at lr 0.01 sits on a plateau near 87 % for ~200 epochs first.
    let (train, test) = split();
    let mut model = Reference::ZERO;
    model.init(Init::XavierUniform, &mut stacknet::rng(SEED));
    let mut opt = Sgd::new(0.01).unwrap();
    let config = FitConfig {
        epochs: 350,
        batch_size: 1,
        seed: SEED,
        ..FitConfig::default()
    };
    let history = fit(
        &mut model,
        &mut opt,
        &Mse,
        &train,
        Some(&test),
        &config,
        |_| {},
    )
    .unwrap();
    let at = |epoch: usize| history[epoch - 1].test_accuracy.unwrap();
    assert!(at(100) < 0.9, "seed {SEED}: no plateau? {}", at(100));
    let acc = evaluate(&model, &Mse, &test).accuracy();
    assert!(acc >= 0.94, "seed {SEED}: test accuracy {acc}");
}
