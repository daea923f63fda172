//! `QModelSpec`: a quantized model as plain data (sizes and parameters at run time), the
//! meeting point of the `.tflite` importer, post-training quantization, the weight file
//! and code generation; and [`FromSpec`], which builds the typed, const-generic model
//! ([`crate::quant`]) from it, checking every size.

use crate::quant::{
    Dequantize, OutputStage, QAvgPool2d, QConv2d, QDense, QFlatten, QMaxPool2d, QUnflatten,
    Quantize, Requant, Requants,
};
use std::string::String;
use std::vec::Vec;

/// One quantized layer with its sizes and parameters. Field meanings are those of the
/// typed layers in [`crate::quant`]; multi-dimensional arrays are flat, row-major, in
/// stacknet's layouts (`[out][in]`, `[out][in][ky][kx]`, maps `C×H×W`).
#[derive(Debug, Clone, PartialEq)]
pub enum QLayerSpec {
    /// `f32` → int8 ([`Quantize`]).
    Quantize {
        /// Number of values.
        len: usize,
        /// Scale of the int8 values.
        scale: f32,
        /// Zero point of the int8 values.
        zero_point: i32,
    },
    /// int8 → `f32` ([`Dequantize`]).
    Dequantize {
        /// Number of values.
        len: usize,
        /// Scale of the int8 values.
        scale: f32,
        /// Zero point of the int8 values.
        zero_point: i32,
    },
    /// [`QDense`].
    Dense {
        /// Inputs.
        inputs: usize,
        /// Outputs.
        outputs: usize,
        /// `outputs × inputs` int8 weights.
        weights: Vec<i8>,
        /// One int32 bias per output.
        bias: Vec<i32>,
        /// One factor per output, or a single one for per-tensor weights.
        requant: Vec<Requant>,
        /// Input zero point.
        input_zero_point: i32,
        /// Output zero point and clamp.
        output: OutputStage,
    },
    /// [`QConv2d`].
    Conv2d {
        /// Input channels.
        c_in: usize,
        /// Output channels.
        c_out: usize,
        /// Square kernel size.
        k: usize,
        /// Input height.
        h: usize,
        /// Input width.
        w: usize,
        /// Output height.
        oh: usize,
        /// Output width.
        ow: usize,
        /// Stride.
        stride: usize,
        /// Padding before the first row/column.
        pad: usize,
        /// `c_out × c_in × k × k` int8 weights.
        weights: Vec<i8>,
        /// One int32 bias per output channel.
        bias: Vec<i32>,
        /// One factor per output channel.
        requant: Vec<Requant>,
        /// Input zero point.
        input_zero_point: i32,
        /// Output zero point and clamp.
        output: OutputStage,
    },
    /// [`QMaxPool2d`] (`average: false`) or [`QAvgPool2d`] (`average: true`).
    Pool2d {
        /// Average instead of max.
        average: bool,
        /// Channels.
        c: usize,
        /// Input height.
        h: usize,
        /// Input width.
        w: usize,
        /// Output height.
        oh: usize,
        /// Output width.
        ow: usize,
        /// Window.
        k: usize,
        /// Stride.
        stride: usize,
        /// Lower clamp bound.
        min: i8,
        /// Upper clamp bound.
        max: i8,
    },
    /// [`QFlatten`] (`C×H×W` → flat).
    Flatten {
        /// Channels.
        c: usize,
        /// Height.
        h: usize,
        /// Width.
        w: usize,
    },
    /// [`QUnflatten`] (flat → `C×H×W`).
    Unflatten {
        /// Channels.
        c: usize,
        /// Height.
        h: usize,
        /// Width.
        w: usize,
    },
}

impl QLayerSpec {
    /// A short name for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Quantize { .. } => "Quantize",
            Self::Dequantize { .. } => "Dequantize",
            Self::Dense { .. } => "QDense",
            Self::Conv2d { .. } => "QConv2d",
            Self::Pool2d { average: false, .. } => "QMaxPool2d",
            Self::Pool2d { average: true, .. } => "QAvgPool2d",
            Self::Flatten { .. } => "QFlatten",
            Self::Unflatten { .. } => "QUnflatten",
        }
    }

    /// Bytes of parameters this layer keeps in flash when generated as a `static`.
    pub fn param_bytes(&self) -> usize {
        match self {
            Self::Quantize { .. } | Self::Dequantize { .. } => 8,
            // weights, an i32 start/bias per output, an i32 multiplier and an i8 shift per
            // stored factor
            Self::Dense {
                weights,
                bias,
                requant,
                ..
            }
            | Self::Conv2d {
                weights,
                bias,
                requant,
                ..
            } => weights.len() + bias.len() * 4 + requant.len() * 5 + 8,
            Self::Pool2d { .. } => 2,
            Self::Flatten { .. } | Self::Unflatten { .. } => 0,
        }
    }
}

/// A whole quantized model: its layers in order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QModelSpec {
    /// The layers, first to last.
    pub layers: Vec<QLayerSpec>,
}

impl QModelSpec {
    /// Bytes of parameters the generated `static` keeps in flash (weights, biases,
    /// requantization factors and the folded accumulator starts).
    pub fn param_bytes(&self) -> usize {
        self.layers.iter().map(QLayerSpec::param_bytes).sum()
    }

    /// Builds the typed model `M` from this description, checking that the layer kinds and
    /// every size match `M`'s.
    ///
    /// # Errors
    /// A [`SpecError`] naming the first layer that does not match, or leftover layers.
    pub fn build<M: FromSpec>(&self) -> Result<M, SpecError> {
        let mut rest = self.layers.as_slice();
        let mut index = 0;
        let model = M::from_spec(&mut rest, &mut index)?;
        if !rest.is_empty() {
            return Err(SpecError {
                index,
                reason: std::format!(
                    "the model type ends here but the description has {} more layer(s)",
                    rest.len()
                ),
            });
        }
        Ok(model)
    }
}

/// A description did not match the typed model it was built into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// Index of the layer in the description.
    pub index: usize,
    /// What did not match.
    pub reason: String,
}

impl core::fmt::Display for SpecError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "quantized layer {}: {}", self.index, self.reason)
    }
}

impl std::error::Error for SpecError {}

/// A typed quantized layer (or chain) that can be built from a [`QModelSpec`]'s layers.
pub trait FromSpec: Sized {
    /// Takes this layer's description(s) off the front of `layers` (`index` counts them).
    ///
    /// # Errors
    /// When the next description is of another kind or size.
    fn from_spec(layers: &mut &[QLayerSpec], index: &mut usize) -> Result<Self, SpecError>;
}

impl<A: FromSpec, B: FromSpec> FromSpec for (A, B) {
    fn from_spec(layers: &mut &[QLayerSpec], index: &mut usize) -> Result<Self, SpecError> {
        let a = A::from_spec(layers, index)?;
        let b = B::from_spec(layers, index)?;
        Ok((a, b))
    }
}

fn next<'s>(
    layers: &mut &'s [QLayerSpec],
    index: &mut usize,
    want: &str,
) -> Result<&'s QLayerSpec, SpecError> {
    let Some((first, rest)) = layers.split_first() else {
        return Err(SpecError {
            index: *index,
            reason: std::format!("expected {want} but the description has no more layers"),
        });
    };
    *layers = rest;
    *index += 1;
    Ok(first)
}

fn mismatch(index: usize, want: &str, got: &QLayerSpec) -> SpecError {
    SpecError {
        index: index - 1,
        reason: std::format!("expected {want}, found {} {:?}", got.kind(), Sizes(got)),
    }
}

/// Debug view of a layer's sizes only (no parameters) for messages.
struct Sizes<'a>(&'a QLayerSpec);

impl core::fmt::Debug for Sizes<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            QLayerSpec::Quantize { len, .. } | QLayerSpec::Dequantize { len, .. } => {
                write!(f, "<{len}>")
            }
            QLayerSpec::Dense {
                inputs,
                outputs,
                requant,
                ..
            } => write!(f, "<{inputs}, {outputs}> with {} factor(s)", requant.len()),
            QLayerSpec::Conv2d {
                c_in,
                c_out,
                k,
                h,
                w,
                oh,
                ow,
                stride,
                pad,
                ..
            } => write!(
                f,
                "<{c_in}, {c_out}, {k}, {h}, {w}, {oh}, {ow}, {stride}, {pad}>"
            ),
            QLayerSpec::Pool2d {
                c,
                h,
                w,
                oh,
                ow,
                k,
                stride,
                ..
            } => write!(f, "<{c}, {h}, {w}, {oh}, {ow}, {k}, {stride}>"),
            QLayerSpec::Flatten { c, h, w } | QLayerSpec::Unflatten { c, h, w } => {
                write!(f, "<{c}, {h}, {w}, {}>", c * h * w)
            }
        }
    }
}

fn array<T: Copy, const N: usize>(v: &[T]) -> Option<[T; N]> {
    v.try_into().ok()
}

impl<const N: usize> FromSpec for Quantize<N> {
    fn from_spec(layers: &mut &[QLayerSpec], index: &mut usize) -> Result<Self, SpecError> {
        let want = std::format!("Quantize<{N}>");
        match next(layers, index, &want)? {
            QLayerSpec::Quantize {
                len,
                scale,
                zero_point,
            } if *len == N => Ok(Self::new(*scale, *zero_point)),
            other => Err(mismatch(*index, &want, other)),
        }
    }
}

impl<const N: usize> FromSpec for Dequantize<N> {
    fn from_spec(layers: &mut &[QLayerSpec], index: &mut usize) -> Result<Self, SpecError> {
        let want = std::format!("Dequantize<{N}>");
        match next(layers, index, &want)? {
            QLayerSpec::Dequantize {
                len,
                scale,
                zero_point,
            } if *len == N => Ok(Self::new(*scale, *zero_point)),
            other => Err(mismatch(*index, &want, other)),
        }
    }
}

impl<const IN: usize, const OUT: usize, R: Requants<OUT>> FromSpec for QDense<IN, OUT, R> {
    fn from_spec(layers: &mut &[QLayerSpec], index: &mut usize) -> Result<Self, SpecError> {
        let want = std::format!(
            "QDense<{IN}, {OUT}> with {} requantization factor(s)",
            R::STORED
        );
        let spec = next(layers, index, &want)?;
        if let QLayerSpec::Dense {
            inputs,
            outputs,
            weights,
            bias,
            requant,
            input_zero_point,
            output,
        } = spec
            && *inputs == IN
            && *outputs == OUT
        {
            let mut w = [[0i8; IN]; OUT];
            for (row, src) in w.iter_mut().zip(weights.chunks_exact(IN)) {
                row.copy_from_slice(src);
            }
            if let (true, Some(b), Some(r)) = (
                weights.len() == IN * OUT,
                array(bias),
                R::from_slice(requant),
            ) {
                return Ok(Self::new(w, b, r, *input_zero_point, *output));
            }
        }
        Err(mismatch(*index, &want, spec))
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
> FromSpec for QConv2d<C_IN, C_OUT, K, H, W, OH, OW, S, P>
{
    fn from_spec(layers: &mut &[QLayerSpec], index: &mut usize) -> Result<Self, SpecError> {
        let want = std::format!("QConv2d<{C_IN}, {C_OUT}, {K}, {H}, {W}, {OH}, {OW}, {S}, {P}>");
        let spec = next(layers, index, &want)?;
        if let QLayerSpec::Conv2d {
            c_in,
            c_out,
            k,
            h,
            w,
            oh,
            ow,
            stride,
            pad,
            weights,
            bias,
            requant,
            input_zero_point,
            output,
        } = spec
            && (*c_in, *c_out, *k, *h, *w, *oh, *ow, *stride, *pad)
                == (C_IN, C_OUT, K, H, W, OH, OW, S, P)
            && weights.len() == C_OUT * C_IN * K * K
        {
            let mut kernel = [[[[0i8; K]; K]; C_IN]; C_OUT];
            for (d, s) in kernel
                .as_flattened_mut()
                .as_flattened_mut()
                .as_flattened_mut()
                .iter_mut()
                .zip(weights)
            {
                *d = *s;
            }
            if let (Some(b), Some(r)) = (array(bias), array(requant)) {
                return Ok(Self::new(kernel, b, r, *input_zero_point, *output));
            }
        }
        Err(mismatch(*index, &want, spec))
    }
}

macro_rules! pool_from_spec {
    ($name:ident, $average:expr) => {
        impl<
            const C: usize,
            const H: usize,
            const W: usize,
            const OH: usize,
            const OW: usize,
            const K: usize,
            const S: usize,
        > FromSpec for $name<C, H, W, OH, OW, K, S>
        {
            fn from_spec(layers: &mut &[QLayerSpec], index: &mut usize) -> Result<Self, SpecError> {
                let want =
                    std::format!("{}<{C}, {H}, {W}, {OH}, {OW}, {K}, {S}>", stringify!($name));
                match next(layers, index, &want)? {
                    QLayerSpec::Pool2d {
                        average,
                        c,
                        h,
                        w,
                        oh,
                        ow,
                        k,
                        stride,
                        min,
                        max,
                    } if *average == $average
                        && (*c, *h, *w, *oh, *ow, *k, *stride) == (C, H, W, OH, OW, K, S) =>
                    {
                        Ok(Self::new(*min, *max))
                    }
                    other => Err(mismatch(*index, &want, other)),
                }
            }
        }
    };
}
pool_from_spec!(QMaxPool2d, false);
pool_from_spec!(QAvgPool2d, true);

impl<const C: usize, const H: usize, const W: usize, const N: usize> FromSpec
    for QFlatten<C, H, W, N>
{
    fn from_spec(layers: &mut &[QLayerSpec], index: &mut usize) -> Result<Self, SpecError> {
        let want = std::format!("QFlatten<{C}, {H}, {W}, {N}>");
        match next(layers, index, &want)? {
            QLayerSpec::Flatten { c, h, w } if (*c, *h, *w) == (C, H, W) => Ok(Self::new()),
            other => Err(mismatch(*index, &want, other)),
        }
    }
}

impl<const C: usize, const H: usize, const W: usize, const N: usize> FromSpec
    for QUnflatten<C, H, W, N>
{
    fn from_spec(layers: &mut &[QLayerSpec], index: &mut usize) -> Result<Self, SpecError> {
        let want = std::format!("QUnflatten<{C}, {H}, {W}, {N}>");
        match next(layers, index, &want)? {
            QLayerSpec::Unflatten { c, h, w } if (*c, *h, *w) == (C, H, W) => Ok(Self::new()),
            other => Err(mismatch(*index, &want, other)),
        }
    }
}
