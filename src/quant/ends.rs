//! `Quantize` and `Dequantize`: the float ↔ int8 boundary at the two ends of a quantized
//! model (TFLite's `QUANTIZE` and `DEQUANTIZE`). The only float code in [`crate::quant`].

use crate::quant::layer::QLayer;
use crate::quant::output::round_half_away;

/// `f32` → int8: `clamp(zero_point + round(x / scale))`, ties away from zero, as TFLite's
/// reference `QUANTIZE`. NaN becomes the zero point.
///
/// ```
/// use stacknet::quant::{QLayer, Quantize};
/// let q = Quantize::<3>::new(0.5, -10);
/// assert_eq!(q.infer(&[1.0, -0.25, 1000.0]), [-8, -11, 127]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantize<const N: usize> {
    /// Size of one int8 step.
    pub scale: f32,
    /// The int8 value that represents 0.0.
    pub zero_point: i32,
}

/// int8 → `f32`: `scale · (q − zero_point)`.
///
/// ```
/// use stacknet::quant::{Dequantize, QLayer};
/// let d = Dequantize::<2>::new(0.25, 4);
/// assert_eq!(d.infer(&[8, 0]), [1.0, -1.0]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dequantize<const N: usize> {
    /// Size of one int8 step.
    pub scale: f32,
    /// The int8 value that represents 0.0.
    pub zero_point: i32,
}

impl<const N: usize> Quantize<N> {
    /// The layer for `scale` and `zero_point`. Usable in `const` and `static` items.
    pub const fn new(scale: f32, zero_point: i32) -> Self {
        Self { scale, zero_point }
    }
}

impl<const N: usize> Dequantize<N> {
    /// The layer for `scale` and `zero_point`. Usable in `const` and `static` items.
    pub const fn new(scale: f32, zero_point: i32) -> Self {
        Self { scale, zero_point }
    }
}

impl<const N: usize> QLayer for Quantize<N> {
    type Input = [f32; N];
    type Output = [i8; N];

    fn infer(&self, x: &[f32; N]) -> [i8; N] {
        let mut y = [0i8; N];
        for (q, &v) in y.iter_mut().zip(x) {
            let r = round_half_away(v / self.scale).saturating_add(self.zero_point);
            *q = r.clamp(-128, 127) as i8;
        }
        y
    }
}

impl<const N: usize> QLayer for Dequantize<N> {
    type Input = [i8; N];
    type Output = [f32; N];

    fn infer(&self, x: &[i8; N]) -> [f32; N] {
        let mut y = [0.0f32; N];
        for (v, &q) in y.iter_mut().zip(x) {
            // In i64: the zero point is any `i32` a caller set, and `q - zero_point` could
            // overflow an i32 (the same value, so the same f32, whenever it does not).
            *v = self.scale * (i64::from(q) - i64::from(self.zero_point)) as f32;
        }
        y
    }
}
