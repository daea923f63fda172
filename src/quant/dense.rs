//! `QDense<IN, OUT, R>`: the int8 fully connected layer (TFLite's `FULLY_CONNECTED`).

use crate::quant::fixed_point::multiply_by_quantized_multiplier_single as requantize;
use crate::quant::layer::QLayer;
use crate::quant::output::OutputStage;
use crate::quant::requant::Requant;
use crate::quant::scales::{PerChannel, Requants};

/// Int8 fully connected layer, TFLite's integer scheme:
/// `y[o] = clamp(zp_out + requant[o](bias[o] + Σ_i w[o][i]·(x[i] − zp_in)))`.
///
/// Weights are symmetric int8 (zero point 0), with one scale per output channel
/// (`R = `[`PerChannel`], the default) or one for the layer
/// (`R = `[`PerTensor`](crate::quant::PerTensor), less flash for layers with many outputs
/// and few inputs); the bias is int32 in units of `scale_in · scale_w[o]`, and
/// `requant[o]` is the fixed-point factor `scale_in · scale_w[o] / scale_out`.
///
/// The `−zp_in · Σ_i w[o][i]` term does not depend on
/// the input, so [`new`](Self::new) folds it into the accumulator's start value and the
/// inner loop is a plain int8 dot product: one multiply and one add per weight, in
/// 32-bit integers (exact, so the result is the same bit for bit as TFLite's order).
///
/// ```
/// use stacknet::quant::{OutputStage, PerChannel, QDense, QLayer, Requant};
/// // y = x0 − x1 at scale 1 (multiplier ½ · 2¹ = 1), zero points 0.
/// let one = Requant { multiplier: 1 << 30, shift: 1 };
/// let layer = QDense::<2, 1>::new([[1, -1]], [0], PerChannel::new([one]), 0, OutputStage::plain(0));
/// assert_eq!(layer.infer(&[50, 20]), [30]);
/// assert_eq!(layer.infer(&[-100, 100]), [-128]); // saturates
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QDense<const IN: usize, const OUT: usize, R = PerChannel<OUT>> {
    weights: [[i8; IN]; OUT],
    /// `bias[o] − zp_in · Σ_i w[o][i]`: where each output's accumulator starts. The bias
    /// itself is not stored (it follows from this, the weights and the zero point).
    start: [i32; OUT],
    requant: R,
    input_zero_point: i32,
    output: OutputStage,
}

impl<const IN: usize, const OUT: usize, R: Requants<OUT>> QDense<IN, OUT, R> {
    /// A layer from int8 weights `[out][in]`, int32 bias, the requantization factors, the
    /// input zero point and the output stage. Usable in `const` and `static` items.
    pub const fn new(
        weights: [[i8; IN]; OUT],
        bias: [i32; OUT],
        requant: R,
        input_zero_point: i32,
        output: OutputStage,
    ) -> Self {
        const {
            assert!(
                IN > 0 && OUT > 0,
                "QDense<IN, OUT> needs IN > 0 and OUT > 0"
            )
        };
        let mut start = [0i32; OUT];
        let mut o = 0;
        while o < OUT {
            let mut sum = 0i32;
            let mut i = 0;
            while i < IN {
                sum = sum.wrapping_add(weights[o][i] as i32);
                i += 1;
            }
            start[o] = bias[o].wrapping_sub(sum.wrapping_mul(input_zero_point));
            o += 1;
        }
        Self {
            weights,
            start,
            requant,
            input_zero_point,
            output,
        }
    }

    /// The int8 weights, `[out][in]`.
    pub const fn weights(&self) -> &[[i8; IN]; OUT] {
        &self.weights
    }
    /// The int32 bias (scale `scale_in · scale_w[o]`, zero point 0).
    pub fn bias(&self) -> [i32; OUT] {
        let mut bias = self.start;
        for (b, row) in bias.iter_mut().zip(&self.weights) {
            let sum = row.iter().fold(0i32, |s, &w| s.wrapping_add(w as i32));
            *b = b.wrapping_add(sum.wrapping_mul(self.input_zero_point));
        }
        bias
    }
    /// The per-output-channel requantization factors.
    pub fn requant(&self) -> [Requant; OUT] {
        let mut r = [Requant::ZERO; OUT];
        for (o, r) in r.iter_mut().enumerate() {
            let (multiplier, shift) = self.requant.factor(o);
            *r = Requant {
                multiplier,
                shift: shift as i32,
            };
        }
        r
    }
    /// The input zero point.
    pub const fn input_zero_point(&self) -> i32 {
        self.input_zero_point
    }
    /// The output zero point and clamp range.
    pub const fn output(&self) -> OutputStage {
        self.output
    }
}

/// `Σ w[i]·x[i]` over int8 vectors in 32-bit integers, four products per iteration (the
/// sum is exact, so the grouping does not change the result).
#[inline(always)]
fn dot_i8(w: &[i8], x: &[i8]) -> i32 {
    let (wq, wr) = w.as_chunks::<4>();
    let (xq, xr) = x.as_chunks::<4>();
    let mut acc = 0i32;
    for (a, b) in wq.iter().zip(xq) {
        let p01 = (a[0] as i32 * b[0] as i32).wrapping_add(a[1] as i32 * b[1] as i32);
        let p23 = (a[2] as i32 * b[2] as i32).wrapping_add(a[3] as i32 * b[3] as i32);
        acc = acc.wrapping_add(p01).wrapping_add(p23);
    }
    for (a, b) in wr.iter().zip(xr) {
        acc = acc.wrapping_add(*a as i32 * *b as i32);
    }
    acc
}

impl<const IN: usize, const OUT: usize, R: Requants<OUT>> QLayer for QDense<IN, OUT, R> {
    type Input = [i8; IN];
    type Output = [i8; OUT];

    fn infer(&self, x: &[i8; IN]) -> [i8; OUT] {
        let mut y = [0i8; OUT];
        let rows = self.weights.iter().zip(&self.start);
        // `zip(0..OUT)`, not `enumerate()`: a range cannot overflow.
        for ((yo, (row, start)), o) in y.iter_mut().zip(rows).zip(0..OUT) {
            let acc = start.wrapping_add(dot_i8(row, x));
            let (multiplier, shift) = self.requant.factor(o);
            *yo = self.output.finish(requantize(acc, multiplier, shift));
        }
        y
    }
}

#[cfg(test)]
#[allow(clippy::needless_range_loop)] // the direct formula, index by index
mod tests {
    use super::*;

    #[test]
    fn folded_zero_point_equals_the_direct_formula() {
        let r = Requant::from_real(0.013).unwrap();
        let w = [[3i8, -7, 127, -127, 0], [1, 2, 3, 4, 5]];
        let layer = QDense::<5, 2>::new(
            w,
            [100, -2000],
            PerChannel::new([r, r]),
            -5,
            OutputStage::plain(9),
        );
        let shared = QDense::<5, 2, crate::quant::PerTensor>::new(
            w,
            [100, -2000],
            crate::quant::PerTensor::new(r),
            -5,
            OutputStage::plain(9),
        );
        assert_eq!(
            shared.infer(&[1, 2, 3, 4, 5]),
            layer.infer(&[1, 2, 3, 4, 5])
        );
        let x = [-128i8, 127, 3, -4, 55];
        let y = layer.infer(&x);
        for o in 0..2 {
            let mut acc = [100, -2000][o];
            for i in 0..5 {
                acc += w[o][i] as i32 * (x[i] as i32 + 5);
            }
            let want = (r.apply(acc) + 9).clamp(-128, 127) as i8;
            assert_eq!(y[o], want);
        }
        assert_eq!(layer.bias(), [100, -2000]);
        assert_eq!(layer.requant(), [r, r]);
    }
}
