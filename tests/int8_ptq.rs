//! Post-training quantization of float stacknet models: accuracy against the float model
//! on the digits test split, the `SNQ8` weight file (round trip, corruption refused), and
//! the calibration errors.
#![cfg(feature = "std")]

use stacknet::layers::{Conv2d, Flatten, MaxPool2d, Relu3, Unflatten};
use stacknet::loss::{SoftmaxCrossEntropy, argmax};
use stacknet::optim::Adam;
use stacknet::quant::PerTensor;
use stacknet::quant::{
    Dequantize, QConv2d, QDense, QFlatten, QLayer, QMaxPool2d, QUnflatten, Quantize,
};
use stacknet::std::dataset::{self, DIGITS_CSV, Dataset};
use stacknet::std::fit::{FitConfig, fit};
use stacknet::std::quantize::{QuantizeError, QuantizeOptions, quantize, quantize_with};
use stacknet::std::quantize_format::QFormatError;
use stacknet::std::quantized_model::QModelSpec;
use stacknet::{Dense, Init, Layer, Zero, chain};

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

type DigitsCnn = chain![
    Unflatten<1, 8, 8, 64>,
    Conv2d<1, 8, 3, 8, 8, 6, 6>,
    Relu3<8, 6, 6>,
    MaxPool2d<8, 6, 6, 3, 3>,
    Flatten<8, 3, 3, 72>,
    Dense<72, 10>,
];
type QDigitsCnn = chain![
    Quantize<64>,
    QUnflatten<1, 8, 8, 64>,
    QConv2d<1, 8, 3, 8, 8, 6, 6>,
    QMaxPool2d<8, 6, 6, 3, 3>,
    QFlatten<8, 3, 3, 72>,
    QDense<72, 10>,
    Dequantize<10>,
];

/// The seeded 75/25 split the firmware digits net was trained on.
fn digits_split() -> (Dataset<64, 10>, Dataset<64, 10>) {
    let mut data = dataset::digits(DIGITS_CSV).unwrap();
    data.shuffle(1);
    data.split_fraction(0.75)
}

fn calibration(train: &Dataset<64, 10>) -> Vec<[f32; 64]> {
    train.iter().take(300).map(|(x, _)| *x).collect()
}

fn accuracy(data: &Dataset<64, 10>, predict: impl Fn(&[f32; 64]) -> [f32; 10]) -> f64 {
    let right = data
        .iter()
        .filter(|(x, y)| argmax(&predict(x)) == *y)
        .count();
    right as f64 / data.len() as f64
}

#[test]
fn quantized_digits_mlp_keeps_its_accuracy() {
    let (train, test) = digits_split();
    let float = &digits_model::DIGITS;
    let spec = quantize(float, &calibration(&train)).unwrap();
    let q: Box<QDigits> = Box::new(spec.build().unwrap());
    let (fa, qa) = (
        accuracy(&test, |x| float.infer(x)),
        accuracy(&test, |x| q.infer(x)),
    );
    eprintln!(
        "digits MLP: float {:.2} %, int8 {:.2} %",
        fa * 100.0,
        qa * 100.0
    );
    assert!(
        fa - qa <= 0.005,
        "accuracy drop {:.2} points",
        (fa - qa) * 100.0
    );
}

#[test]
fn per_tensor_dense_weights_keep_the_accuracy_in_less_flash() {
    let (train, test) = digits_split();
    let float = &digits_model::DIGITS;
    let options = QuantizeOptions {
        per_tensor_dense: true,
    };
    let spec = quantize_with(float, &calibration(&train), options).unwrap();
    let per_channel = quantize(float, &calibration(&train)).unwrap();
    // 5 bytes (multiplier and shift) less per output channel but one per layer
    assert_eq!(
        per_channel.param_bytes() - spec.param_bytes(),
        (100 - 1) * 5 + (10 - 1) * 5
    );
    // the per-channel type refuses a per-tensor description, and the other way round
    assert!(spec.build::<QDigits>().is_err());
    assert!(per_channel.build::<QDigitsPerTensor>().is_err());
    let q: Box<QDigitsPerTensor> = Box::new(spec.build().unwrap());
    let (fa, qa) = (
        accuracy(&test, |x| float.infer(x)),
        accuracy(&test, |x| q.infer(x)),
    );
    eprintln!(
        "digits MLP, per-tensor: float {:.2} %, int8 {:.2} %",
        fa * 100.0,
        qa * 100.0
    );
    assert!(
        fa - qa <= 0.005,
        "accuracy drop {:.2} points",
        (fa - qa) * 100.0
    );
    // and the weight file keeps the single factors
    assert_eq!(QModelSpec::from_bytes(&spec.to_bytes()).unwrap(), spec);
}

#[test]
fn quantized_digits_cnn_keeps_its_accuracy() {
    let (train, test) = digits_split();
    let mut net = Box::new(DigitsCnn::ZERO);
    net.init(Init::HeUniform, &mut stacknet::rng(2));
    let mut opt = Box::new(Adam::new(1e-3).unwrap());
    let config = FitConfig {
        epochs: 25,
        batch_size: 16,
        seed: 2,
    };
    fit(
        &mut *net,
        &mut *opt,
        &SoftmaxCrossEntropy,
        &train,
        None,
        &config,
        |_| {},
    )
    .unwrap();
    let spec = quantize(&*net, &calibration(&train)).unwrap();
    let q: Box<QDigitsCnn> = Box::new(spec.build().unwrap());
    let (fa, qa) = (
        accuracy(&test, |x| net.infer(x)),
        accuracy(&test, |x| q.infer(x)),
    );
    eprintln!(
        "digits CNN: float {:.2} %, int8 {:.2} %",
        fa * 100.0,
        qa * 100.0
    );
    assert!(fa > 0.9, "the float CNN did not train: {fa}");
    assert!(
        fa - qa <= 0.01,
        "accuracy drop {:.2} points",
        (fa - qa) * 100.0
    );
}

#[test]
fn the_weight_file_round_trips_and_refuses_corruption() {
    let (train, _) = digits_split();
    let spec = quantize(&digits_model::DIGITS, &calibration(&train)).unwrap();
    let bytes = spec.to_bytes();
    let back = QModelSpec::from_bytes(&bytes).unwrap();
    assert_eq!(back, spec);
    let a: Box<QDigits> = Box::new(back.build().unwrap());
    let b: Box<QDigits> = Box::new(spec.build().unwrap());
    assert!(a == b);
    // every single-bit flip is caught (CRC-32), every truncation too
    for i in (0..bytes.len()).step_by(97) {
        let mut bad = bytes.clone();
        bad[i] ^= 0x04;
        assert!(
            QModelSpec::from_bytes(&bad).is_err(),
            "flip at {i} accepted"
        );
    }
    for len in (0..bytes.len()).step_by(101) {
        assert!(
            QModelSpec::from_bytes(&bytes[..len]).is_err(),
            "cut at {len} accepted"
        );
    }
    // nothing may follow the checksum
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(
        QModelSpec::from_bytes(&longer),
        Err(QFormatError::Trailing { bytes: 1 })
    );
    // a float weight file is not a quantized one
    assert_eq!(
        QModelSpec::from_bytes(b"SNET\x01\0\0\0"),
        Err(QFormatError::BadMagic)
    );
    let mut v2 = bytes.clone();
    v2[4] = 2;
    assert_eq!(
        QModelSpec::from_bytes(&v2),
        Err(QFormatError::UnsupportedVersion(2))
    );
}

#[test]
fn calibration_must_be_non_empty_and_finite() {
    let float = &digits_model::DIGITS;
    assert_eq!(
        quantize(float, &[]).unwrap_err(),
        QuantizeError::EmptyCalibration
    );
    let mut xs = vec![[0.5f32; 64]; 3];
    xs[2][7] = f32::NAN;
    assert_eq!(
        quantize(float, &xs).unwrap_err(),
        QuantizeError::NonFinite {
            sample: 2,
            layer: 0
        }
    );
    // a weight that overflows to infinity shows up in the first layer's output
    let mut broken = Box::new(*float);
    broken.0.weights[0][0] = f32::INFINITY;
    let err = quantize(&*broken, &[[0.5f32; 64]]).unwrap_err();
    assert_eq!(
        err,
        QuantizeError::NonFinite {
            sample: 0,
            layer: 1
        }
    );
}
