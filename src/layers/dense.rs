//! `Dense<IN, OUT>`: the fully connected layer y = W·x + b.

use crate::init::{Init, fill_uniform};
use crate::layer::{Layer, signature};
use crate::layers::kind;
use crate::math::{axpy, dot, dot_rows4};
use crate::zero::Zero;
use rand_core::Rng;

/// Fully connected layer: `y[o] = bias[o] + Σ_i weights[o][i] · x[i]`.
///
/// Weights are stored row-major as `[[f32; IN]; OUT]` (PyTorch's `nn.Linear.weight` layout),
/// so a row is contiguous and the forward pass is `OUT` dot products. The value is plain
/// data: it can live on the stack, in a `static` (flash), or in another crate's struct.
///
/// ```
/// use stacknet::{Dense, Layer};
/// let layer = Dense::<2, 1>::from_parts([[2.0, -1.0]], [0.5]);
/// assert_eq!(layer.infer(&[1.0, 1.0]), [1.5]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dense<const IN: usize, const OUT: usize> {
    /// `weights[o][i]` connects input `i` to output `o`.
    pub weights: [[f32; IN]; OUT],
    /// One bias per output.
    pub bias: [f32; OUT],
}

impl<const IN: usize, const OUT: usize> Dense<IN, OUT> {
    /// All-zero weights and bias. Usable in `const` and `static` items.
    ///
    /// A layer with no inputs or no outputs is rejected when the program is built:
    ///
    /// ```compile_fail,E0080
    /// let empty = stacknet::Dense::<0, 3>::zeroed();
    /// ```
    pub const fn zeroed() -> Self {
        const { assert!(IN > 0 && OUT > 0, "Dense<IN, OUT> needs IN > 0 and OUT > 0") };
        Self {
            weights: [[0.0; IN]; OUT],
            bias: [0.0; OUT],
        }
    }

    /// A layer from given weights (`[out][in]`) and bias. Usable in `const` and `static` items.
    pub const fn from_parts(weights: [[f32; IN]; OUT], bias: [f32; OUT]) -> Self {
        const { assert!(IN > 0 && OUT > 0, "Dense<IN, OUT> needs IN > 0 and OUT > 0") };
        Self { weights, bias }
    }
}

impl<const IN: usize, const OUT: usize> Zero for Dense<IN, OUT> {
    const ZERO: Self = Self::zeroed();
}

impl<const IN: usize, const OUT: usize> Layer for Dense<IN, OUT> {
    type Input = [f32; IN];
    type Output = [f32; OUT];
    type Cache = [f32; IN];

    const PARAMS: usize = IN * OUT + OUT;
    const PARAM_BLOCKS: usize = 2;
    const SIGNATURE: u64 = signature::of(kind::DENSE, &[IN, OUT]);

    #[inline]
    fn infer(&self, x: &[f32; IN]) -> [f32; OUT] {
        // Four rows at a time share the loads of x; each output is still bias + dot(row, x)
        // in `dot`'s fixed order, bit for bit.
        let mut y = self.bias;
        let (quads, rest) = self.weights.as_chunks::<4>();
        let (y_quads, y_rest) = y.as_chunks_mut::<4>();
        for (ys, rows) in y_quads.iter_mut().zip(quads) {
            for (yo, d) in ys.iter_mut().zip(dot_rows4(rows, x)) {
                *yo += d;
            }
        }
        for (yo, row) in y_rest.iter_mut().zip(rest) {
            *yo += dot(row, x);
        }
        y
    }

    #[inline]
    fn forward(&self, x: &[f32; IN], cache: &mut [f32; IN]) -> [f32; OUT] {
        *cache = *x;
        self.infer(x)
    }

    #[inline]
    fn backward(&self, x: &[f32; IN], dy: &[f32; OUT], grads: &mut Self) -> [f32; IN] {
        self.backward_params(x, dy, grads);
        // dx = Wᵀ·dy, accumulated row by row so the inner loop runs over contiguous memory.
        let mut dx = [0.0; IN];
        for (row, &d) in self.weights.iter().zip(dy) {
            axpy(d, row, &mut dx);
        }
        dx
    }

    #[inline]
    fn backward_params(&self, x: &[f32; IN], dy: &[f32; OUT], grads: &mut Self) {
        for ((grow, gb), &d) in grads.weights.iter_mut().zip(&mut grads.bias).zip(dy) {
            axpy(d, x, grow);
            *gb += d;
        }
    }

    fn param_block(&self, i: usize) -> &[f32] {
        match i {
            0 => self.weights.as_flattened(),
            1 => &self.bias,
            _ => &[],
        }
    }

    fn param_block_mut(&mut self, i: usize) -> &mut [f32] {
        match i {
            0 => self.weights.as_flattened_mut(),
            1 => &mut self.bias,
            _ => &mut [],
        }
    }

    fn init<R: Rng + ?Sized>(&mut self, init: Init, rng: &mut R) {
        fill_uniform(self.weights.as_flattened_mut(), init.limit(IN, OUT), rng);
        self.bias = [0.0; OUT];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer() -> Dense<3, 2> {
        Dense::from_parts([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]], [0.1, -0.2])
    }

    #[test]
    fn forward_is_affine() {
        let y = layer().infer(&[1.0, -1.0, 2.0]);
        assert!((y[0] - (1.0 - 2.0 + 6.0 + 0.1)).abs() < 1e-6);
        assert!((y[1] - (-1.0 - 0.5 - 0.2)).abs() < 1e-6);
    }

    #[test]
    fn backward_by_hand() {
        let l = layer();
        let x = [1.0, -1.0, 2.0];
        let mut cache = Zero::ZERO;
        l.forward(&x, &mut cache);
        let mut g = Dense::ZERO;
        let dx = l.backward(&cache, &[1.0, 2.0], &mut g);
        assert_eq!(g.weights, [[1.0, -1.0, 2.0], [2.0, -2.0, 4.0]]);
        assert_eq!(g.bias, [1.0, 2.0]);
        assert_eq!(dx, [1.0 - 2.0, 2.0 + 1.0, 3.0]);
        // Gradients accumulate.
        l.backward_params(&cache, &[1.0, 0.0], &mut g);
        assert_eq!(g.bias, [2.0, 2.0]);
    }

    #[test]
    fn init_is_seeded_and_bounded() {
        let mut a = Dense::<10, 5>::ZERO;
        let mut b = Dense::<10, 5>::ZERO;
        a.init(Init::XavierUniform, &mut crate::rng(3));
        b.init(Init::XavierUniform, &mut crate::rng(3));
        assert_eq!(a, b);
        let lim = Init::XavierUniform.limit(10, 5);
        assert!(a.weights.as_flattened().iter().all(|w| w.abs() <= lim));
        assert!(a.weights.as_flattened().iter().any(|w| *w != 0.0));
    }
}
