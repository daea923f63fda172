//! Ordinary tabular data, the way a new user meets it: scikit-learn's iris, wine and
//! breast-cancer CSVs (committed under `data/`), each trained and scored in the dozen lines
//! of `train_and_score`, with no hand-written preprocessing. The standardization is fitted
//! on the training split and lives in the model (`Standardize<D>`, saved with the weights).
//!
//! The recipe is scikit-learn's `MLPClassifier()` defaults behind a `StandardScaler`: one
//! hidden layer of 100 ReLUs, Adam at 1e-3, batches of min(200, n), 200 epochs, Glorot
//! uniform init; a stratified 75/25 split per seed. `tools/sklearn_reference.py` trains
//! scikit-learn on exactly the same splits (see `tools/sklearn_reference.txt`).
//!
//! ```sh
//! cargo run --release --example tabular --features std -- 1 2 3 4 5   # seeds (default 1..=5)
//! ```

use stacknet::loss::SoftmaxCrossEntropy;
use stacknet::optim::Adam;
use stacknet::std::dataset::{self, CsvFormat, Dataset, load_csv};
use stacknet::std::fit::{FitConfig, fit};
use stacknet::std::predict::accuracy;
use stacknet::{Dense, Init, Layer, Relu, Standardize, Zero, chain};
use std::error::Error;

/// The whole user-side task for one CSV: load, split, fit the scaler, train, score.
fn train_and_score<const D: usize, const C: usize>(
    path: &str,
    seed: u64,
) -> Result<f32, Box<dyn Error>> {
    type Net<const D: usize, const C: usize> =
        chain![Standardize<D>, Dense<D, 100>, Relu<100>, Dense<100, C>];
    let data: Dataset<D, C> = load_csv(path, &CsvFormat::new().with_header())?;
    let (train, test) = data.stratified_split(0.75, seed);
    let mut net = Net::<D, C>::ZERO;
    net.init(Init::XavierUniform, &mut stacknet::rng(seed));
    net.0 = Standardize::fit(train.features())?;
    let mut opt = Adam::new(1e-3)?;
    let config = FitConfig::new(200, train.len().min(200), seed);
    let loss = SoftmaxCrossEntropy;
    fit(&mut net, &mut opt, &loss, &train, None, &config, |_| {})?;
    Ok(accuracy(&net, &loss, &test))
}

fn seeds() -> Result<Vec<u64>, Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        return Ok((1..=5).collect());
    }
    args.iter()
        .map(|a| a.parse().map_err(|_| format!("not a seed: {a:?}").into()))
        .collect()
}

fn mean_std(values: &[f32]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let var = values
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / (n - 1.0).max(1.0);
    (mean, var.sqrt())
}

fn main() -> Result<(), Box<dyn Error>> {
    let seeds = seeds()?;
    println!("stacknet, test accuracy (%) per seed, stratified 75/25 split");
    type Runner = fn(&str, u64) -> Result<f32, Box<dyn Error>>;
    let runs: [(&str, &str, Runner); 3] = [
        ("iris", dataset::IRIS_CSV, train_and_score::<4, 3>),
        ("wine", dataset::WINE_CSV, train_and_score::<13, 3>),
        (
            "breast_cancer",
            dataset::BREAST_CANCER_CSV,
            train_and_score::<30, 2>,
        ),
    ];
    for (name, path, run) in runs {
        let mut accs = Vec::new();
        for &seed in &seeds {
            accs.push(run(path, seed)?);
        }
        let (mean, std) = mean_std(&accs);
        let each: Vec<String> = accs.iter().map(|a| format!("{:.2}", 100.0 * a)).collect();
        println!(
            "{name:>14}: mean {:.2} ± {:.2} over {} seeds  [{}]",
            100.0 * mean,
            100.0 * std,
            accs.len(),
            each.join(", ")
        );
    }
    Ok(())
}
