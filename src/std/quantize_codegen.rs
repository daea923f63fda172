//! Quantized models as Rust source: a type alias built with `chain!` and a `static` whose
//! const initializer holds every int8 weight, so the model lives in flash (the int8
//! counterpart of [`crate::std::codegen`]).

use crate::quant::{OutputStage, Requant};
use crate::std::quantized_model::{QLayerSpec, QModelSpec};
use core::fmt::Write as _;
use std::string::String;

/// Largest number of values written on one line of a generated array.
const PER_LINE: usize = 24;

fn write_ints<T: core::fmt::Display>(out: &mut String, values: &[T], indent: &str) {
    out.push('[');
    for (i, v) in values.iter().enumerate() {
        if i % PER_LINE == 0 && values.len() > PER_LINE {
            out.push('\n');
            out.push_str(indent);
            out.push_str("    ");
        } else if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{v},");
    }
    if values.len() > PER_LINE {
        out.push('\n');
        out.push_str(indent);
    }
    out.push(']');
}

/// Writes `values` as nested arrays of the given dimensions (outermost first).
fn write_nested<T: core::fmt::Display>(
    out: &mut String,
    values: &[T],
    dims: &[usize],
    indent: usize,
) {
    let pad = "    ".repeat(indent);
    match dims {
        [] | [_] => write_ints(out, values, &pad),
        [n, inner @ ..] => {
            let step = values.len() / (*n).max(1);
            out.push_str("[\n");
            for chunk in values.chunks(step.max(1)).take(*n) {
                out.push_str(&pad);
                out.push_str("    ");
                write_nested(out, chunk, inner, indent + 1);
                out.push_str(",\n");
            }
            out.push_str(&pad);
            out.push(']');
        }
    }
}

fn write_one_requant(out: &mut String, krate: &str, r: Requant) {
    let _ = write!(
        out,
        "{krate}::quant::Requant {{ multiplier: {}, shift: {} }}",
        r.multiplier, r.shift
    );
}

fn write_requant(out: &mut String, krate: &str, requant: &[Requant]) {
    out.push('[');
    for (i, r) in requant.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_one_requant(out, krate, *r);
    }
    out.push(']');
}

fn write_stage(out: &mut String, krate: &str, s: OutputStage) {
    let _ = write!(
        out,
        "{krate}::quant::OutputStage {{ zero_point: {}, min: {}, max: {} }}",
        s.zero_point, s.min, s.max
    );
}

fn write_f32(out: &mut String, v: f32) {
    let _ = write!(out, "{v:?}");
}

impl QLayerSpec {
    /// The layer's type, e.g. `stacknet::quant::QDense<64, 100>`.
    pub fn rust_type(&self, krate: &str) -> String {
        let q = std::format!("{krate}::quant");
        match self {
            Self::Quantize { len, .. } => std::format!("{q}::Quantize<{len}>"),
            Self::Dequantize { len, .. } => std::format!("{q}::Dequantize<{len}>"),
            Self::Dense {
                inputs,
                outputs,
                requant,
                ..
            } => {
                if requant.len() == *outputs {
                    std::format!("{q}::QDense<{inputs}, {outputs}>")
                } else {
                    std::format!("{q}::QDense<{inputs}, {outputs}, {q}::PerTensor>")
                }
            }
            Self::Conv2d {
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
            } => std::format!(
                "{q}::QConv2d<{c_in}, {c_out}, {k}, {h}, {w}, {oh}, {ow}, {stride}, {pad}>"
            ),
            Self::Pool2d {
                average,
                c,
                h,
                w,
                oh,
                ow,
                k,
                stride,
                ..
            } => {
                let name = if *average { "QAvgPool2d" } else { "QMaxPool2d" };
                std::format!("{q}::{name}<{c}, {h}, {w}, {oh}, {ow}, {k}, {stride}>")
            }
            Self::Flatten { c, h, w } => {
                std::format!("{q}::QFlatten<{c}, {h}, {w}, {}>", c * h * w)
            }
            Self::Unflatten { c, h, w } => {
                std::format!("{q}::QUnflatten<{c}, {h}, {w}, {}>", c * h * w)
            }
        }
    }

    /// A const expression that builds the layer.
    pub fn rust_expr(&self, krate: &str) -> String {
        let mut out = String::new();
        let q = std::format!("{krate}::quant");
        match self {
            Self::Quantize {
                scale, zero_point, ..
            }
            | Self::Dequantize {
                scale, zero_point, ..
            } => {
                let name = if matches!(self, Self::Quantize { .. }) {
                    "Quantize"
                } else {
                    "Dequantize"
                };
                let _ = write!(out, "{q}::{name}::new(");
                write_f32(&mut out, *scale);
                let _ = write!(out, ", {zero_point})");
            }
            Self::Dense {
                inputs,
                outputs,
                weights,
                bias,
                requant,
                input_zero_point,
                output,
            } => {
                let _ = writeln!(out, "{q}::QDense::new(");
                out.push_str("        ");
                write_nested(&mut out, weights, &[*outputs, *inputs], 2);
                out.push_str(",\n        ");
                write_ints(&mut out, bias, "        ");
                out.push_str(",\n        ");
                match requant.as_slice() {
                    [one] if *outputs != 1 => {
                        let _ = write!(out, "{q}::PerTensor::new(");
                        write_one_requant(&mut out, krate, *one);
                        out.push(')');
                    }
                    _ => {
                        let _ = write!(out, "{q}::PerChannel::new(");
                        write_requant(&mut out, krate, requant);
                        out.push(')');
                    }
                }
                let _ = write!(out, ",\n        {input_zero_point},\n        ");
                write_stage(&mut out, krate, *output);
                out.push_str(",\n    )");
            }
            Self::Conv2d {
                c_in,
                c_out,
                k,
                weights,
                bias,
                requant,
                input_zero_point,
                output,
                ..
            } => {
                let _ = writeln!(out, "{q}::QConv2d::new(");
                out.push_str("        ");
                write_nested(&mut out, weights, &[*c_out, *c_in, *k, *k], 2);
                out.push_str(",\n        ");
                write_ints(&mut out, bias, "        ");
                out.push_str(",\n        ");
                write_requant(&mut out, krate, requant);
                let _ = write!(out, ",\n        {input_zero_point},\n        ");
                write_stage(&mut out, krate, *output);
                out.push_str(",\n    )");
            }
            Self::Pool2d {
                average, min, max, ..
            } => {
                let name = if *average { "QAvgPool2d" } else { "QMaxPool2d" };
                let _ = write!(out, "{q}::{name}::new({min}, {max})");
            }
            Self::Flatten { .. } => {
                let _ = write!(out, "{q}::QFlatten::new()");
            }
            Self::Unflatten { .. } => {
                let _ = write!(out, "{q}::QUnflatten::new()");
            }
        }
        out
    }
}

impl QModelSpec {
    /// Rust source for `pub type {type_name} = chain![..];` and
    /// `pub static {static_name}: {type_name} = model![..];`, with `krate` as the path to
    /// stacknet (`stacknet`, or `crate` inside it). The generated file compiles to the same
    /// typed model [`QModelSpec::build`] gives, and runs from flash.
    pub fn rust_source(&self, type_name: &str, static_name: &str, krate: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "// Generated by stacknet (quantized model, {} layers, {} bytes of parameters).\n\
             // Do not edit: regenerate it instead.\n",
            self.layers.len(),
            self.param_bytes()
        );
        let _ = writeln!(out, "/// The quantized model's type.");
        let _ = writeln!(out, "pub type {type_name} = {krate}::chain![");
        for layer in &self.layers {
            let _ = writeln!(out, "    {},", layer.rust_type(krate));
        }
        out.push_str("];\n\n");
        let _ = writeln!(out, "/// The quantized model, in flash.");
        let _ = writeln!(
            out,
            "pub static {static_name}: {type_name} = {krate}::model!["
        );
        for layer in &self.layers {
            let _ = writeln!(out, "    {},", layer.rust_expr(krate));
        }
        out.push_str("];\n");
        out
    }
}
