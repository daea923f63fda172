//! MNIST subset end to end: 784-128-10 ReLU + softmax cross-entropy, Adam lr 1e-3,
//! batch 32, 5 epochs on the seeded 4000/1000 split reaches ≥ 88 % (PyTorch, same split:
//! 90.2–90.8 %, tools/mnist_reference.txt).
#![cfg(feature = "std")]

use stacknet::loss::SoftmaxCrossEntropy;
use stacknet::optim::Adam;
use stacknet::std::dataset::{self, MNIST_CSV, shuffle_in_place};
use stacknet::std::fit::{FitConfig, evaluate, fit};
use stacknet::{Dense, Init, Layer, Relu, Zero, chain};

type Model = chain![Dense<784, 128>, Relu<128>, Dense<128, 10>];

const SPLIT_SEED: u64 = 1;

#[test]
fn split_matches_the_pytorch_reference() {
    // tools/mnist_reference.py re-implements stacknet::rng + the Fisher–Yates shuffle and
    // prints these indices (tools/mnist_reference.txt); both sides must agree.
    let mut order: Vec<usize> = (0..5000).collect();
    shuffle_in_place(&mut order, SPLIT_SEED);
    assert_eq!(
        &order[..8],
        &[423, 1442, 4390, 4017, 2070, 2534, 4582, 2666]
    );
    let reference = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tools/mnist_reference.txt"
    ))
    .unwrap();
    assert!(
        reference
            .contains("first permutation indices [423, 1442, 4390, 4017, 2070, 2534, 4582, 2666]"),
        "{reference}"
    );
    // Dataset::shuffle applies the same permutation.
    let mut data = dataset::mnist(MNIST_CSV).unwrap();
    let original = data.clone();
    data.shuffle(SPLIT_SEED);
    for (k, &i) in order.iter().enumerate().take(50) {
        assert_eq!(data.get(k), original.get(i));
    }
}

fn train_and_test() -> f32 {
    let mut data = dataset::mnist(MNIST_CSV).unwrap();
    data.shuffle(SPLIT_SEED);
    let (train, test) = data.split(4000);
    assert_eq!((train.len(), test.len()), (4000, 1000));
    // 400 KB of weights, 800 KB of Adam state: on the heap, not the test thread's stack.
    let mut model: Box<Model> = Box::new(Model::ZERO);
    model.init(Init::HeUniform, &mut stacknet::rng(1));
    let mut opt: Box<Adam<Model>> = Box::new(Adam::new(1e-3).unwrap());
    let config = FitConfig {
        epochs: 5,
        batch_size: 32,
        seed: 1,
        ..FitConfig::default()
    };
    let history = fit(
        &mut *model,
        &mut *opt,
        &SoftmaxCrossEntropy,
        &train,
        None,
        &config,
        |_| {},
    )
    .unwrap();
    assert!(history[4].train_loss < history[0].train_loss);
    evaluate(&*model, &SoftmaxCrossEntropy, &test).accuracy()
}

#[test]
fn mlp_reaches_88_percent() {
    // A roomy stack in case an unoptimised build copies the boxed values through it.
    let acc = std::thread::Builder::new()
        .stack_size(16 << 20)
        .spawn(train_and_test)
        .unwrap()
        .join()
        .unwrap();
    assert!(acc >= 0.88, "seed 1: test accuracy {acc}");
}
