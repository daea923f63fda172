//! Trained weights as Rust source: a `static` whose const initializer holds every
//! parameter, so the model lives in flash and inference needs no RAM for parameters.
//!
//! This is stacknet's answer to the C arrays TensorFlow Lite Micro users generate with
//! `xxd -i`, except that the result is a typed model value checked by the compiler:
//!
//! ```
//! use stacknet::{chain, Dense, Init, Layer, Sigmoid, Zero};
//! use stacknet::std::codegen::Codegen;
//! type Xor = chain![Dense<2, 4>, Sigmoid<4>, Dense<4, 1>, Sigmoid<1>];
//! let mut model = Xor::ZERO;
//! model.init(Init::XavierUniform, &mut stacknet::rng(1));
//!
//! let source = Codegen::new().type_name("Xor").source(&model);
//! assert!(source.contains("pub type Xor = stacknet::chain![stacknet::Dense<2, 4>, stacknet::Sigmoid<4>,"));
//! assert!(source.contains("pub static MODEL: Xor = stacknet::model!["));
//! // Write it next to the firmware with `Codegen::write_file`, then `mod model;` it:
//! // `model::MODEL.infer(&x)` runs straight from flash.
//! ```
//!
//! The file also holds a compile-time assertion that the type's
//! [`SIGNATURE`](crate::Layer::SIGNATURE) is the one the weights were generated for.

use crate::layer::Layer;
use crate::layers::activation::{Act, IdentityFn, LeakyReluFn, ReluFn, SigmoidFn, TanhFn};
use crate::layers::{
    AvgPool1d, AvgPool2d, Conv1d, Conv2d, Dense, Flatten, GlobalAvgPool1d, Gru, Last, Lstm,
    MaxPool1d, MaxPool2d, Readout, Sequence, Softmax, Standardize, StandardizeChannels, Transpose,
    Unflatten, UnflattenSeries,
};
use core::fmt::Write as _;
use std::path::Path;
use std::string::String;

/// A layer (or chain of layers) that can write itself as Rust source: its type and a
/// `const` expression that rebuilds its value.
///
/// Implemented for every layer in [`crate::layers`] and for chains of them. A layer defined
/// in another crate can implement it too: write the type path and a `const fn` call.
pub trait RustSource {
    /// True for chains `(A, B)`; a chain in first position is written as a nested
    /// `chain![..]`/`model![..]` so the nesting is kept.
    const IS_CHAIN: bool = false;

    /// Writes the type, e.g. `stacknet::Dense<2, 4>`; a chain writes its layers separated
    /// by `", "`. `krate` is the path the generated file uses for this crate.
    fn write_type(out: &mut String, krate: &str);

    /// Writes a const expression for this value, e.g. `stacknet::Dense::from_parts(..)`; a
    /// chain writes its layers' expressions separated by `",\n"`.
    fn write_expr(&self, out: &mut String, krate: &str);
}

/// Writes `v` as a Rust expression that yields exactly the same `f32` bits.
fn write_f32(out: &mut String, v: f32) {
    if v.is_nan() {
        out.push_str("f32::NAN");
    } else if v == f32::INFINITY {
        out.push_str("f32::INFINITY");
    } else if v == f32::NEG_INFINITY {
        out.push_str("f32::NEG_INFINITY");
    } else {
        // `Debug` prints the shortest decimal that parses back to the same f32, always
        // with a `.` or an exponent, so it is a float literal.
        let _ = write!(out, "{v:?}");
    }
}

/// Writes `data` as nested array literals with the given dimensions (outermost first).
fn write_array(out: &mut String, data: &[f32], dims: &[usize], indent: usize) {
    match dims {
        [] => {}
        [_] => {
            out.push('[');
            for (i, &v) in data.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_f32(out, v);
            }
            out.push(']');
        }
        [n, inner @ ..] => {
            let step = if *n == 0 { 0 } else { data.len() / n };
            out.push_str("[\n");
            for chunk in data.chunks(step.max(1)).take(*n) {
                push_indent(out, indent + 1);
                write_array(out, chunk, inner, indent + 1);
                out.push_str(",\n");
            }
            push_indent(out, indent);
            out.push(']');
        }
    }
}

fn push_indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("    ");
    }
}

/// Writes `krate::Name::from_parts(weights, bias)` for a layer with a weight block of
/// shape `dims` and a bias block.
fn write_from_parts<L: Layer>(
    layer: &L,
    out: &mut String,
    krate: &str,
    path: &str,
    dims: &[usize],
) {
    let _ = writeln!(out, "{krate}::{path}::from_parts(");
    push_indent(out, 2);
    write_array(out, layer.param_block(0), dims, 2);
    out.push_str(",\n");
    push_indent(out, 2);
    write_array(out, layer.param_block(1), &[layer.param_block(1).len()], 2);
    out.push_str(",\n");
    push_indent(out, 1);
    out.push(')');
}

impl<const IN: usize, const OUT: usize> RustSource for Dense<IN, OUT> {
    fn write_type(out: &mut String, krate: &str) {
        let _ = write!(out, "{krate}::Dense<{IN}, {OUT}>");
    }
    fn write_expr(&self, out: &mut String, krate: &str) {
        write_from_parts(self, out, krate, "Dense", &[OUT, IN]);
    }
}

impl<const N: usize> RustSource for Standardize<N> {
    fn write_type(out: &mut String, krate: &str) {
        let _ = write!(out, "{krate}::layers::Standardize<{N}>");
    }
    fn write_expr(&self, out: &mut String, krate: &str) {
        // Shift and scale are the two blocks, in the order `from_parts` takes them.
        write_from_parts(self, out, krate, "layers::Standardize", &[N]);
    }
}

impl<const C: usize, const H: usize, const W: usize> RustSource for StandardizeChannels<C, H, W> {
    fn write_type(out: &mut String, krate: &str) {
        let _ = write!(out, "{krate}::layers::StandardizeChannels<{C}, {H}, {W}>");
    }
    fn write_expr(&self, out: &mut String, krate: &str) {
        write_from_parts(self, out, krate, "layers::StandardizeChannels", &[C]);
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
> RustSource for Conv2d<C_IN, C_OUT, K, H, W, OH, OW, S, P>
{
    fn write_type(out: &mut String, krate: &str) {
        let _ = write!(
            out,
            "{krate}::layers::Conv2d<{C_IN}, {C_OUT}, {K}, {H}, {W}, {OH}, {OW}, {S}, {P}>"
        );
    }
    fn write_expr(&self, out: &mut String, krate: &str) {
        write_from_parts(self, out, krate, "layers::Conv2d", &[C_OUT, C_IN, K, K]);
    }
}

/// Names of an element-wise activation function, for generated source.
pub trait ActivationName {
    /// The vector alias in the crate root, e.g. `"Sigmoid"` for `Sigmoid<N>`.
    const ALIAS: &'static str;
    /// The function type's name in `layers::activation`, e.g. `"SigmoidFn"`.
    const FN_TYPE: &'static str;
}

macro_rules! activation_names {
    ($($f:ty => $alias:literal, $name:literal;)*) => {$(
        impl ActivationName for $f {
            const ALIAS: &'static str = $alias;
            const FN_TYPE: &'static str = $name;
        }
    )*};
}

activation_names! {
    SigmoidFn => "Sigmoid", "SigmoidFn";
    TanhFn => "Tanh", "TanhFn";
    ReluFn => "Relu", "ReluFn";
    LeakyReluFn => "LeakyRelu", "LeakyReluFn";
    IdentityFn => "Identity", "IdentityFn";
}

/// The shape of a tensor type, for generated source.
pub trait TensorShape {
    /// Dimensions, outermost first: `[N]`, `[H, W]` or `[C, H, W]`.
    const DIMS: &'static [usize];
}

impl<const N: usize> TensorShape for [f32; N] {
    const DIMS: &'static [usize] = &[N];
}

impl<const H: usize, const W: usize> TensorShape for [[f32; W]; H] {
    const DIMS: &'static [usize] = &[H, W];
}

impl<const C: usize, const H: usize, const W: usize> TensorShape for [[[f32; W]; H]; C] {
    const DIMS: &'static [usize] = &[C, H, W];
}

impl<F: ActivationName, T: TensorShape> RustSource for Act<F, T> {
    fn write_type(out: &mut String, krate: &str) {
        match T::DIMS {
            [n] => {
                let _ = write!(out, "{krate}::{}<{n}>", F::ALIAS);
            }
            dims => {
                let _ = write!(
                    out,
                    "{krate}::Act<{krate}::layers::activation::{}, ",
                    F::FN_TYPE
                );
                let mut ty = String::from("f32");
                for d in dims.iter().rev() {
                    ty = std::format!("[{ty}; {d}]");
                }
                out.push_str(&ty);
                out.push('>');
            }
        }
    }
    fn write_expr(&self, out: &mut String, krate: &str) {
        let _ = write!(out, "{krate}::Act::new()");
    }
}

impl<const N: usize> RustSource for Softmax<N> {
    fn write_type(out: &mut String, krate: &str) {
        let _ = write!(out, "{krate}::Softmax<{N}>");
    }
    fn write_expr(&self, out: &mut String, krate: &str) {
        let _ = write!(out, "{krate}::Softmax::new()");
    }
}

impl<
    const C: usize,
    const H: usize,
    const W: usize,
    const OH: usize,
    const OW: usize,
    const K: usize,
    const S: usize,
> RustSource for MaxPool2d<C, H, W, OH, OW, K, S>
{
    fn write_type(out: &mut String, krate: &str) {
        let _ = write!(
            out,
            "{krate}::layers::MaxPool2d<{C}, {H}, {W}, {OH}, {OW}, {K}, {S}>"
        );
    }
    fn write_expr(&self, out: &mut String, krate: &str) {
        let _ = write!(out, "{krate}::layers::MaxPool2d::new()");
    }
}

impl<
    const C: usize,
    const H: usize,
    const W: usize,
    const OH: usize,
    const OW: usize,
    const K: usize,
    const S: usize,
> RustSource for AvgPool2d<C, H, W, OH, OW, K, S>
{
    fn write_type(out: &mut String, krate: &str) {
        let _ = write!(
            out,
            "{krate}::layers::AvgPool2d<{C}, {H}, {W}, {OH}, {OW}, {K}, {S}>"
        );
    }
    fn write_expr(&self, out: &mut String, krate: &str) {
        let _ = write!(out, "{krate}::layers::AvgPool2d::new()");
    }
}

impl<const C: usize, const H: usize, const W: usize, const N: usize> RustSource
    for Flatten<C, H, W, N>
{
    fn write_type(out: &mut String, krate: &str) {
        let _ = write!(out, "{krate}::layers::Flatten<{C}, {H}, {W}, {N}>");
    }
    fn write_expr(&self, out: &mut String, krate: &str) {
        let _ = write!(out, "{krate}::layers::Flatten::new()");
    }
}

impl<const C: usize, const H: usize, const W: usize, const N: usize> RustSource
    for Unflatten<C, H, W, N>
{
    fn write_type(out: &mut String, krate: &str) {
        let _ = write!(out, "{krate}::layers::Unflatten<{C}, {H}, {W}, {N}>");
    }
    fn write_expr(&self, out: &mut String, krate: &str) {
        let _ = write!(out, "{krate}::layers::Unflatten::new()");
    }
}

impl<
    const C_IN: usize,
    const C_OUT: usize,
    const K: usize,
    const T: usize,
    const OT: usize,
    const S: usize,
    const P: usize,
> RustSource for Conv1d<C_IN, C_OUT, K, T, OT, S, P>
{
    fn write_type(out: &mut String, krate: &str) {
        let _ = write!(
            out,
            "{krate}::layers::Conv1d<{C_IN}, {C_OUT}, {K}, {T}, {OT}, {S}, {P}>"
        );
    }
    fn write_expr(&self, out: &mut String, krate: &str) {
        write_from_parts(self, out, krate, "layers::Conv1d", &[C_OUT, C_IN, K]);
    }
}

/// The name of a recurrent layer's readout type (`Last` or `Sequence`), for generated source.
pub trait ReadoutName {
    /// The type's name in `layers`.
    const NAME: &'static str;
}

impl ReadoutName for Last {
    const NAME: &'static str = "Last";
}

impl ReadoutName for Sequence {
    const NAME: &'static str = "Sequence";
}

/// Writes `krate::path::from_parts(weight_ih, weight_hh, bias_ih, bias_hh)` for a recurrent
/// layer with `gates` gate blocks (PyTorch's layout: the four stored blocks in that order).
fn write_recurrent<L: Layer>(
    layer: &L,
    out: &mut String,
    krate: &str,
    path: &str,
    [gates, inputs, hidden]: [usize; 3],
) {
    let _ = writeln!(out, "{krate}::{path}::from_parts(");
    let shapes: [&[usize]; 4] = [
        &[gates, hidden, inputs],
        &[gates, hidden, hidden],
        &[gates, hidden],
        &[gates, hidden],
    ];
    for (block, dims) in shapes.into_iter().enumerate() {
        push_indent(out, 2);
        write_array(out, layer.param_block(block), dims, 2);
        out.push_str(",\n");
    }
    push_indent(out, 1);
    out.push(')');
}

impl<const IN: usize, const H: usize, const T: usize, RO: Readout<H, T> + ReadoutName> RustSource
    for Gru<IN, H, T, RO>
{
    fn write_type(out: &mut String, krate: &str) {
        let _ = write!(
            out,
            "{krate}::layers::Gru<{IN}, {H}, {T}, {krate}::layers::{}>",
            RO::NAME
        );
    }
    fn write_expr(&self, out: &mut String, krate: &str) {
        write_recurrent(self, out, krate, "layers::Gru", [3, IN, H]);
    }
}

impl<const IN: usize, const H: usize, const T: usize, RO: Readout<H, T> + ReadoutName> RustSource
    for Lstm<IN, H, T, RO>
{
    fn write_type(out: &mut String, krate: &str) {
        let _ = write!(
            out,
            "{krate}::layers::Lstm<{IN}, {H}, {T}, {krate}::layers::{}>",
            RO::NAME
        );
    }
    fn write_expr(&self, out: &mut String, krate: &str) {
        write_recurrent(self, out, krate, "layers::Lstm", [4, IN, H]);
    }
}

/// Parameter-free layers: the type with its const parameters, and `::new()`.
macro_rules! stateless_source {
    ($($name:ident<$($p:ident),*>;)*) => {$(
        impl<$(const $p: usize),*> RustSource for $name<$($p),*> {
            fn write_type(out: &mut String, krate: &str) {
                let _ = write!(out, "{krate}::layers::{}<", stringify!($name));
                let params: &[usize] = &[$($p),*];
                for (i, p) in params.iter().enumerate() {
                    let _ = write!(out, "{}{p}", if i == 0 { "" } else { ", " });
                }
                out.push('>');
            }
            fn write_expr(&self, out: &mut String, krate: &str) {
                let _ = write!(out, "{krate}::layers::{}::new()", stringify!($name));
            }
        }
    )*};
}

stateless_source! {
    MaxPool1d<C, T, OT, K, S>;
    AvgPool1d<C, T, OT, K, S>;
    GlobalAvgPool1d<C, T>;
    Transpose<C, T>;
    UnflattenSeries<C, T, N>;
}

impl<A: RustSource, B: RustSource> RustSource for (A, B) {
    const IS_CHAIN: bool = true;

    fn write_type(out: &mut String, krate: &str) {
        if A::IS_CHAIN {
            let _ = write!(out, "{krate}::chain![");
            A::write_type(out, krate);
            out.push(']');
        } else {
            A::write_type(out, krate);
        }
        out.push_str(", ");
        B::write_type(out, krate);
    }

    fn write_expr(&self, out: &mut String, krate: &str) {
        if A::IS_CHAIN {
            let _ = writeln!(out, "{krate}::model![");
            push_indent(out, 1);
            self.0.write_expr(out, krate);
            out.push_str(",\n");
            push_indent(out, 1);
            out.push(']');
        } else {
            self.0.write_expr(out, krate);
        }
        out.push_str(",\n");
        push_indent(out, 1);
        self.1.write_expr(out, krate);
    }
}

/// Settings for one generated file. Start from [`Codegen::new`] and change what you need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Codegen {
    static_name: String,
    type_name: String,
    define_type: bool,
    krate: String,
}

impl Default for Codegen {
    fn default() -> Self {
        Self::new()
    }
}

impl Codegen {
    /// `pub type Model = stacknet::chain![..]; pub static MODEL: Model = ..;`
    pub fn new() -> Self {
        Self {
            static_name: "MODEL".into(),
            type_name: "Model".into(),
            define_type: true,
            krate: "stacknet".into(),
        }
    }

    /// Name of the generated `static` (default `MODEL`).
    pub fn static_name(mut self, name: &str) -> Self {
        self.static_name = name.into();
        self
    }

    /// Name of the generated type alias (default `Model`).
    pub fn type_name(mut self, name: &str) -> Self {
        self.type_name = name.into();
        self.define_type = true;
        self
    }

    /// Use an existing type (for example `crate::Xor`) for the `static` instead of
    /// generating an alias. The signature assertion still checks that it matches.
    pub fn existing_type(mut self, path: &str) -> Self {
        self.type_name = path.into();
        self.define_type = false;
        self
    }

    /// Path of the stacknet crate in the generated code (default `stacknet`; `::stacknet`
    /// or a re-export path also work).
    pub fn crate_path(mut self, path: &str) -> Self {
        self.krate = path.into();
        self
    }

    /// The generated Rust source for `model`.
    pub fn source<L: Layer + RustSource>(&self, model: &L) -> String {
        let (k, ty, name) = (&self.krate, &self.type_name, &self.static_name);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "// @generated by stacknet::std::codegen from trained weights. Do not edit.\n\
             // {} parameters ({} bytes), signature {:#018x}.\n",
            L::PARAMS,
            core::mem::size_of::<L>(),
            L::SIGNATURE
        );
        if self.define_type {
            let _ = write!(out, "/// The model's architecture.\npub type {ty} = ");
            if L::IS_CHAIN {
                let _ = write!(out, "{k}::chain![");
                L::write_type(&mut out, k);
                out.push(']');
            } else {
                L::write_type(&mut out, k);
            }
            out.push_str(";\n\n");
        }
        let _ = writeln!(
            out,
            "// Fails to build if `{ty}` is not the architecture these weights belong to.\n\
             const _: () = assert!(<{ty} as {k}::Layer>::SIGNATURE == {:#018x});\n",
            L::SIGNATURE
        );
        let _ = write!(
            out,
            "/// The trained model, a const value: its parameters stay in flash.\n\
             #[rustfmt::skip]\n\
             pub static {name}: {ty} = "
        );
        if L::IS_CHAIN {
            let _ = writeln!(out, "{k}::model![");
            push_indent(&mut out, 1);
            model.write_expr(&mut out, k);
            out.push_str(",\n];\n");
        } else {
            model.write_expr(&mut out, k);
            out.push_str(";\n");
        }
        out
    }

    /// Writes [`source`](Self::source) to `path`, replacing the file.
    ///
    /// # Errors
    /// Any I/O error from creating or writing the file.
    pub fn write_file<L: Layer + RustSource>(
        &self,
        model: &L,
        path: impl AsRef<Path>,
    ) -> std::io::Result<()> {
        std::fs::write(path, self.source(model))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Relu, Zero, chain};

    #[test]
    fn floats_round_trip_through_text() {
        for v in [
            0.1f32,
            -1.5,
            1e-7,
            3.402_823_5e38,
            -0.0,
            1e16,
            f32::MIN_POSITIVE,
            1.0 / 3.0,
        ] {
            let mut s = String::new();
            write_f32(&mut s, v);
            assert!(
                s.contains('.') || s.contains('e'),
                "{s} is not a float literal"
            );
            assert_eq!(s.parse::<f32>().unwrap().to_bits(), v.to_bits(), "{s}");
        }
    }

    #[test]
    fn nested_chain_keeps_its_shape() {
        type Inner = chain![Dense<2, 3>, Relu<3>];
        type Net = (Inner, Dense<3, 1>);
        let mut ty = String::new();
        Net::write_type(&mut ty, "sn");
        assert_eq!(
            ty,
            "sn::chain![sn::Dense<2, 3>, sn::Relu<3>], sn::Dense<3, 1>"
        );
        let src = Codegen::new().source(&Net::ZERO);
        assert!(
            src.contains("stacknet::model![\n    stacknet::model![\n"),
            "{src}"
        );
    }
}
