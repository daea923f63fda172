//! Post-training quantization (feature `std`): from a trained float model and a set of
//! calibration inputs to a [`QModelSpec`] in TensorFlow Lite's int8 scheme, then to the
//! typed model with [`QModelSpec::build`] or to a `static` with
//! [`QModelSpec::rust_source`].
//!
//! What it does, as TensorFlow's converter does for full-integer quantization:
//! - runs the float model's own [`infer`](crate::Layer::infer) on every calibration input
//!   and records each layer's output range (min/max, widened to include 0);
//! - weights: symmetric int8 per output channel, `scale = max|w| / 127`; biases int32 at
//!   `scale_in · scale_w`; activations: asymmetric int8 per tensor;
//! - a [`Relu`](crate::Relu)/[`Relu3`](crate::Relu3) after a dense or conv layer is fused
//!   into it (the layer is quantized with the ReLU's output range and clamps at zero);
//! - the model gets a [`Quantize`](crate::quant::Quantize) in front and a
//!   [`Dequantize`](crate::quant::Dequantize) at the end, so it takes and returns `f32`.
//!
//! ```
//! use stacknet::{chain, Dense, Init, Layer, Relu};
//! use stacknet::quant::{Dequantize, QDense, QLayer, Quantize};
//! use stacknet::std::quantize::quantize;
//! type Net = chain![Dense<2, 8>, Relu<8>, Dense<8, 1>];
//! let mut net = <Net as stacknet::Zero>::ZERO;
//! net.init(Init::HeUniform, &mut stacknet::rng(3));
//! let calibration: Vec<[f32; 2]> = (0..50).map(|i| [i as f32 / 50.0, 1.0 - i as f32 / 50.0]).collect();
//! let spec = quantize(&net, &calibration).unwrap();
//! // Dense + ReLU became one QDense: Quantize, QDense, QDense, Dequantize.
//! type QNet = chain![Quantize<2>, QDense<2, 8>, QDense<8, 1>, Dequantize<1>];
//! let qnet: QNet = spec.build().unwrap();
//! let (f, q) = (net.infer(&[0.3, 0.6])[0], qnet.infer(&[0.3, 0.6])[0]);
//! assert!((f - q).abs() < 0.05, "{f} vs {q}");
//! ```

use crate::layer::Layer;
use crate::layers::activation::{Act, ReluFn};
use crate::layers::{AvgPool2d, Conv2d, Dense, Flatten, MaxPool2d, Unflatten};
use crate::quant::{FusedActivation, OutputStage, Requant};
use crate::std::quantized_model::{QLayerSpec, QModelSpec};
use crate::zero::Tensor;
use std::string::String;
use std::vec::Vec;

/// A float layer as plain data, for the quantizer.
#[derive(Debug, Clone, PartialEq)]
pub enum FloatLayer {
    /// [`Dense`]: weights `[out][in]` flat.
    Dense {
        /// Inputs.
        inputs: usize,
        /// Outputs.
        outputs: usize,
        /// Weights, row-major.
        weights: Vec<f32>,
        /// Bias.
        bias: Vec<f32>,
    },
    /// [`Conv2d`]: weights `[out][in][ky][kx]` flat.
    Conv2d {
        /// Sizes `c_in, c_out, k, h, w, oh, ow, stride, pad`.
        sizes: [usize; 9],
        /// Weights, row-major.
        weights: Vec<f32>,
        /// Bias.
        bias: Vec<f32>,
    },
    /// ReLU on a vector or map.
    Relu,
    /// [`MaxPool2d`] (`average: false`) or [`AvgPool2d`]: sizes `c, h, w, oh, ow, k, s`.
    Pool2d {
        /// Average instead of max.
        average: bool,
        /// Sizes `c, h, w, oh, ow, k, stride`.
        sizes: [usize; 7],
    },
    /// [`Flatten`].
    Flatten([usize; 3]),
    /// [`Unflatten`].
    Unflatten([usize; 3]),
}

/// Observed range of one tensor over the calibration set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// Smallest value seen.
    pub min: f32,
    /// Largest value seen.
    pub max: f32,
}

impl Range {
    const EMPTY: Self = Self {
        min: f32::INFINITY,
        max: f32::NEG_INFINITY,
    };

    fn update(&mut self, values: &[f32]) -> bool {
        for &v in values {
            if !v.is_finite() {
                return false;
            }
            self.min = self.min.min(v);
            self.max = self.max.max(v);
        }
        true
    }

    /// Scale and zero point of an asymmetric int8 tensor covering this range and 0.
    fn params(self) -> (f32, i32) {
        let (lo, hi) = (self.min.min(0.0), self.max.max(0.0));
        if hi - lo <= f32::MIN_POSITIVE {
            return (1.0, 0); // all zeros: any scale represents them exactly
        }
        let scale = (hi - lo) / 255.0;
        let zero_point = (-128.0 - lo / scale).round().clamp(-128.0, 127.0) as i32;
        (scale, zero_point)
    }
}

/// Why a model could not be quantized.
#[derive(Debug, Clone, PartialEq)]
pub enum QuantizeError {
    /// No calibration inputs.
    EmptyCalibration,
    /// A calibration input, or a layer's output on it, is NaN or infinite.
    NonFinite {
        /// Index of the calibration input.
        sample: usize,
        /// 0 for the input itself, `i` for the `i`-th layer's output.
        layer: usize,
    },
    /// A layer arrangement the int8 scheme does not cover (e.g. a ReLU not right after a
    /// dense or conv layer).
    Unsupported {
        /// Index of the layer.
        layer: usize,
        /// What is not supported.
        reason: String,
    },
}

impl core::fmt::Display for QuantizeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::EmptyCalibration => write!(f, "the calibration set is empty"),
            Self::NonFinite { sample, layer: 0 } => {
                write!(f, "calibration input {sample} has a NaN or infinite value")
            }
            Self::NonFinite { sample, layer } => write!(
                f,
                "layer {layer}'s output on calibration input {sample} is NaN or infinite"
            ),
            Self::Unsupported { layer, reason } => write!(f, "layer {layer}: {reason}"),
        }
    }
}

impl std::error::Error for QuantizeError {}

/// A float layer (or chain) the quantizer understands.
pub trait Quantizable: Layer {
    /// Number of layers (a chain counts its parts).
    const LAYERS: usize;
    /// Appends the layer's description.
    fn describe(&self, out: &mut Vec<FloatLayer>);
    /// Runs [`Layer::infer`] and widens `ranges[0..LAYERS]` by each layer's output;
    /// `None` when an output is not finite (with the failing layer's offset).
    fn observe(&self, x: &Self::Input, ranges: &mut [Range]) -> Result<Self::Output, usize>;
}

fn observe_one<L: Layer>(
    layer: &L,
    x: &L::Input,
    ranges: &mut [Range],
) -> Result<L::Output, usize> {
    let y = layer.infer(x);
    let finite = ranges.first_mut().is_some_and(|r| r.update(y.flat()));
    if finite { Ok(y) } else { Err(0) }
}

impl<A: Quantizable, B: Quantizable<Input = A::Output>> Quantizable for (A, B) {
    const LAYERS: usize = A::LAYERS + B::LAYERS;
    fn describe(&self, out: &mut Vec<FloatLayer>) {
        self.0.describe(out);
        self.1.describe(out);
    }
    fn observe(&self, x: &Self::Input, ranges: &mut [Range]) -> Result<Self::Output, usize> {
        let (ra, rb) = ranges.split_at_mut(A::LAYERS.min(ranges.len()));
        let h = self.0.observe(x, ra)?;
        self.1.observe(&h, rb).map_err(|i| i + A::LAYERS)
    }
}

impl<const IN: usize, const OUT: usize> Quantizable for Dense<IN, OUT> {
    const LAYERS: usize = 1;
    fn describe(&self, out: &mut Vec<FloatLayer>) {
        out.push(FloatLayer::Dense {
            inputs: IN,
            outputs: OUT,
            weights: self.weights.as_flattened().to_vec(),
            bias: self.bias.to_vec(),
        });
    }
    fn observe(&self, x: &Self::Input, ranges: &mut [Range]) -> Result<Self::Output, usize> {
        observe_one(self, x, ranges)
    }
}

impl<
    const C_IN: usize,
    const C_OUT: usize,
    const K: usize,
    const H: usize,
    const W: usize,
    const OH: usize,
    const OW: usize,
    const S: usize,
    const P: usize,
> Quantizable for Conv2d<C_IN, C_OUT, K, H, W, OH, OW, S, P>
{
    const LAYERS: usize = 1;
    fn describe(&self, out: &mut Vec<FloatLayer>) {
        out.push(FloatLayer::Conv2d {
            sizes: [C_IN, C_OUT, K, H, W, OH, OW, S, P],
            weights: self
                .weights
                .as_flattened()
                .as_flattened()
                .as_flattened()
                .to_vec(),
            bias: self.bias.to_vec(),
        });
    }
    fn observe(&self, x: &Self::Input, ranges: &mut [Range]) -> Result<Self::Output, usize> {
        observe_one(self, x, ranges)
    }
}

impl<T: Tensor> Quantizable for Act<ReluFn, T> {
    const LAYERS: usize = 1;
    fn describe(&self, out: &mut Vec<FloatLayer>) {
        out.push(FloatLayer::Relu);
    }
    fn observe(&self, x: &Self::Input, ranges: &mut [Range]) -> Result<Self::Output, usize> {
        observe_one(self, x, ranges)
    }
}

macro_rules! pool_quantizable {
    ($name:ident, $average:expr) => {
        impl<
            const C: usize,
            const H: usize,
            const W: usize,
            const OH: usize,
            const OW: usize,
            const K: usize,
            const S: usize,
        > Quantizable for $name<C, H, W, OH, OW, K, S>
        {
            const LAYERS: usize = 1;
            fn describe(&self, out: &mut Vec<FloatLayer>) {
                out.push(FloatLayer::Pool2d {
                    average: $average,
                    sizes: [C, H, W, OH, OW, K, S],
                });
            }
            fn observe(
                &self,
                x: &Self::Input,
                ranges: &mut [Range],
            ) -> Result<Self::Output, usize> {
                observe_one(self, x, ranges)
            }
        }
    };
}
pool_quantizable!(MaxPool2d, false);
pool_quantizable!(AvgPool2d, true);

impl<const C: usize, const H: usize, const W: usize, const N: usize> Quantizable
    for Flatten<C, H, W, N>
{
    const LAYERS: usize = 1;
    fn describe(&self, out: &mut Vec<FloatLayer>) {
        out.push(FloatLayer::Flatten([C, H, W]));
    }
    fn observe(&self, x: &Self::Input, ranges: &mut [Range]) -> Result<Self::Output, usize> {
        observe_one(self, x, ranges)
    }
}

impl<const C: usize, const H: usize, const W: usize, const N: usize> Quantizable
    for Unflatten<C, H, W, N>
{
    const LAYERS: usize = 1;
    fn describe(&self, out: &mut Vec<FloatLayer>) {
        out.push(FloatLayer::Unflatten([C, H, W]));
    }
    fn observe(&self, x: &Self::Input, ranges: &mut [Range]) -> Result<Self::Output, usize> {
        observe_one(self, x, ranges)
    }
}

/// The observed output range of every layer of `model` over `calibration`, and the input's.
///
/// # Errors
/// [`QuantizeError::EmptyCalibration`], or [`QuantizeError::NonFinite`] naming the first
/// input and layer with a NaN or infinity.
pub fn calibrate<L: Quantizable>(
    model: &L,
    calibration: &[L::Input],
) -> Result<(Range, Vec<Range>), QuantizeError>
where
    L::Input: Tensor,
{
    if calibration.is_empty() {
        return Err(QuantizeError::EmptyCalibration);
    }
    let mut input = Range::EMPTY;
    let mut ranges = std::vec![Range::EMPTY; L::LAYERS];
    for (sample, x) in calibration.iter().enumerate() {
        if !input.update(x.flat()) {
            return Err(QuantizeError::NonFinite { sample, layer: 0 });
        }
        model
            .observe(x, &mut ranges)
            .map_err(|i| QuantizeError::NonFinite {
                sample,
                layer: i + 1,
            })?;
    }
    Ok((input, ranges))
}

/// Choices [`quantize_with`] offers beyond [`quantize`]'s defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QuantizeOptions {
    /// Dense layers get one weight scale for the whole layer instead of one per output
    /// channel (TFLite's per-tensor weights, `QDense<IN, OUT, PerTensor>`): 5 bytes of
    /// flash per output less, at some cost in precision. Conv layers stay per channel.
    pub per_tensor_dense: bool,
}

/// Quantizes `model` to int8 with ranges observed on `calibration` (a few hundred
/// representative inputs are plenty), per-channel weights everywhere.
///
/// # Errors
/// See [`calibrate`]; [`QuantizeError::Unsupported`] for a ReLU that does not follow a
/// dense or conv layer.
pub fn quantize<L: Quantizable>(
    model: &L,
    calibration: &[L::Input],
) -> Result<QModelSpec, QuantizeError>
where
    L::Input: Tensor,
{
    quantize_with(model, calibration, QuantizeOptions::default())
}

/// [`quantize`] with [`QuantizeOptions`].
///
/// # Errors
/// As [`quantize`].
pub fn quantize_with<L: Quantizable>(
    model: &L,
    calibration: &[L::Input],
    options: QuantizeOptions,
) -> Result<QModelSpec, QuantizeError>
where
    L::Input: Tensor,
{
    let (input, ranges) = calibrate(model, calibration)?;
    let mut layers = Vec::new();
    model.describe(&mut layers);
    let (mut scale, mut zero_point) = input.params();
    let mut spec = std::vec![QLayerSpec::Quantize {
        len: <L::Input as Tensor>::LEN,
        scale,
        zero_point,
    }];
    let mut i = 0;
    while let Some(layer) = layers.get(i) {
        let fused = matches!(layers.get(i + 1), Some(FloatLayer::Relu));
        let out_range = ranges[if fused { i + 1 } else { i }];
        let activation = if fused {
            FusedActivation::Relu
        } else {
            FusedActivation::None
        };
        let (out_scale, out_zp) = out_range.params();
        let unsupported = |reason: &str| QuantizeError::Unsupported {
            layer: i,
            reason: String::from(reason),
        };
        let stage = OutputStage::new(out_scale, out_zp, activation)
            .ok_or_else(|| unsupported("invalid output range"))?;
        match layer {
            FloatLayer::Dense {
                inputs,
                outputs,
                weights,
                bias,
            } => {
                let (w, b, r) = quantize_channels(
                    weights,
                    bias,
                    *outputs,
                    (scale, out_scale),
                    options.per_tensor_dense,
                );
                spec.push(QLayerSpec::Dense {
                    inputs: *inputs,
                    outputs: *outputs,
                    weights: w,
                    bias: b,
                    requant: r,
                    input_zero_point: zero_point,
                    output: stage,
                });
            }
            FloatLayer::Conv2d {
                sizes: [c_in, c_out, k, h, w, oh, ow, stride, pad],
                weights,
                bias,
            } => {
                let (wq, b, r) =
                    quantize_channels(weights, bias, *c_out, (scale, out_scale), false);
                spec.push(QLayerSpec::Conv2d {
                    c_in: *c_in,
                    c_out: *c_out,
                    k: *k,
                    h: *h,
                    w: *w,
                    oh: *oh,
                    ow: *ow,
                    stride: *stride,
                    pad: *pad,
                    weights: wq,
                    bias: b,
                    requant: r,
                    input_zero_point: zero_point,
                    output: stage,
                });
            }
            FloatLayer::Relu => {
                return Err(unsupported(
                    "a ReLU must follow a Dense or Conv2d layer (it is fused into it)",
                ));
            }
            FloatLayer::Pool2d {
                average,
                sizes: [c, h, w, oh, ow, k, stride],
            } => {
                spec.push(QLayerSpec::Pool2d {
                    average: *average,
                    c: *c,
                    h: *h,
                    w: *w,
                    oh: *oh,
                    ow: *ow,
                    k: *k,
                    stride: *stride,
                    min: -128,
                    max: 127,
                });
                // pooling keeps its input's quantization
                i += 1;
                continue;
            }
            FloatLayer::Flatten([c, h, w]) => {
                spec.push(QLayerSpec::Flatten {
                    c: *c,
                    h: *h,
                    w: *w,
                });
                i += 1;
                continue;
            }
            FloatLayer::Unflatten([c, h, w]) => {
                spec.push(QLayerSpec::Unflatten {
                    c: *c,
                    h: *h,
                    w: *w,
                });
                i += 1;
                continue;
            }
        }
        (scale, zero_point) = (out_scale, out_zp);
        i += if fused { 2 } else { 1 };
    }
    let len = ranges.last().map_or(0, |_| output_len(&spec));
    spec.push(QLayerSpec::Dequantize {
        len,
        scale,
        zero_point,
    });
    Ok(QModelSpec { layers: spec })
}

/// Number of values the last layer of `spec` produces.
fn output_len(spec: &[QLayerSpec]) -> usize {
    let mut len = 0;
    for layer in spec {
        len = match layer {
            QLayerSpec::Quantize { len, .. } | QLayerSpec::Dequantize { len, .. } => *len,
            QLayerSpec::Dense { outputs, .. } => *outputs,
            QLayerSpec::Conv2d { c_out, oh, ow, .. } => c_out * oh * ow,
            QLayerSpec::Pool2d { c, oh, ow, .. } => c * oh * ow,
            QLayerSpec::Flatten { c, h, w } | QLayerSpec::Unflatten { c, h, w } => c * h * w,
        };
    }
    len
}

/// Symmetric int8 weights, int32 biases and requantization factors for `channels` rows of
/// `weights`: one scale per row, or one for all (`per_tensor`, then one factor).
fn quantize_channels(
    weights: &[f32],
    bias: &[f32],
    channels: usize,
    (in_scale, out_scale): (f32, f32),
    per_tensor: bool,
) -> (Vec<i8>, Vec<i32>, Vec<Requant>) {
    let per = weights.len() / channels.max(1);
    let mut w = Vec::with_capacity(weights.len());
    let mut b = Vec::with_capacity(channels);
    let mut r = Vec::with_capacity(channels);
    let global = weights.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    for (row, &bias) in weights.chunks(per.max(1)).zip(bias) {
        let max = if per_tensor {
            global
        } else {
            row.iter().fold(0.0f32, |m, v| m.max(v.abs()))
        };
        let w_scale = if max > 0.0 { max / 127.0 } else { 1.0 };
        w.extend(
            row.iter()
                .map(|v| (v / w_scale).round().clamp(-127.0, 127.0) as i8),
        );
        let bias_scale = in_scale as f64 * w_scale as f64;
        b.push(
            (bias as f64 / bias_scale)
                .round()
                .clamp(i32::MIN as f64, i32::MAX as f64) as i32,
        );
        r.push(Requant::from_real(bias_scale / out_scale as f64).unwrap_or(Requant::ZERO));
    }
    if per_tensor {
        r.truncate(1);
    }
    (w, b, r)
}
