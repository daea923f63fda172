//! `.tflite` import checked against TensorFlow Lite's own interpreter: the fixtures in
//! `tests/fixtures/int8/` (written by `tools/tflite_fixtures.py`) hold int8 models from
//! TensorFlow's converter and LiteRT's int8 outputs for a set of inputs. Each model is
//! imported, generated as Rust source (committed next to the fixtures, so the typed
//! `static` the firmware would use is what runs here), and must reproduce the interpreter's
//! outputs bit for bit. No TensorFlow needed.
//!
//! "The interpreter" is LiteRT with its default kernels (`out` lines). The `ref` lines
//! are its reference kernels, which on the MNIST CNN differ from the default ones in a few
//! cases (the reference conv rounds in two steps); those are counted, not required.
#![cfg(feature = "std")]

use stacknet::quant::{QLayer, QMap};
use stacknet::std::dataset::{self, DIGITS_CSV, MNIST_CSV};
use stacknet::std::quantized_model::QModelSpec;
use stacknet::std::tflite::{TfliteError, import, io_quantization};
use std::path::{Path, PathBuf};

#[allow(dead_code)]
#[rustfmt::skip]
#[path = "fixtures/int8/digits_mlp.rs"]
mod digits_mlp;
#[allow(dead_code)]
#[rustfmt::skip]
#[path = "fixtures/int8/mnist_cnn.rs"]
mod mnist_cnn;
#[allow(dead_code)]
#[rustfmt::skip]
#[path = "fixtures/int8/ops_cnn.rs"]
mod ops_cnn;

const MODELS: [&str; 3] = ["digits_mlp", "mnist_cnn", "ops_cnn"];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/int8")
        .join(name)
}

fn tflite(name: &str) -> Vec<u8> {
    std::fs::read(fixture(&format!("{name}.tflite"))).unwrap()
}

fn spec(name: &str) -> QModelSpec {
    import(&tflite(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// One interpreter run: the int8 input, the default kernels' output, the reference
/// kernels' output.
struct Case {
    input: Vec<i8>,
    out: Vec<i8>,
    reference: Vec<i8>,
}

fn cases(name: &str) -> Vec<Case> {
    let text = std::fs::read_to_string(fixture(&format!("{name}.cases"))).unwrap();
    let rows: Vec<(&str, Vec<i8>)> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let mut parts = l.split_whitespace();
            let tag = parts.next().unwrap();
            (tag, parts.map(|v| v.parse().unwrap()).collect())
        })
        .collect();
    rows.chunks_exact(3)
        .map(|c| {
            assert_eq!((c[0].0, c[1].0, c[2].0), ("in", "out", "ref"));
            Case {
                input: c[0].1.clone(),
                out: c[1].1.clone(),
                reference: c[2].1.clone(),
            }
        })
        .collect()
}

/// A `1×H×W` map from a flat single-channel input (NHWC and C×H×W agree for C = 1).
fn map<const H: usize, const W: usize>(v: &[i8]) -> QMap<1, H, W> {
    let mut m = [[[0i8; W]; H]; 1];
    for (d, s) in m.as_flattened_mut().as_flattened_mut().iter_mut().zip(v) {
        *d = *s;
    }
    m
}

/// Runs `infer` on every case; returns how many match the default and the reference
/// kernels.
fn check(name: &str, infer: impl Fn(&[i8]) -> Vec<i8>) -> (usize, usize, usize) {
    let cases = cases(name);
    assert!(cases.len() >= 20, "{name}: too few cases");
    let (mut out, mut reference) = (0, 0);
    for (i, c) in cases.iter().enumerate() {
        let y = infer(&c.input);
        if y == c.out {
            out += 1;
        } else {
            eprintln!("{name} case {i}: stacknet {y:?}\n  LiteRT {:?}", c.out);
        }
        if y == c.reference {
            reference += 1;
        }
    }
    (cases.len(), out, reference)
}

#[test]
fn digits_mlp_is_bit_exact_with_litert() {
    let (n, out, reference) = check("digits_mlp", |x| {
        digits_mlp::MODEL.infer(&x.try_into().unwrap()).to_vec()
    });
    assert_eq!((out, reference), (n, n));
}

#[test]
fn mnist_cnn_is_bit_exact_with_litert() {
    let (n, out, reference) = check("mnist_cnn", |x| {
        mnist_cnn::MODEL.infer(&map::<28, 28>(x)).to_vec()
    });
    eprintln!(
        "mnist_cnn: {out}/{n} equal to LiteRT's default kernels, {reference}/{n} to its reference kernels"
    );
    if cfg!(feature = "tflite-reference-rounding") {
        assert_eq!(reference, n);
    } else {
        assert_eq!(out, n);
    }
}

#[test]
fn ops_cnn_is_bit_exact_with_litert() {
    let (n, out, reference) = check("ops_cnn", |x| {
        ops_cnn::MODEL.infer(&map::<8, 8>(x)).to_vec()
    });
    assert_eq!((out, reference), (n, n));
}

/// The int8 input LiteRT got for a dataset row in `tools/tflite_fixtures.py`: pixels
/// divided by `max_value` in `f32`, then `round(x / scale) + zero_point` with NumPy's
/// rounding (ties to even), clamped.
fn numpy_quantize(features: &[f32], max_value: f32, (scale, zp): (f32, i32)) -> Vec<i8> {
    features
        .iter()
        .map(|&f| {
            let x = (f * max_value).round() / max_value;
            ((x / scale).round_ties_even() + zp as f32).clamp(-128.0, 127.0) as i8
        })
        .collect()
}

/// What [`check_all_rows`] found for one model.
struct AllRows {
    rows: usize,
    /// Rows equal to LiteRT's default kernels' outputs / its reference kernels'.
    same_as_default: usize,
    same_as_reference: usize,
    /// Rows where LiteRT's default and reference kernels agree, and stacknet does not.
    against_both: usize,
    tests: usize,
    right: usize,
}

/// Runs `infer` on every row of a data file and compares with LiteRT's outputs
/// (`<name>.outputs`: test-split flag, 10 default-kernel bytes, 10 reference-kernel bytes).
fn check_all_rows<const D: usize>(
    name: &str,
    data: &stacknet::std::dataset::Dataset<D, 10>,
    max_value: f32,
    infer: impl Fn(&[i8]) -> Vec<i8>,
) -> AllRows {
    let quantization = io_quantization(&tflite(name)).unwrap().0;
    let outputs = std::fs::read(fixture(&format!("{name}.outputs"))).unwrap();
    assert_eq!(
        outputs.len(),
        data.len() * 21,
        "{name}.outputs does not fit the data file"
    );
    let bytes = |s: &[u8]| s.iter().map(|&b| b as i8).collect::<Vec<i8>>();
    let mut r = AllRows {
        rows: data.len(),
        same_as_default: 0,
        same_as_reference: 0,
        against_both: 0,
        tests: 0,
        right: 0,
    };
    for ((x, label), row) in data.iter().zip(outputs.chunks_exact(21)) {
        let y = infer(&numpy_quantize(x, max_value, quantization));
        let (default, reference) = (bytes(&row[1..11]), bytes(&row[11..21]));
        r.same_as_default += usize::from(y == default);
        r.same_as_reference += usize::from(y == reference);
        r.against_both += usize::from(default == reference && y != default);
        if row[0] == 1 {
            r.tests += 1;
            let best = (0..10)
                .max_by_key(|&k| (y[k], std::cmp::Reverse(k)))
                .unwrap();
            r.right += usize::from(best == label);
        }
    }
    r
}

#[test]
fn every_dataset_row_matches_litert() {
    let digits = dataset::digits(DIGITS_CSV).unwrap();
    let mnist = dataset::mnist(MNIST_CSV).unwrap();
    let runs = [
        check_all_rows("digits_mlp", &digits, 16.0, |x| {
            digits_mlp::MODEL.infer(&x.try_into().unwrap()).to_vec()
        }),
        check_all_rows("ops_cnn", &digits, 16.0, |x| {
            ops_cnn::MODEL.infer(&map::<8, 8>(x)).to_vec()
        }),
        check_all_rows("mnist_cnn", &mnist, 255.0, |x| {
            mnist_cnn::MODEL.infer(&map::<28, 28>(x)).to_vec()
        }),
    ];
    for (r, name) in runs.iter().zip(["digits_mlp", "ops_cnn", "mnist_cnn"]) {
        eprintln!(
            "{name}: {} rows; equal to LiteRT's default kernels on {}, its reference kernels on \
             {}; test accuracy {:.2} % ({}/{})",
            r.rows,
            r.same_as_default,
            r.same_as_reference,
            100.0 * r.right as f64 / r.tests as f64,
            r.right,
            r.tests
        );
        assert!(r.tests > 400);
        if cfg!(feature = "tflite-reference-rounding") {
            // TFLite's reference kernels, bit for bit, on every row.
            assert_eq!(r.same_as_reference, r.rows, "{name}");
        } else {
            // Where LiteRT's two kernel sets agree, stacknet agrees with them.
            assert_eq!(r.against_both, 0, "{name}");
        }
    }
    // The dense-only model has no conv rounding to choose: bit-exact with both everywhere.
    assert_eq!(runs[0].same_as_default, runs[0].rows);
    assert_eq!(runs[0].same_as_reference, runs[0].rows);
}

#[test]
fn building_from_the_spec_equals_the_generated_static() {
    let built: digits_mlp::Model = spec("digits_mlp").build().unwrap();
    assert!(built == digits_mlp::MODEL);
    let built: mnist_cnn::Model = spec("mnist_cnn").build().unwrap();
    assert!(built == mnist_cnn::MODEL);
    // The wrong type is refused with the layer that does not match.
    let err = spec("digits_mlp").build::<mnist_cnn::Model>().unwrap_err();
    assert_eq!(err.index, 0, "{err}");
}

#[test]
fn generated_sources_are_up_to_date() {
    let bless = std::env::var_os("STACKNET_BLESS").is_some();
    for name in MODELS {
        let fresh = spec(name).rust_source("Model", "MODEL", "stacknet");
        let path = fixture(&format!("{name}.rs"));
        if bless {
            std::fs::write(&path, &fresh).unwrap();
        } else {
            let committed = std::fs::read_to_string(&path).unwrap();
            assert!(
                fresh == committed,
                "{} is stale: run with STACKNET_BLESS=1",
                path.display()
            );
        }
    }
}

#[test]
fn dynamic_flatten_is_refused_with_how_to_convert() {
    let err = import(&tflite("dynamic_flatten")).unwrap_err();
    assert!(matches!(err, TfliteError::DynamicFlatten { .. }), "{err:?}");
    assert!(err.to_string().contains("batch size of 1"), "{err}");
}

#[test]
fn per_tensor_conv_weights_are_refused() {
    let err = import(&tflite("per_tensor_conv")).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, TfliteError::Unsupported { index: 0, .. }),
        "{err:?}"
    );
    assert!(
        msg.contains("CONV_2D") && msg.contains("per-channel"),
        "{msg}"
    );
}

#[test]
fn truncated_files_are_errors_not_panics() {
    for name in MODELS {
        let bytes = tflite(name);
        for len in (0..bytes.len()).step_by(7) {
            assert!(
                import(&bytes[..len]).is_err(),
                "{name} cut to {len} bytes imported"
            );
        }
    }
}

#[test]
fn corrupted_bytes_never_panic() {
    let bytes = tflite("mnist_cnn");
    let mut state = 0x2545_f491_u32;
    let mut rejected = 0;
    for _ in 0..3000 {
        let mut b = bytes.clone();
        for _ in 0..4 {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let i = state as usize % b.len();
            b[i] = (state >> 24) as u8;
        }
        if import(&b).is_err() {
            rejected += 1;
        }
    }
    // Most corruptions land in weights (still a valid model); some must hit the structure.
    assert!(rejected > 0);
}

#[test]
fn unsupported_ops_are_named() {
    // Patch the digits MLP's first FULLY_CONNECTED code (9) to SOFTMAX (25) in the operator
    // code table, found as the only `builtin_code` field holding 9.
    let bytes = tflite("digits_mlp");
    let spec_ok = import(&bytes);
    assert!(spec_ok.is_ok());
    let mut found = false;
    for i in (0..bytes.len() - 4).step_by(4) {
        if bytes[i..i + 4] == 9i32.to_le_bytes() {
            let mut b = bytes.clone();
            b[i] = 25;
            b.iter_mut().skip(i + 1).take(3).for_each(|v| *v = 0);
            if let Err(TfliteError::UnsupportedOp { op, .. }) = import(&b) {
                assert_eq!(op, "SOFTMAX");
                found = true;
                break;
            }
        }
    }
    assert!(found, "could not patch an operator code");
}
