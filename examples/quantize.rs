//! int8 post-training quantization against the float models, and the imported TFLite
//! fixtures: accuracy and parameter flash of each.
//!
//! ```sh
//! cargo run --release --features std --example quantize -- [EPOCHS] [--docs]
//! ```
//!
//! - digits MLP (64-100-10 ReLU): the float net `firmware/infer` runs (trained by
//!   `tests/firmware_digits.rs`), quantized with 300 training images for calibration,
//!   evaluated on the 449-image test split;
//! - MNIST CNN (LeNet-style: conv 5×5 ×8 → ReLU → 2×2 max pool → conv 5×5 ×16 → ReLU → 2×2
//!   max pool → dense), trained here for EPOCHS (default 6) epochs with Adam on 4000
//!   images, quantized with 300 of them, evaluated on the other 1000;
//! - the `.tflite` fixtures: LiteRT's float and int8 accuracy from
//!   `tests/fixtures/int8/summary.json` (stacknet's import is bit-exact with LiteRT's
//!   int8 outputs, so its accuracy is the int8 figure), and their parameter flash.
//!
//! `--docs` writes the table into the "accuracy" section of `docs/INT8.md`.

use stacknet::layers::{Conv2d, Flatten, MaxPool2d, Relu3, Unflatten};
use stacknet::loss::{SoftmaxCrossEntropy, argmax};
use stacknet::optim::Adam;
use stacknet::quant::PerTensor;
use stacknet::quant::{
    Dequantize, QConv2d, QDense, QFlatten, QLayer, QMaxPool2d, QUnflatten, Quantize,
};
use stacknet::std::dataset::{self, DIGITS_CSV, Dataset, MNIST_CSV};
use stacknet::std::fit::{FitConfig, fit};
use stacknet::std::quantize::{QuantizeOptions, quantize, quantize_with};
use stacknet::std::tflite::import;
use stacknet::{Dense, Init, Layer, Zero, chain};
use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

#[allow(dead_code)]
#[rustfmt::skip]
#[path = "../firmware/infer/src/digits_model.rs"]
mod digits_model;

type QDigits = chain![Quantize<64>, QDense<64, 100>, QDense<100, 10>, Dequantize<10>];
type QDigitsPerTensor = chain![
    Quantize<64>,
    QDense<64, 100, PerTensor>,
    QDense<100, 10, PerTensor>,
    Dequantize<10>,
];

type Lenet = chain![
    Unflatten<1, 28, 28, 784>,
    Conv2d<1, 8, 5, 28, 28, 24, 24>,
    Relu3<8, 24, 24>,
    MaxPool2d<8, 24, 24, 12, 12>,
    Conv2d<8, 16, 5, 12, 12, 8, 8>,
    Relu3<16, 8, 8>,
    MaxPool2d<16, 8, 8, 4, 4>,
    Flatten<16, 4, 4, 256>,
    Dense<256, 10>,
];
type QLenet = chain![
    Quantize<784>,
    QUnflatten<1, 28, 28, 784>,
    QConv2d<1, 8, 5, 28, 28, 24, 24>,
    QMaxPool2d<8, 24, 24, 12, 12>,
    QConv2d<8, 16, 5, 12, 12, 8, 8>,
    QMaxPool2d<16, 8, 8, 4, 4>,
    QFlatten<16, 4, 4, 256>,
    QDense<256, 10>,
    Dequantize<10>,
];

/// Test accuracy in percent.
fn accuracy<const D: usize>(
    data: &Dataset<D, 10>,
    predict: impl Fn(&[f32; D]) -> [f32; 10],
) -> f64 {
    let right = data
        .iter()
        .filter(|(x, y)| argmax(&predict(x)) == *y)
        .count();
    100.0 * right as f64 / data.len() as f64
}

/// One row of the table.
struct Row {
    model: String,
    float: f64,
    int8: f64,
    float_bytes: usize,
    int8_bytes: usize,
}

fn digits() -> Result<Vec<Row>, Box<dyn Error>> {
    let mut data = dataset::digits(DIGITS_CSV)?;
    data.shuffle(1);
    let (train, test) = data.split_fraction(0.75);
    let calibration: Vec<[f32; 64]> = train.iter().take(300).map(|(x, _)| *x).collect();
    let float = &digits_model::DIGITS;
    let float_accuracy = accuracy(&test, |x| float.infer(x));
    let float_bytes = 4 * <chain![Dense<64, 100>, Dense<100, 10>] as Layer>::PARAMS;
    let spec = quantize(float, &calibration)?;
    let q: Box<QDigits> = Box::new(spec.build()?);
    let options = QuantizeOptions {
        per_tensor_dense: true,
    };
    let lean = quantize_with(float, &calibration, options)?;
    let ql: Box<QDigitsPerTensor> = Box::new(lean.build()?);
    Ok(vec![
        Row {
            model: "digits MLP 64-100-10, stacknet PTQ, per-channel (449 test images)".into(),
            float: float_accuracy,
            int8: accuracy(&test, |x| q.infer(x)),
            float_bytes,
            int8_bytes: spec.param_bytes(),
        },
        Row {
            model: "digits MLP 64-100-10, stacknet PTQ, per-tensor dense (449 test images)".into(),
            float: float_accuracy,
            int8: accuracy(&test, |x| ql.infer(x)),
            float_bytes,
            int8_bytes: lean.param_bytes(),
        },
    ])
}

fn mnist(epochs: usize) -> Result<Row, Box<dyn Error>> {
    let mut data = dataset::mnist(MNIST_CSV)?;
    data.shuffle(1);
    let (train, test) = data.split(4000);
    let mut net = Box::new(Lenet::ZERO);
    net.init(Init::HeUniform, &mut stacknet::rng(1));
    let mut opt = Box::new(Adam::new(1e-3)?);
    let config = FitConfig {
        epochs,
        batch_size: 32,
        seed: 1,
    };
    let t = Instant::now();
    fit(
        &mut *net,
        &mut *opt,
        &SoftmaxCrossEntropy,
        &train,
        None,
        &config,
        |_| {},
    )?;
    eprintln!(
        "MNIST CNN: {epochs} epochs in {:.0} s",
        t.elapsed().as_secs_f64()
    );
    let calibration: Vec<[f32; 784]> = train.iter().take(300).map(|(x, _)| *x).collect();
    let spec = quantize(&*net, &calibration)?;
    let q: Box<QLenet> = Box::new(spec.build()?);
    Ok(Row {
        model: std::format!(
            "MNIST LeNet-style CNN, stacknet PTQ ({epochs} epochs, 1000 test images)"
        ),
        float: accuracy(&test, |x| net.infer(x)),
        int8: accuracy(&test, |x| q.infer(x)),
        float_bytes: 4 * Lenet::PARAMS,
        int8_bytes: spec.param_bytes(),
    })
}

/// The number after `"key": ` in the text of `summary.json`, inside the model's object.
fn json_number(text: &str, model: &str, key: &str) -> Option<f64> {
    let from = text.find(&std::format!("\"{model}\""))?;
    let rest = &text[from..];
    let at = rest.find(&std::format!("\"{key}\":"))? + key.len() + 3;
    let end = rest[at..].find([',', '\n', '}'])? + at;
    rest[at..end].trim().parse().ok()
}

fn tflite_rows() -> Result<Vec<Row>, Box<dyn Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/int8");
    let summary = std::fs::read_to_string(dir.join("summary.json"))?;
    let mut rows = Vec::new();
    for (name, label, float_params) in [
        (
            "digits_mlp",
            "digits MLP 64-100-10, TensorFlow PTQ → .tflite import",
            7510usize,
        ),
        (
            "mnist_cnn",
            "MNIST LeNet-style CNN, TensorFlow PTQ → .tflite import",
            5994,
        ),
    ] {
        let spec = import(&std::fs::read(dir.join(std::format!("{name}.tflite")))?)?;
        let get = |k| json_number(&summary, name, k).ok_or("summary.json lacks a figure");
        let n = get("test_samples")?;
        rows.push(Row {
            model: std::format!("{label} (LiteRT, {n} test images)"),
            float: 100.0 * get("float_test_accuracy")?,
            int8: 100.0 * get("int8_test_accuracy")?,
            float_bytes: 4 * float_params,
            int8_bytes: spec.param_bytes(),
        });
    }
    Ok(rows)
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let docs = args.iter().any(|a| a == "--docs");
    let epochs = args.iter().find_map(|a| a.parse().ok()).unwrap_or(6);
    let mut rows = digits()?;
    rows.push(mnist(epochs)?);
    rows.extend(tflite_rows()?);

    let mut table = String::new();
    table.push_str("| model | float accuracy % | int8 accuracy % | drop, points (goal ≤ 0.5) | parameter flash float → int8 B | ratio (goal ≤ 0.27) |\n|---|---|---|---|---|---|\n");
    for r in &rows {
        let drop = r.float - r.int8;
        let ratio = r.int8_bytes as f64 / r.float_bytes as f64;
        let _ = writeln!(
            table,
            "| {} | {:.2} | {:.2} | {:.2} ({}) | {} → {} | {:.3} ({}) |",
            r.model,
            r.float,
            r.int8,
            drop,
            if drop <= 0.5 { "met" } else { "**missed**" },
            r.float_bytes,
            r.int8_bytes,
            ratio,
            if ratio <= 0.27 { "met" } else { "**missed**" },
        );
    }
    println!("{table}");
    if docs {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/INT8.md");
        let text = std::fs::read_to_string(&path)?;
        let (Some(a), Some(b)) = (
            text.find("<!-- accuracy"),
            text.find("<!-- end accuracy -->"),
        ) else {
            return Err("docs/INT8.md has no accuracy section".into());
        };
        let section = std::format!(
            "<!-- accuracy: generated by `cargo run --release --features std --example quantize -- {epochs} --docs` -->\n\
             Accuracy and parameter flash (int8: weights, one int32 bias, int32 multiplier and\n\
             one-byte shift per output channel). The TensorFlow rows are LiteRT's figures on its\n\
             own seeded split (`tools/tflite_fixtures.py`); stacknet's import reproduces LiteRT's\n\
             int8 outputs bit for bit.\n\n{table}"
        );
        std::fs::write(
            &path,
            std::format!("{}{}{}", &text[..a], section, &text[b..]),
        )?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
