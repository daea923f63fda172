//! Turning a fully-int8 TFLite graph into a [`QModelSpec`]: checks every tensor's type,
//! shape and quantization, converts TFLite's NHWC layouts to stacknet's C×H×W, and folds
//! Keras' `Flatten` into a permutation of the next dense layer's columns.

use crate::layers::conv::out_size;
use crate::quant::{FusedActivation, OutputStage, Requant};
use crate::std::quantized_model::{QLayerSpec, QModelSpec};
use crate::std::tflite::error::TfliteError;
use crate::std::tflite::flatbuffer::Table;
use crate::std::tflite::schema::{Operator, Tensor, op, operator_codes, ty};
use std::string::String;
use std::vec::Vec;

/// The shape of the data flowing between operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    Flat(usize),
    /// TFLite's `[1, H, W, C]`.
    Map {
        h: usize,
        w: usize,
        c: usize,
    },
}

/// Everything the importer needs from the file, read up front.
struct Graph<'a> {
    tensors: Vec<Tensor>,
    ops: Vec<Operator<'a>>,
    buffers: Vec<&'a [u8]>,
    input: i32,
    output: i32,
}

fn read_graph(bytes: &[u8]) -> Result<Graph<'_>, TfliteError> {
    if bytes.len() < 8 {
        return Err(TfliteError::Malformed {
            what: String::from("file header (shorter than 8 bytes)"),
            offset: 0,
        });
    }
    let model = Table::root(bytes)?;
    let codes = operator_codes(&model)?;
    let subgraphs = model.vector(2, 4, "model subgraphs")?;
    if subgraphs.len() != 1 {
        return Err(model_error(std::format!(
            "{} subgraphs; stacknet imports models with exactly one",
            subgraphs.len()
        )));
    }
    let g = subgraphs.table(0, "subgraph 0")?;
    let tv = g.vector(0, 4, "subgraph tensors")?;
    let tensors = (0..tv.len())
        .map(|i| Tensor::read(&tv.table(i, &std::format!("tensor {i}"))?, i))
        .collect::<Result<Vec<_>, _>>()?;
    let ov = g.vector(3, 4, "subgraph operators")?;
    let ops = (0..ov.len())
        .map(|i| Operator::read(&ov.table(i, &std::format!("operator {i}"))?, i, &codes))
        .collect::<Result<Vec<_>, _>>()?;
    let bv = model.vector(4, 4, "model buffers")?;
    let buffers = (0..bv.len())
        .map(|i| {
            let what = std::format!("buffer {i}");
            Ok(bv.table(i, &what)?.vector(0, 1, &what)?.bytes())
        })
        .collect::<Result<Vec<_>, TfliteError>>()?;
    let inputs = g.vector(1, 4, "subgraph inputs")?.i32s("subgraph inputs")?;
    let outputs = g
        .vector(2, 4, "subgraph outputs")?
        .i32s("subgraph outputs")?;
    let (&[input], &[output]) = (inputs.as_slice(), outputs.as_slice()) else {
        return Err(model_error(std::format!(
            "{} inputs and {} outputs; stacknet imports models with one of each",
            inputs.len(),
            outputs.len()
        )));
    };
    Ok(Graph {
        tensors,
        ops,
        buffers,
        input,
        output,
    })
}

fn model_error(reason: String) -> TfliteError {
    TfliteError::Unsupported {
        index: usize::MAX,
        op: String::new(),
        reason,
    }
}

/// Scale and zero point of a per-tensor quantized int8 tensor.
pub type Quantization = (f32, i32);

/// Scale and zero point of a model's input and output tensors, `((scale, zero_point),
/// (scale, zero_point))`: what a fully-int8 model (int8 in, int8 out, no `QUANTIZE` /
/// `DEQUANTIZE` operators) expects its caller to quantize inputs and dequantize outputs
/// with (`q = clamp(round(x / scale) + zero_point)`, `x = scale · (q − zero_point)`).
/// A float end reports the quantization of the int8 tensor next to it.
///
/// # Errors
/// As [`import`], for a malformed file or ends that are not per-tensor int8.
pub fn io_quantization(bytes: &[u8]) -> Result<(Quantization, Quantization), TfliteError> {
    let g = read_graph(bytes)?;
    let end = |t: i32, op: Option<&Operator<'_>>, what: &str| {
        // Through a float QUANTIZE/DEQUANTIZE end to the int8 tensor beyond it.
        let t = match op {
            Some(o) if o.code == op::QUANTIZE && o.inputs.first() == Some(&t) => {
                o.outputs.first().copied().unwrap_or(t)
            }
            Some(o) if o.code == op::DEQUANTIZE && o.outputs.first() == Some(&t) => {
                o.inputs.first().copied().unwrap_or(t)
            }
            _ => t,
        };
        let tensor = usize::try_from(t).ok().and_then(|i| g.tensors.get(i));
        match tensor.map(|x| (x.ty, x.scales.as_slice(), x.zero_points.as_slice())) {
            Some((ty::INT8, &[s], &[z])) if s > 0.0 && (-128..=127).contains(&z) => {
                Ok((s, z as i32))
            }
            _ => Err(model_error(std::format!(
                "the model's {what} is not a per-tensor quantized int8 tensor"
            ))),
        }
    };
    Ok((
        end(g.input, g.ops.first(), "input")?,
        end(g.output, g.ops.last(), "output")?,
    ))
}

/// Reads a fully-int8 `.tflite` model (as written by TensorFlow's converter with
/// `inference_input_type = tf.int8` or float ends) into a [`QModelSpec`].
///
/// Supported: `FULLY_CONNECTED`, `CONV_2D` (per-channel weights, square kernel, equal
/// strides, no dilation, `SAME` or `VALID`), `MAX_POOL_2D` and `AVERAGE_POOL_2D` (`VALID`),
/// `RESHAPE`, fused `RELU`/`RELU6`, `QUANTIZE` first and `DEQUANTIZE` last. The graph must
/// be a single chain with a batch size of 1.
///
/// # Errors
/// [`TfliteError`] naming the operator or field and where, for truncated or corrupt files,
/// unsupported operators or quantization, and the dynamic-batch `Flatten` pattern.
pub fn import(bytes: &[u8]) -> Result<QModelSpec, TfliteError> {
    let g = read_graph(bytes)?;
    if let Some(index) = g
        .ops
        .iter()
        .position(|o| [op::SHAPE, op::STRIDED_SLICE, op::PACK].contains(&o.code))
    {
        return Err(TfliteError::DynamicFlatten { index });
    }
    let mut ctx = Importer {
        g: &g,
        layers: Vec::new(),
        current: g.input,
        layout: Layout::Flat(0),
        permute: None,
    };
    ctx.layout = ctx.layout_of(g.input, usize::MAX, "model input")?;
    for (index, o) in g.ops.iter().enumerate() {
        ctx.op(index, o)?;
    }
    if ctx.current != g.output {
        return Err(model_error(String::from(
            "the operators do not lead from the model's input to its output as one chain",
        )));
    }
    if ctx.permute.is_some() {
        return Err(model_error(String::from(
            "the model ends in a RESHAPE of a multi-channel map; stacknet cannot reproduce \
             TFLite's H×W×C element order there",
        )));
    }
    Ok(QModelSpec { layers: ctx.layers })
}

/// A layer's int8 weights, int32 bias and requantization factors (one per output
/// channel, or one for per-tensor dense weights).
type Parameters = (Vec<i8>, Vec<i32>, Vec<Requant>);

struct Importer<'g, 'a> {
    g: &'g Graph<'a>,
    layers: Vec<QLayerSpec>,
    /// The tensor that holds the data so far.
    current: i32,
    layout: Layout,
    /// Set after flattening an `H×W×C` map with C > 1: the next dense layer's columns
    /// must be reordered from TFLite's H·W·C order to stacknet's C·H·W.
    permute: Option<(usize, usize, usize)>,
}

fn dim(v: i32) -> Option<usize> {
    usize::try_from(v).ok().filter(|&d| d > 0)
}

impl Importer<'_, '_> {
    fn err(&self, index: usize, o: &Operator<'_>, reason: String) -> TfliteError {
        TfliteError::Unsupported {
            index,
            op: o.name(),
            reason,
        }
    }

    fn tensor(&self, t: i32, index: usize, what: &str) -> Result<&Tensor, TfliteError> {
        usize::try_from(t)
            .ok()
            .and_then(|i| self.g.tensors.get(i))
            .ok_or_else(|| TfliteError::Malformed {
                what: std::format!("operator {index} {what} tensor index {t}"),
                offset: 0,
            })
    }

    fn layout_of(&self, t: i32, index: usize, what: &str) -> Result<Layout, TfliteError> {
        let tensor = self.tensor(t, index, what)?;
        let bad = || {
            model_error(std::format!(
                "{what} tensor '{}' has shape {:?}; stacknet needs [1, N] or [1, H, W, C] \
                 (a batch of 1)",
                tensor.name,
                tensor.shape
            ))
        };
        match tensor.shape.as_slice() {
            [1, n] => dim(*n).map(Layout::Flat).ok_or_else(bad),
            [n] => dim(*n).map(Layout::Flat).ok_or_else(bad),
            [1, h, w, c] => match (dim(*h), dim(*w), dim(*c)) {
                (Some(h), Some(w), Some(c)) => Ok(Layout::Map { h, w, c }),
                _ => Err(bad()),
            },
            _ => Err(bad()),
        }
    }

    /// Scale and zero point of a per-tensor quantized int8 activation.
    fn activation(
        &self,
        t: &Tensor,
        index: usize,
        o: &Operator<'_>,
    ) -> Result<(f32, i32), TfliteError> {
        if t.ty != ty::INT8 {
            return Err(self.err(
                index,
                o,
                std::format!(
                    "tensor '{}' is of type {} (int8 = 9 required)",
                    t.name,
                    t.ty
                ),
            ));
        }
        match (t.scales.as_slice(), t.zero_points.as_slice()) {
            (&[s], &[z]) if s.is_finite() && s > 0.0 && (-128..=127).contains(&z) => {
                Ok((s, z as i32))
            }
            _ => Err(self.err(
                index,
                o,
                std::format!(
                    "tensor '{}' needs one positive scale and an int8 zero point (has {} \
                     scales, {} zero points)",
                    t.name,
                    t.scales.len(),
                    t.zero_points.len()
                ),
            )),
        }
    }

    fn data(
        &self,
        t: &Tensor,
        index: usize,
        o: &Operator<'_>,
        bytes: usize,
    ) -> Result<&[u8], TfliteError> {
        let data = self
            .g
            .buffers
            .get(t.buffer as usize)
            .copied()
            .unwrap_or(&[]);
        if data.len() != bytes {
            return Err(self.err(
                index,
                o,
                std::format!(
                    "constant tensor '{}' (buffer {}) holds {} bytes, {} expected",
                    t.name,
                    t.buffer,
                    data.len(),
                    bytes
                ),
            ));
        }
        Ok(data)
    }

    /// Per-channel weights (int8, symmetric) and int32 bias for `c_out` channels, and the
    /// requantization factors, as TFLite computes them in double precision.
    fn weights_and_bias(
        &self,
        index: usize,
        o: &Operator<'_>,
        c_out: usize,
        per_tensor_ok: bool,
        in_scale: f32,
        out_scale: f32,
    ) -> Result<Parameters, TfliteError> {
        let wt = self.tensor(*o.inputs.get(1).unwrap_or(&-1), index, "weights")?;
        if wt.ty != ty::INT8 {
            return Err(self.err(index, o, std::format!("weights '{}' are not int8", wt.name)));
        }
        let scales: Vec<f32> = match wt.scales.len() {
            n if n == c_out => wt.scales.clone(),
            // per-tensor dense weights keep their single factor (`QDense<_, _, PerTensor>`)
            1 if per_tensor_ok => wt.scales.clone(),
            n => {
                return Err(self.err(
                    index,
                    o,
                    std::format!(
                        "weights '{}' have {n} scale(s): per-channel quantization ({c_out} \
                         scales, one per output channel) is required; convert without \
                         disabling per-channel quantization",
                        wt.name
                    ),
                ));
            }
        };
        if wt.zero_points.iter().any(|&z| z != 0) || wt.quantized_dimension != 0 {
            return Err(self.err(
                index,
                o,
                std::format!(
                    "weights '{}' must be symmetric (zero points 0) and quantized along \
                     dimension 0",
                    wt.name
                ),
            ));
        }
        let weights: Vec<i8> = self
            .data(wt, index, o, wt.len())?
            .iter()
            .map(|&b| b as i8)
            .collect();
        let bias = match o.inputs.get(2) {
            None | Some(-1) => std::vec![0; c_out],
            Some(&b) => {
                let bt = self.tensor(b, index, "bias")?;
                if bt.ty != ty::INT32 || bt.len() != c_out {
                    return Err(self.err(
                        index,
                        o,
                        std::format!("bias '{}' must be {c_out} int32 values", bt.name),
                    ));
                }
                self.data(bt, index, o, 4 * c_out)?
                    .chunks_exact(4)
                    .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect()
            }
        };
        let requant = scales
            .iter()
            .map(|&ws| {
                let m = in_scale as f64 * ws as f64 / out_scale as f64;
                Requant::from_real(m).ok_or_else(|| {
                    self.err(
                        index,
                        o,
                        std::format!("weights '{}' have an invalid scale {ws}", wt.name),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok((weights, bias, requant))
    }

    fn fused(
        &self,
        index: usize,
        o: &Operator<'_>,
        code: u8,
    ) -> Result<FusedActivation, TfliteError> {
        match code {
            0 => Ok(FusedActivation::None),
            1 => Ok(FusedActivation::Relu),
            3 => Ok(FusedActivation::Relu6),
            other => Err(self.err(
                index,
                o,
                std::format!("fused activation {other} (only NONE, RELU and RELU6 are supported)"),
            )),
        }
    }

    fn options<'b>(&self, index: usize, o: &Operator<'b>) -> Result<Table<'b>, TfliteError> {
        o.options
            .ok_or_else(|| self.err(index, o, String::from("the operator has no options table")))
    }

    fn op(&mut self, index: usize, o: &Operator<'_>) -> Result<(), TfliteError> {
        let (Some(&input), Some(&output)) = (o.inputs.first(), o.outputs.first()) else {
            return Err(self.err(index, o, String::from("no input or output tensor")));
        };
        if input != self.current {
            return Err(self.err(
                index,
                o,
                String::from(
                    "its input is not the previous operator's output: stacknet imports \
                     single-chain models only",
                ),
            ));
        }
        let t_in = self.tensor(input, index, "input")?.clone();
        let t_out = self.tensor(output, index, "output")?.clone();
        let out_layout = self.layout_of(output, index, "output")?;
        let first = index == 0;
        let last = index + 1 == self.g.ops.len();
        match o.code {
            op::QUANTIZE if first && t_in.ty == ty::FLOAT32 => {
                let (scale, zero_point) = self.activation(&t_out, index, o)?;
                self.layers.push(QLayerSpec::Quantize {
                    len: t_out.len(),
                    scale,
                    zero_point,
                });
            }
            op::DEQUANTIZE if last && t_out.ty == ty::FLOAT32 => {
                let (scale, zero_point) = self.activation(&t_in, index, o)?;
                self.layers.push(QLayerSpec::Dequantize {
                    len: t_in.len(),
                    scale,
                    zero_point,
                });
            }
            op::QUANTIZE | op::DEQUANTIZE => {
                return Err(self.err(
                    index,
                    o,
                    String::from(
                        "float ↔ int8 conversions are supported only as the first \
                         (QUANTIZE) and last (DEQUANTIZE) operator",
                    ),
                ));
            }
            op::FULLY_CONNECTED => self.dense(index, o, &t_in, &t_out)?,
            op::CONV_2D => self.conv(index, o, &t_in, &t_out, out_layout)?,
            op::MAX_POOL_2D | op::AVERAGE_POOL_2D => {
                self.pool(index, o, &t_in, &t_out, out_layout)?
            }
            op::RESHAPE => self.reshape(index, o, out_layout)?,
            _ => {
                return Err(TfliteError::UnsupportedOp {
                    index,
                    op: o.name(),
                });
            }
        }
        self.current = output;
        self.layout = out_layout;
        Ok(())
    }

    fn dense(
        &mut self,
        index: usize,
        o: &Operator<'_>,
        t_in: &Tensor,
        t_out: &Tensor,
    ) -> Result<(), TfliteError> {
        let opts = self.options(index, o)?;
        let what = std::format!("operator {index} options");
        let act = self.fused(index, o, opts.u8(0, 0, &what)?)?;
        if opts.u8(1, 0, &what)? != 0 {
            return Err(self.err(
                index,
                o,
                String::from("shuffled weight formats are not supported"),
            ));
        }
        if let Layout::Map { h, w, c } = self.layout {
            // FULLY_CONNECTED flattens a map itself: make that explicit.
            self.flatten(h, w, c);
        }
        let (in_scale, in_zp) = self.activation(t_in, index, o)?;
        let (out_scale, out_zp) = self.activation(t_out, index, o)?;
        let wt = self.tensor(*o.inputs.get(1).unwrap_or(&-1), index, "weights")?;
        let (Some(outputs), Some(inputs)) = (
            wt.shape.first().copied().and_then(dim),
            wt.shape.get(1).copied().and_then(dim),
        ) else {
            return Err(self.err(index, o, std::format!("weights '{}' are not 2-D", wt.name)));
        };
        if wt.shape.len() != 2
            || Layout::Flat(inputs) != self.flat_layout()
            || t_out.len() != outputs
        {
            return Err(self.err(
                index,
                o,
                std::format!(
                    "weights {:?} do not fit input {:?} and output {:?}",
                    wt.shape,
                    t_in.shape,
                    t_out.shape
                ),
            ));
        }
        let (mut weights, bias, requant) =
            self.weights_and_bias(index, o, outputs, true, in_scale, out_scale)?;
        if let Some((h, w, c)) = self.permute.take() {
            weights = permute_columns(&weights, inputs, h, w, c);
        }
        let output = OutputStage::new(out_scale, out_zp, act)
            .ok_or_else(|| self.err(index, o, String::from("invalid output quantization")))?;
        self.layers.push(QLayerSpec::Dense {
            inputs,
            outputs,
            weights,
            bias,
            requant,
            input_zero_point: in_zp,
            output,
        });
        Ok(())
    }

    fn flat_layout(&self) -> Layout {
        match self.layout {
            Layout::Flat(n) => Layout::Flat(n),
            Layout::Map { h, w, c } => Layout::Flat(h * w * c),
        }
    }

    fn flatten(&mut self, h: usize, w: usize, c: usize) {
        self.layers.push(QLayerSpec::Flatten { c, h, w });
        if c > 1 && h * w > 1 {
            self.permute = Some((h, w, c));
        }
        self.layout = Layout::Flat(h * w * c);
    }

    fn reshape(&mut self, index: usize, o: &Operator<'_>, out: Layout) -> Result<(), TfliteError> {
        match (self.layout, out) {
            (a, b) if a == b => {}
            (Layout::Map { h, w, c }, Layout::Flat(n)) if n == h * w * c => self.flatten(h, w, c),
            (Layout::Flat(n), Layout::Map { h, w, c })
                if n == h * w * c && (c == 1 || h * w == 1) =>
            {
                self.layers.push(QLayerSpec::Unflatten { c, h, w });
            }
            (a, b) => {
                return Err(self.err(
                    index,
                    o,
                    std::format!("reshape from {a:?} to {b:?} is not supported"),
                ));
            }
        }
        Ok(())
    }

    fn map_in(&self, index: usize, o: &Operator<'_>) -> Result<(usize, usize, usize), TfliteError> {
        match self.layout {
            Layout::Map { h, w, c } => Ok((h, w, c)),
            Layout::Flat(_) => Err(self.err(index, o, String::from("needs a [1, H, W, C] input"))),
        }
    }

    fn conv(
        &mut self,
        index: usize,
        o: &Operator<'_>,
        t_in: &Tensor,
        t_out: &Tensor,
        out: Layout,
    ) -> Result<(), TfliteError> {
        let (h, w, c_in) = self.map_in(index, o)?;
        let Layout::Map {
            h: oh,
            w: ow,
            c: c_out,
        } = out
        else {
            return Err(self.err(index, o, String::from("output is not a map")));
        };
        let opts = self.options(index, o)?;
        let what = std::format!("operator {index} options");
        let same = opts.u8(0, 0, &what)? == 0;
        let (sw, sh) = (opts.i32(1, 0, &what)?, opts.i32(2, 0, &what)?);
        let act = self.fused(index, o, opts.u8(3, 0, &what)?)?;
        let (dw, dh) = (opts.i32(4, 1, &what)?, opts.i32(5, 1, &what)?);
        if (dw, dh) != (1, 1) {
            return Err(self.err(
                index,
                o,
                std::format!("dilation {dh}×{dw} is not supported"),
            ));
        }
        let stride = match dim(sw) {
            Some(s) if sw == sh => s,
            _ => {
                return Err(self.err(
                    index,
                    o,
                    std::format!("strides {sh}×{sw}: equal positive strides required"),
                ));
            }
        };
        let wt = self.tensor(*o.inputs.get(1).unwrap_or(&-1), index, "weights")?;
        let k = match wt.shape.as_slice() {
            &[co, kh, kw, ci]
                if dim(co) == Some(c_out)
                    && dim(ci) == Some(c_in)
                    && kh == kw
                    && dim(kh).is_some() =>
            {
                kh as usize
            }
            s => {
                return Err(self.err(
                    index,
                    o,
                    std::format!("weights '{}' of shape {s:?}: a square [C_OUT, K, K, C_IN] kernel is required", wt.name),
                ));
            }
        };
        let pad_of = |n: usize, on: usize| {
            if same {
                (on.saturating_sub(1)
                    .saturating_mul(stride)
                    .saturating_add(k))
                .saturating_sub(n)
                    / 2
            } else {
                0
            }
        };
        let (pad, pad_w) = (pad_of(h, oh), pad_of(w, ow));
        let fits = |n: usize, on: usize| {
            on == out_size(n, k, stride, pad) || on == out_size(n.saturating_add(1), k, stride, pad)
        };
        if pad != pad_w || pad >= k || !fits(h, oh) || !fits(w, ow) {
            return Err(self.err(
                index,
                o,
                std::format!("padding {pad}/{pad_w} for {h}×{w} → {oh}×{ow} with kernel {k}, stride {stride} is not supported"),
            ));
        }
        let (in_scale, in_zp) = self.activation(t_in, index, o)?;
        let (out_scale, out_zp) = self.activation(t_out, index, o)?;
        let (tfl, bias, requant) =
            self.weights_and_bias(index, o, c_out, false, in_scale, out_scale)?;
        // [o][ky][kx][ci] → [o][ci][ky][kx]
        let mut weights = std::vec![0i8; tfl.len()];
        for oc in 0..c_out {
            for ky in 0..k {
                for kx in 0..k {
                    for ci in 0..c_in {
                        weights[((oc * c_in + ci) * k + ky) * k + kx] =
                            tfl[((oc * k + ky) * k + kx) * c_in + ci];
                    }
                }
            }
        }
        let output = OutputStage::new(out_scale, out_zp, act)
            .ok_or_else(|| self.err(index, o, String::from("invalid output quantization")))?;
        self.layers.push(QLayerSpec::Conv2d {
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
            input_zero_point: in_zp,
            output,
        });
        Ok(())
    }

    fn pool(
        &mut self,
        index: usize,
        o: &Operator<'_>,
        t_in: &Tensor,
        t_out: &Tensor,
        out: Layout,
    ) -> Result<(), TfliteError> {
        let (h, w, c) = self.map_in(index, o)?;
        let Layout::Map {
            h: oh,
            w: ow,
            c: oc,
        } = out
        else {
            return Err(self.err(index, o, String::from("output is not a map")));
        };
        let opts = self.options(index, o)?;
        let what = std::format!("operator {index} options");
        let (sw, sh) = (opts.i32(1, 0, &what)?, opts.i32(2, 0, &what)?);
        let (fw, fh) = (opts.i32(3, 0, &what)?, opts.i32(4, 0, &what)?);
        let act = self.fused(index, o, opts.u8(5, 0, &what)?)?;
        let (Some(stride), Some(k)) = (dim(sw), dim(fw)) else {
            return Err(self.err(index, o, String::from("zero stride or window")));
        };
        if sw != sh
            || fw != fh
            || oc != c
            || oh != out_size(h, k, stride, 0)
            || ow != out_size(w, k, stride, 0)
        {
            return Err(self.err(
                index,
                o,
                std::format!(
                    "window {fh}×{fw}, stride {sh}×{sw}, {h}×{w} → {oh}×{ow}: square windows, \
                     equal strides and VALID padding are required"
                ),
            ));
        }
        let (in_scale, in_zp) = self.activation(t_in, index, o)?;
        let (out_scale, out_zp) = self.activation(t_out, index, o)?;
        if in_scale != out_scale || in_zp != out_zp {
            return Err(self.err(
                index,
                o,
                String::from("input and output quantization differ"),
            ));
        }
        let stage = OutputStage::new(out_scale, out_zp, act)
            .ok_or_else(|| self.err(index, o, String::from("invalid output quantization")))?;
        self.layers.push(QLayerSpec::Pool2d {
            average: o.code == op::AVERAGE_POOL_2D,
            c,
            h,
            w,
            oh,
            ow,
            k,
            stride,
            min: stage.min,
            max: stage.max,
        });
        Ok(())
    }
}

/// Reorders dense weight columns from TFLite's flattened `H·W·C` order to stacknet's
/// `C·H·W` (what [`QFlatten`](crate::quant::QFlatten) produces).
fn permute_columns(weights: &[i8], inputs: usize, h: usize, w: usize, c: usize) -> Vec<i8> {
    let mut out = std::vec![0i8; weights.len()];
    for (dst, src) in out
        .chunks_exact_mut(inputs)
        .zip(weights.chunks_exact(inputs))
    {
        for y in 0..h {
            for x in 0..w {
                for ch in 0..c {
                    dst[(ch * h + y) * w + x] = src[(y * w + x) * c + ch];
                }
            }
        }
    }
    out
}
