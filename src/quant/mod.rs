//! Int8 quantized inference with TensorFlow Lite's integer scheme, bit-exact with its
//! reference kernels: no float on the hot path, no allocator, no panics, shapes in the
//! types.
//!
//! The scheme (TFLite's "full integer quantization"):
//! - activations are int8 with one scale and zero point per tensor: `real = scale·(q − zp)`;
//! - weights are int8, symmetric (zero point 0), one scale per output channel;
//! - biases are int32 with scale `scale_in · scale_w[o]`, accumulators are int32;
//! - each output is rescaled by a fixed-point [`Requant`] (multiplier and shift, rounded
//!   as TFLite's `MultiplyByQuantizedMultiplier`), offset by the output zero point and
//!   clamped to the fused activation's range ([`OutputStage`]).
//!
//! Layers implement [`QLayer`] and chain with [`chain!`](crate::chain) /
//! [`model!`](crate::model) like the float ones:
//!
//! ```
//! use stacknet::{chain, model};
//! use stacknet::quant::{Dequantize, OutputStage, PerChannel, QDense, QLayer, Quantize, Requant};
//! type Tiny = chain![Quantize<2>, QDense<2, 1>, Dequantize<1>];
//! const HALF: Requant = Requant { multiplier: 1 << 30, shift: 0 };
//! static TINY: Tiny = model![
//!     Quantize::new(0.1, 0),
//!     QDense::new([[2, 2]], [0], PerChannel::new([HALF]), 0, OutputStage::plain(0)),
//!     Dequantize::new(0.1, 0),
//! ];
//! assert_eq!(TINY.infer(&[1.0, 2.0]), [3.0]); // 10 and 20 → (2·10 + 2·20)/2 = 30 → 3.0
//! ```

pub mod conv;
pub mod dense;
pub mod ends;
pub mod fixed_point;
pub mod flatten;
pub mod layer;
pub mod output;
pub mod pool;
pub mod requant;
pub mod scales;

pub use conv::{QConv2d, QMap};
pub use dense::QDense;
pub use ends::{Dequantize, Quantize};
pub use flatten::{QFlatten, QUnflatten};
pub use layer::QLayer;
pub use output::{FusedActivation, OutputStage};
pub use pool::{QAvgPool2d, QMaxPool2d};
pub use requant::Requant;
pub use scales::{PerChannel, PerTensor, Requants};
