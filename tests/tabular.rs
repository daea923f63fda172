//! scikit-learn's tabular CSVs end to end (the path of examples/tabular.rs), the split that
//! tools/sklearn_reference.py reproduces, and the `Standardize` layer travelling with the
//! model: through the weight file and into a generated `static`, bit for bit.
#![cfg(feature = "std")]

use stacknet::loss::SoftmaxCrossEntropy;
use stacknet::optim::Adam;
use stacknet::std::dataset::{self, CsvFormat, Dataset, load_csv, stratified_indices};
use stacknet::std::fit::{FitConfig, fit};
use stacknet::std::predict::accuracy;
use stacknet::{Dense, Init, Layer, Relu, Standardize, Zero, chain, format};

#[rustfmt::skip]
#[path = "generated/iris_model.rs"]
mod iris_model;

type Iris = chain![Standardize<4>, Dense<4, 8>, Relu<8>, Dense<8, 3>];

fn bits<L: Layer>(m: &L) -> Vec<u32> {
    (0..L::PARAM_BLOCKS)
        .flat_map(|b| m.param_block(b).iter().map(|v| v.to_bits()))
        .collect()
}

fn load<const D: usize, const C: usize>(path: &str) -> Dataset<D, C> {
    load_csv(path, &CsvFormat::new().with_header()).unwrap()
}

/// examples/tabular.rs's `train_and_score`, same recipe.
fn score<const D: usize, const C: usize>(path: &str, seed: u64) -> f32 {
    type Net<const D: usize, const C: usize> =
        chain![Standardize<D>, Dense<D, 100>, Relu<100>, Dense<100, C>];
    let (train, test) = load::<D, C>(path).stratified_split(0.75, seed);
    let mut net = Box::new(Net::<D, C>::ZERO);
    net.init(Init::XavierUniform, &mut stacknet::rng(seed));
    net.0 = Standardize::fit(train.features()).unwrap();
    let mut opt = Adam::new(1e-3).unwrap();
    let config = FitConfig {
        epochs: 200,
        batch_size: train.len().min(200),
        seed,
        ..FitConfig::default()
    };
    fit(
        &mut *net,
        &mut opt,
        &SoftmaxCrossEntropy,
        &train,
        None,
        &config,
        |_| {},
    )
    .unwrap();
    accuracy(&*net, &SoftmaxCrossEntropy, &test)
}

#[test]
fn committed_csvs_load_completely() {
    let iris = load::<4, 3>(dataset::IRIS_CSV);
    let wine = load::<13, 3>(dataset::WINE_CSV);
    let cancer = load::<30, 2>(dataset::BREAST_CANCER_CSV);
    assert_eq!(iris.class_counts(), [50, 50, 50]);
    assert_eq!(wine.class_counts(), [59, 71, 48]);
    assert_eq!(cancer.class_counts(), [212, 357]);
    // First rows as written: 5.1,3.5,1.4,0.2,0 and wine's proline 1065.
    assert_eq!(iris.get(0), Some((&[5.1, 3.5, 1.4, 0.2], 0)));
    assert_eq!(wine.features()[0][12], 1065.0);
}

#[test]
fn splits_match_the_python_reference() {
    // tools/sklearn_reference.txt: "seed 1 first test indices".
    let expected: [(&str, [usize; 8]); 3] = [
        (dataset::IRIS_CSV, [137, 53, 131, 11, 66, 60, 148, 2]),
        (dataset::WINE_CSV, [131, 145, 26, 173, 135, 18, 36, 88]),
        (
            dataset::BREAST_CANCER_CSV,
            [95, 263, 233, 283, 567, 509, 448, 421],
        ),
    ];
    for (path, first_test) in expected {
        let labels: Vec<usize> = std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.rsplit(',').next().unwrap().trim().parse().unwrap())
            .collect();
        let classes = labels.iter().max().unwrap() + 1;
        let (train, test) = stratified_indices(&labels, classes, 0.75, 1);
        assert_eq!(test[..8], first_test, "{path}");
        assert_eq!(train.len() + test.len(), labels.len());
    }
}

#[test]
fn each_csv_trains_as_well_as_scikit_learn() {
    // Seed 1; scikit-learn's MLPClassifier scores 97.22, 100.00 and 98.59 % on these splits
    // (tools/sklearn_reference.txt). Allow one more test sample wrong than that.
    let iris = score::<4, 3>(dataset::IRIS_CSV, 1);
    let wine = score::<13, 3>(dataset::WINE_CSV, 1);
    let cancer = score::<30, 2>(dataset::BREAST_CANCER_CSV, 1);
    assert!(iris >= 34.0 / 36.0, "iris {iris}");
    assert!(wine >= 44.0 / 45.0, "wine {wine}");
    assert!(cancer >= 139.0 / 143.0, "breast cancer {cancer}");
}

/// The iris model the firmware checks: the scaler fitted on seed 1's stratified training
/// split, then the whole model trained on that split (Adam, 100 epochs, batches of 16).
/// Deterministic, so the generated `static` below must reproduce it bit for bit.
fn iris_model() -> Iris {
    let (train, _) = load::<4, 3>(dataset::IRIS_CSV).stratified_split(0.75, 1);
    let mut m = Iris::ZERO;
    m.init(Init::XavierUniform, &mut stacknet::rng(1));
    m.0 = Standardize::fit(train.features()).unwrap();
    let mut opt = Adam::new(1e-2).unwrap();
    let config = FitConfig {
        epochs: 100,
        batch_size: 16,
        seed: 1,
        ..FitConfig::default()
    };
    fit(
        &mut m,
        &mut opt,
        &SoftmaxCrossEntropy,
        &train,
        None,
        &config,
        |_| {},
    )
    .unwrap();
    m
}

#[test]
fn the_scaler_travels_with_the_weights() {
    let model = iris_model();
    let mut image = vec![0u8; format::encoded_len::<Iris>()];
    format::save(&model, &mut image).unwrap();
    let loaded: Iris = format::from_bytes(&image).unwrap();
    assert_eq!(bits(&loaded), bits(&model));
    assert_eq!(loaded.0, model.0);
    // A model without the scaler cannot load this file.
    type Bare = chain![Dense<4, 8>, Relu<8>, Dense<8, 3>];
    assert!(format::from_bytes::<Bare>(&image).is_err());
}

#[test]
fn the_generated_static_matches_the_host_model_bit_for_bit() {
    let model = iris_model();
    let source = stacknet::std::codegen::Codegen::new()
        .type_name("IrisModel")
        .source(&model);
    assert!(source.contains("stacknet::layers::Standardize::from_parts("));
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/generated/iris_model.rs");
    bless_or_compare(&path, &source);
    let generated: &Iris = &iris_model::MODEL;
    assert_eq!(bits(generated), bits(&model));
    let data = load::<4, 3>(dataset::IRIS_CSV);
    for (x, _) in data.iter() {
        let (a, b) = (model.infer(x), generated.infer(x));
        assert_eq!(a.map(f32::to_bits), b.map(f32::to_bits), "{x:?}");
    }
}

/// The firmware's half of the check (firmware/infer, `infer-iris`, run on every board by
/// scripts/firmware.sh): the held-out rows and the host's output bits for each, which the
/// device must reproduce from the generated `static` (the scaler included).
#[test]
fn the_firmware_gets_the_host_outputs_to_compare_with() {
    let model = iris_model();
    let (_, test) = load::<4, 3>(dataset::IRIS_CSV).stratified_split(0.75, 1);
    let mut src = String::from(
        "// @generated by tests/tabular.rs (the_firmware_gets_the_host_outputs_to_compare_with).\n\
         // Held-out iris rows (seed 1 stratified split) and the host's outputs for each.\n\n",
    );
    src += &format!(
        "/// Held-out rows, raw (unscaled) features.\npub static ROWS: [[f32; 4]; {}] = [\n",
        test.len()
    );
    for (x, _) in test.iter() {
        src += &format!("    [{:?}, {:?}, {:?}, {:?}],\n", x[0], x[1], x[2], x[3]);
    }
    src += "];\n\n/// Their labels.\npub static LABELS: [u8; ";
    src += &format!("{}] = {:?};\n\n", test.len(), test.labels());
    src += &format!(
        "/// The host's output bits for each row.\npub static OUTPUT_BITS: [[u32; 3]; {}] = [\n",
        test.len()
    );
    let mut correct = 0;
    for (x, label) in test.iter() {
        let y = model.infer(x);
        correct += usize::from(stacknet::loss::argmax(&y) == label);
        src += &format!(
            "    [{:#010x}, {:#010x}, {:#010x}],\n",
            y[0].to_bits(),
            y[1].to_bits(),
            y[2].to_bits()
        );
    }
    src += &format!(
        "];\n\n/// Rows the host classifies correctly.\npub const HOST_CORRECT: u32 = {correct};\n"
    );
    // The trained model must be worth checking: at least 34 of the 38 held-out rows.
    assert!(
        correct * 38 >= 34 * test.len(),
        "{correct} of {}",
        test.len()
    );
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("firmware/infer/src/iris_data.rs");
    bless_or_compare(&path, &src);
}

fn bless_or_compare(path: &std::path::Path, source: &str) {
    if std::env::var_os("STACKNET_BLESS").is_some() {
        std::fs::write(path, source).unwrap();
    } else {
        assert_eq!(
            source,
            std::fs::read_to_string(path).unwrap_or_default(),
            "{} is stale: run with STACKNET_BLESS=1",
            path.display()
        );
    }
}
