//! `Dense<IN, OUT>`: the fully connected layer y = W·x + b.

use crate::init::{Init, fill_uniform};
use crate::layer::{Layer, signature};
use crate::layers::frozen::Biased;
use crate::layers::kind;
use crate::math::{axpy, axpy4, dot, dot_rows4, dot_samples4};
use crate::optim::Optimizer;
use crate::params::{Params, Slot};
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

impl<const IN: usize, const OUT: usize> Params for Dense<IN, OUT> {
    const BLOCKS: usize = 2;
    const LEN: usize = IN * OUT + OUT;
    fn block(&self, i: usize) -> &[f32] {
        self.param_block(i)
    }
    fn block_mut(&mut self, i: usize) -> &mut [f32] {
        self.param_block_mut(i)
    }
}

impl<const IN: usize, const OUT: usize> Layer for Dense<IN, OUT> {
    type Input = [f32; IN];
    type Output = [f32; OUT];
    /// The input, for the weight gradient.
    type Cache = [f32; IN];
    /// A dense layer trains everything it stores, so its gradient is another `Dense`.
    type Grads = Self;

    const PARAMS: usize = IN * OUT + OUT;
    const PARAM_BLOCKS: usize = 2;
    const SIGNATURE: u64 = signature::of(kind::DENSE, &[IN, OUT]);

    #[inline]
    fn infer_into(&self, x: &[f32; IN], y: &mut [f32; OUT]) {
        // Four rows at a time share the loads of x; each output is still bias + dot(row, x)
        // in `dot`'s fixed order, bit for bit.
        *y = self.bias;
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
    }

    #[inline]
    fn forward(&self, x: &[f32; IN], cache: &mut [f32; IN], y: &mut [f32; OUT]) {
        *cache = *x;
        self.infer_into(x, y);
    }

    #[inline]
    fn backward(
        &self,
        x: &mut [f32; IN],
        dy: &[f32; OUT],
        dx: Option<&mut [f32; IN]>,
        grads: Option<&mut Self>,
    ) {
        if let Some(g) = grads {
            for ((grow, gb), &d) in g.weights.iter_mut().zip(&mut g.bias).zip(dy) {
                axpy(d, x, grow);
                *gb += d;
            }
        }
        if let Some(dx) = dx {
            // dx = Wᵀ·dy, accumulated row by row so the inner loop runs over contiguous
            // memory.
            *dx = [0.0; IN];
            for (row, &d) in self.weights.iter().zip(dy) {
                axpy(d, row, dx);
            }
        }
    }

    #[inline]
    fn forward4(&self, x: [&[f32; IN]; 4], cache: [&mut [f32; IN]; 4], y: [&mut [f32; OUT]; 4]) {
        for (c, x) in cache.into_iter().zip(x) {
            *c = *x;
        }
        // Each row is read once for the four samples; each output is bias + dot(row, x) in
        // `dot`'s order, as in `infer_into`, bit for bit.
        let [y0, y1, y2, y3] = y;
        let outputs = y0
            .iter_mut()
            .zip(y1.iter_mut())
            .zip(y2.iter_mut())
            .zip(y3.iter_mut());
        for ((((y0, y1), y2), y3), (row, b)) in outputs.zip(self.weights.iter().zip(&self.bias)) {
            let d = dot_samples4(row, x);
            *y0 = b + d[0];
            *y1 = b + d[1];
            *y2 = b + d[2];
            *y3 = b + d[3];
        }
    }

    #[inline]
    fn backward4(
        &self,
        x: [&mut [f32; IN]; 4],
        dy: [&[f32; OUT]; 4],
        dx: Option<[&mut [f32; IN]; 4]>,
        grads: Option<&mut Self>,
    ) {
        let xs = x.each_ref().map(|x| x.as_slice());
        if let Some(g) = grads {
            // One pass over each gradient row for four samples, adding lane 0, 1, 2, 3 in
            // that order: the sums of four `backward` calls, bit for bit.
            // `zip(0..OUT)`, not `enumerate`: the index is provably below OUT (no overflow
            // check, no bounds check).
            for (o, (grow, gb)) in (0..OUT).zip(g.weights.iter_mut().zip(&mut g.bias)) {
                let d = dy.map(|dy| dy[o]);
                axpy4(d, xs, grow);
                *gb = (((*gb + d[0]) + d[1]) + d[2]) + d[3];
            }
        }
        if let Some(dx) = dx {
            let [dx0, dx1, dx2, dx3] = dx;
            for dx in [&mut *dx0, &mut *dx1, &mut *dx2, &mut *dx3] {
                *dx = [0.0; IN];
            }
            for (o, row) in (0..OUT).zip(&self.weights) {
                axpy(dy[0][o], row, dx0);
                axpy(dy[1][o], row, dx1);
                axpy(dy[2][o], row, dx2);
                axpy(dy[3][o], row, dx3);
            }
        }
    }

    #[inline]
    fn update<M: Layer, O: Optimizer<M>>(
        &mut self,
        x: &[f32; IN],
        dy: &[f32; OUT],
        opt: &mut O,
        first: usize,
    ) {
        // The weight gradient of one sample is the outer product dy ⊗ x: handed over as is,
        // it never needs a buffer.
        let weights = self.weights.as_flattened_mut();
        opt.update_outer(Slot::block(first), weights, dy, x, 1.0);
        opt.update_slice(Slot::of(first, 1), &mut self.bias, dy, 1.0);
    }

    #[inline]
    fn apply<M: Layer, O: Optimizer<M>>(
        &mut self,
        grads: &Self,
        scale: f32,
        opt: &mut O,
        first: usize,
    ) {
        let (w, gw) = (
            self.weights.as_flattened_mut(),
            grads.weights.as_flattened(),
        );
        opt.update_slice(Slot::block(first), w, gw, scale);
        opt.update_slice(Slot::of(first, 1), &mut self.bias, &grads.bias, scale);
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

impl<const IN: usize, const OUT: usize> Biased for Dense<IN, OUT> {
    type Bias = [f32; OUT];

    fn bias_grad(&self, _: &[f32; IN], dy: &[f32; OUT], grads: &mut [f32; OUT]) {
        for (g, d) in grads.iter_mut().zip(dy) {
            *g += d;
        }
    }

    fn bias_mut(&mut self) -> &mut [f32] {
        &mut self.bias
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
        let mut y = [0.0; 2];
        l.forward(&x, &mut cache, &mut y);
        let mut g = Dense::ZERO;
        let mut dx = [0.0; 3];
        l.backward(&mut cache, &[1.0, 2.0], Some(&mut dx), Some(&mut g));
        assert_eq!(g.weights, [[1.0, -1.0, 2.0], [2.0, -2.0, 4.0]]);
        assert_eq!(g.bias, [1.0, 2.0]);
        assert_eq!(dx, [1.0 - 2.0, 2.0 + 1.0, 3.0]);
        // Gradients accumulate.
        l.backward(&mut cache, &[1.0, 0.0], None, Some(&mut g));
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
