//! `Softmax<N>`: probabilities from logits, with its exact Jacobian in backward.

use crate::layer::{Layer, signature};
use crate::layers::kind;
use crate::math;
use crate::zero::Zero;

/// softmax(x)_i = e^(x_i − max x) / Σ_j e^(x_j − max x).
///
/// Subtracting the maximum keeps every exponent ≤ 0, so inputs up to ±1e30 give finite
/// probabilities. NaN anywhere in the input gives NaN everywhere (it is not hidden);
/// a `+∞` entry gets all the mass.
///
/// For training a classifier, end the model with logits and use
/// [`SoftmaxCrossEntropy`](crate::loss::SoftmaxCrossEntropy), which fuses softmax and
/// cross-entropy into the simple, stable gradient `p − t`; append `Softmax` to a trained
/// model for inference probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Softmax<const N: usize>;

impl<const N: usize> Softmax<N> {
    /// The layer (it has no parameters).
    pub const fn new() -> Self {
        Self
    }
}

impl<const N: usize> Zero for Softmax<N> {
    const ZERO: Self = Self;
}

/// Softmax of `x` with the given exponential.
pub(crate) fn softmax_with<const N: usize>(x: &[f32; N], exp: fn(f32) -> f32) -> [f32; N] {
    let max = x.iter().fold(
        f32::NEG_INFINITY,
        |m, &v| if v > m || v.is_nan() { v } else { m },
    );
    let mut y = [0.0; N];
    if max == f32::INFINITY {
        // Every +∞ entry shares the mass; the rest get 0 (the limit of the finite formula).
        // A fold, not `count()`: its counter carries an overflow check that opt-level `s`
        // keeps (at most N, so wrapping never happens).
        let count = x
            .iter()
            .filter(|v| **v == f32::INFINITY)
            .fold(0usize, |n, _| n.wrapping_add(1)) as f32;
        for (yi, &xi) in y.iter_mut().zip(x) {
            *yi = if xi == f32::INFINITY {
                1.0 / count
            } else {
                0.0
            };
        }
        return y;
    }
    let mut sum = 0.0;
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi = exp(xi - max);
        sum += *yi;
    }
    let inv = 1.0 / sum;
    y.iter_mut().for_each(|v| *v *= inv);
    y
}

impl<const N: usize> Layer for Softmax<N> {
    type Input = [f32; N];
    type Output = [f32; N];
    type Cache = [f32; N];
    type Grads = ();

    const PARAMS: usize = 0;
    const PARAM_BLOCKS: usize = 0;
    const SIGNATURE: u64 = signature::of(kind::SOFTMAX, &[N]);

    fn infer_into(&self, x: &[f32; N], y: &mut [f32; N]) {
        *y = softmax_with(x, math::exp_infer);
    }

    fn forward(&self, x: &[f32; N], cache: &mut [f32; N], y: &mut [f32; N]) {
        *cache = softmax_with(x, math::exp);
        *y = *cache;
    }

    /// dx_i = y_i · (dy_i − Σ_j dy_j · y_j): the Jacobian-vector product, O(N).
    fn backward(
        &self,
        y: &mut [f32; N],
        dy: &[f32; N],
        dx: Option<&mut [f32; N]>,
        _: Option<&mut ()>,
    ) {
        let Some(dx) = dx else { return };
        let s: f32 = y.iter().zip(dy).map(|(a, b)| a * b).sum();
        for ((d, &yi), &dyi) in dx.iter_mut().zip(y.iter()).zip(dy) {
            *d = yi * (dyi - s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_to_one_and_is_shift_invariant() {
        let s = Softmax::<3>;
        let a = s.infer(&[1.0, 2.0, 3.0]);
        let b = s.infer(&[101.0, 102.0, 103.0]);
        assert!((a.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        for i in 0..3 {
            assert!((a[i] - b[i]).abs() < 1e-6);
        }
    }

    #[test]
    fn extremes() {
        let s = Softmax::<3>;
        assert_eq!(s.infer(&[1e30, -1e30, 0.0]), [1.0, 0.0, 0.0]);
        assert_eq!(
            s.infer(&[f32::INFINITY, 0.0, f32::INFINITY]),
            [0.5, 0.0, 0.5]
        );
        assert!(s.infer(&[f32::NAN, 0.0, 1.0]).iter().all(|v| v.is_nan()));
        let y = s.infer(&[f32::NEG_INFINITY, 0.0, 0.0]);
        assert_eq!(y, [0.0, 0.5, 0.5]);
    }
}
