//! `Lstm`: a long short-term memory layer over a compile-time number of time steps, with
//! exact backpropagation through time.

use crate::init::Init;
use crate::layer::{Layer, signature};
use crate::layers::kind;
use crate::layers::recurrent::{
    Last, Readout, RowGrads, add_weight_grads, affine, gate, gate_block, gate_block_mut,
    init_gates, state_before, sum_over_steps, update_weights,
};
use crate::math::{axpy, sigmoid, tanh};
use crate::optim::Optimizer;
use crate::params::{Params, Slot};
use crate::zero::Zero;
use core::marker::PhantomData;
use rand_core::Rng;

/// Gate blocks, in PyTorch's order.
const I: usize = 0;
const F: usize = 1;
const G: usize = 2;
const O: usize = 3;

/// An LSTM layer, PyTorch's `nn.LSTM(IN, H, batch_first=True)` for one sample: input
/// `[[f32; IN]; T]` (time-major), initial hidden and cell states zero, and per step
///
/// ```text
/// i = σ(W_ii x + b_ii + W_hi h + b_hi)      f = σ(W_if x + b_if + W_hf h + b_hf)
/// g = tanh(W_ig x + b_ig + W_hg h + b_hg)   o = σ(W_io x + b_io + W_ho h + b_ho)
/// c' = f ⊙ c + i ⊙ g                        h' = o ⊙ tanh(c')
/// ```
///
/// The readout `RO` says what it returns: [`Last`] (the default) the final hidden state
/// `[f32; H]`, [`Sequence`](crate::layers::Sequence) every hidden state `[[f32; H]; T]`.
/// Weights use PyTorch's layout and names (`weight_ih_l0` is `[4H][IN]` with gate blocks
/// i, f, g, o; here `[4][H][IN]`, the same memory); the stored blocks come in the state
/// dict's order.
///
/// ```
/// use stacknet::{chain, Dense, Footprint, Init, Layer, Zero};
/// use stacknet::layers::Lstm;
/// type Net = chain![Lstm<6, 16, 50>, Dense<16, 4>];
/// let mut net = Net::ZERO;
/// net.init(Init::XavierUniform, &mut stacknet::rng(0));
/// assert!(net.infer(&[[0.5; 6]; 50]).iter().all(|v| v.is_finite()));
/// assert_eq!(Footprint::of::<Net>().param_count, 4 * 16 * (6 + 16 + 2) + 16 * 4 + 4);
/// ```
///
/// # Memory
/// Parameters `4·4H·(IN + H + 2)` bytes. Training keeps, per step, the input, the hidden
/// and cell states and the four gates ([`LstmCache`], `4·T·(IN + 6H)` bytes, counted by
/// [`Footprint`](crate::Footprint)); `backward` turns the gates into their gradients in
/// place. Inference keeps only the current states.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lstm<const IN: usize, const H: usize, const T: usize, RO = Last> {
    /// Input weights, gate blocks i, f, g, o: `weight_ih[gate][unit][input]`.
    pub weight_ih: [[[f32; IN]; H]; 4],
    /// Recurrent weights, gate blocks i, f, g, o: `weight_hh[gate][unit][unit]`.
    pub weight_hh: [[[f32; H]; H]; 4],
    /// Input biases, `bias_ih[gate][unit]`.
    pub bias_ih: [[f32; H]; 4],
    /// Recurrent biases, `bias_hh[gate][unit]`.
    pub bias_hh: [[f32; H]; 4],
    readout: PhantomData<RO>,
}

/// What an [`Lstm`] remembers for backpropagation through time: per step its input, new
/// hidden and cell states and gates. After `backward`, `gates` holds the gradients of the
/// gate pre-activations, which every weight gradient is a sum over.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LstmCache<const IN: usize, const H: usize, const T: usize> {
    x: [[f32; IN]; T],
    h: [[f32; H]; T],
    c: [[f32; H]; T],
    gates: [[[f32; H]; 4]; T],
}

impl<const IN: usize, const H: usize, const T: usize> Zero for LstmCache<IN, H, T> {
    const ZERO: Self = Self {
        x: [[0.0; IN]; T],
        h: [[0.0; H]; T],
        c: [[0.0; H]; T],
        gates: [[[0.0; H]; 4]; T],
    };
}

impl<const IN: usize, const H: usize, const T: usize> LstmCache<IN, H, T> {
    /// After `forward`: the hidden state after step `t` (`None` past the end).
    pub fn hidden(&self, t: usize) -> Option<&[f32; H]> {
        self.h.get(t)
    }

    /// After `forward`: the cell state after step `t` (`None` past the end); PyTorch's
    /// `c_n` is `cell(T - 1)`.
    pub fn cell(&self, t: usize) -> Option<&[f32; H]> {
        self.c.get(t)
    }

    /// The bias gradient `Σ_t dA[t]` (the same for `bias_ih` and `bias_hh`).
    fn bias_grad(&self) -> [[f32; H]; 4] {
        let mut gb = [[0.0; H]; 4];
        for gates in &self.gates {
            axpy(1.0, gates.as_flattened(), gb.as_flattened_mut());
        }
        gb
    }
}

impl<const IN: usize, const H: usize, const T: usize> RowGrads<IN, H> for LstmCache<IN, H, T> {
    /// `Σ_t dA[t][g][j] · x[t]`, `t` ascending, from zero.
    fn row_grad_ih(&self, g: usize, j: usize, out: &mut [f32; IN]) {
        let steps = self.gates.iter().zip(&self.x);
        sum_over_steps(steps.map(|(gates, x)| (gate(gates, g, j), x)), out);
    }

    /// `Σ_t dA[t][g][j] · h[t − 1]`, `t` ascending (step 0 reads the zero initial state
    /// and adds nothing).
    fn row_grad_hh(&self, g: usize, j: usize, out: &mut [f32; H]) {
        let later = self.gates.iter().skip(1).zip(&self.h);
        sum_over_steps(later.map(|(gates, h)| (gate(gates, g, j), h)), out);
    }
}

impl<const IN: usize, const H: usize, const T: usize, RO> Lstm<IN, H, T, RO> {
    const SHAPE_OK: () = assert!(IN > 0 && H > 0 && T > 0, "Lstm needs IN, H and T > 0");

    /// All-zero weights and biases. Usable in `const` and `static` items.
    pub const fn zeroed() -> Self {
        let () = Self::SHAPE_OK;
        Self {
            weight_ih: [[[0.0; IN]; H]; 4],
            weight_hh: [[[0.0; H]; H]; 4],
            bias_ih: [[0.0; H]; 4],
            bias_hh: [[0.0; H]; 4],
            readout: PhantomData,
        }
    }

    /// A layer from PyTorch-layout parameters. Usable in `const` and `static` items.
    pub const fn from_parts(
        weight_ih: [[[f32; IN]; H]; 4],
        weight_hh: [[[f32; H]; H]; 4],
        bias_ih: [[f32; H]; 4],
        bias_hh: [[f32; H]; 4],
    ) -> Self {
        let () = Self::SHAPE_OK;
        Self {
            weight_ih,
            weight_hh,
            bias_ih,
            bias_hh,
            readout: PhantomData,
        }
    }

    /// One step: from input `x` and states `h`, `c`, writes the gates `[i, f, g, o]` and the
    /// new states.
    #[inline]
    fn step(
        &self,
        x: &[f32; IN],
        (h, c): (&[f32; H], &[f32; H]),
        gates: &mut [[f32; H]; 4],
        h_new: &mut [f32; H],
        c_new: &mut [f32; H],
    ) {
        for j in 0..H {
            let pre = |g: usize| {
                affine(&self.weight_ih, &self.bias_ih, g, j, x)
                    + affine(&self.weight_hh, &self.bias_hh, g, j, h)
            };
            let i = sigmoid(pre(I));
            let f = sigmoid(pre(F));
            let g = tanh(pre(G));
            let o = sigmoid(pre(O));
            gates[I][j] = i;
            gates[F][j] = f;
            gates[G][j] = g;
            gates[O][j] = o;
            c_new[j] = f * c[j] + i * g;
            h_new[j] = o * tanh(c_new[j]);
        }
    }
}

impl<const IN: usize, const H: usize, const T: usize, RO> Zero for Lstm<IN, H, T, RO> {
    const ZERO: Self = Self::zeroed();
}

impl<const IN: usize, const H: usize, const T: usize, RO> Params for Lstm<IN, H, T, RO>
where
    Self: Layer,
{
    const BLOCKS: usize = 4;
    const LEN: usize = 4 * H * (IN + H + 2);
    fn block(&self, i: usize) -> &[f32] {
        self.param_block(i)
    }
    fn block_mut(&mut self, i: usize) -> &mut [f32] {
        self.param_block_mut(i)
    }
}

impl<const IN: usize, const H: usize, const T: usize, RO: Readout<H, T>> Layer
    for Lstm<IN, H, T, RO>
{
    type Input = [[f32; IN]; T];
    type Output = RO::Output;
    type Cache = LstmCache<IN, H, T>;
    /// Every weight trains.
    type Grads = Self;

    const PARAMS: usize = 4 * H * (IN + H + 2);
    const PARAM_BLOCKS: usize = 4;
    const SIGNATURE: u64 = signature::of(kind::LSTM, &[IN, H, T, RO::TAG]);

    fn infer_into(&self, x: &Self::Input, y: &mut Self::Output) {
        let () = Self::SHAPE_OK;
        let (mut h, mut c) = ([0.0; H], [0.0; H]);
        let (mut h_new, mut c_new) = ([0.0; H], [0.0; H]);
        let mut gates = [[0.0; H]; 4];
        for (t, xt) in x.iter().enumerate() {
            self.step(xt, (&h, &c), &mut gates, &mut h_new, &mut c_new);
            (h, c) = (h_new, c_new);
            RO::put(y, t, &h);
        }
    }

    fn forward(&self, x: &Self::Input, cache: &mut Self::Cache, y: &mut Self::Output) {
        let () = Self::SHAPE_OK;
        cache.x = *x;
        let (mut h, mut c) = ([0.0; H], [0.0; H]);
        let steps = cache.gates.iter_mut().zip(&mut cache.h).zip(&mut cache.c);
        // `zip(0..T)`, not `enumerate()`: a range cannot overflow (see `Gru::forward`).
        for ((((gates, h_new), c_new), xt), t) in steps.zip(x).zip(0..T) {
            self.step(xt, (&h, &c), gates, h_new, c_new);
            (h, c) = (*h_new, *c_new);
            RO::put(y, t, &h);
        }
    }

    /// Backpropagation through time, last step first. It always runs (even with `dx` and
    /// `grads` both `None`): it leaves in the cache the per-step pre-activation gradients
    /// that [`update`](Layer::update) and the weight gradients are sums over. The cache's
    /// gates are consumed: run `forward` again before another `backward`.
    fn backward(
        &self,
        cache: &mut Self::Cache,
        dy: &Self::Output,
        mut dx: Option<&mut Self::Input>,
        grads: Option<&mut Self>,
    ) {
        let () = Self::SHAPE_OK;
        // d(loss)/d(h[t]) and d(loss)/d(c[t]) from later steps.
        let (mut dh, mut dc) = ([0.0; H], [0.0; H]);
        for t in (0..T).rev() {
            if let Some(d) = RO::grad_at(dy, t) {
                axpy(1.0, d, &mut dh);
            }
            let c_prev = state_before(&cache.c, t);
            let Some((gates, c)) = cache.gates.get_mut(t).zip(cache.c.get(t)) else {
                return;
            };
            for j in 0..H {
                let (i, f, g, o) = (gates[I][j], gates[F][j], gates[G][j], gates[O][j]);
                let tc = tanh(c[j]);
                let dc_j = dc[j] + dh[j] * o * (1.0 - tc * tc);
                gates[I][j] = dc_j * g * i * (1.0 - i);
                gates[F][j] = dc_j * c_prev[j] * f * (1.0 - f);
                gates[G][j] = dc_j * i * (1.0 - g * g);
                gates[O][j] = dh[j] * tc * o * (1.0 - o);
                dc[j] = dc_j * f;
            }
            // Through the recurrent weights: dh_prev = Σ_g W_hg^T dA_g.
            let mut dh_prev = [0.0; H];
            for (dg, w) in gates.iter().zip(&self.weight_hh) {
                for (&d, row) in dg.iter().zip(w) {
                    axpy(d, row, &mut dh_prev);
                }
            }
            if let Some(dxt) = dx.as_deref_mut().and_then(|dx| dx.get_mut(t)) {
                *dxt = [0.0; IN];
                for (dg, w) in gates.iter().zip(&self.weight_ih) {
                    for (&d, row) in dg.iter().zip(w) {
                        axpy(d, row, dxt);
                    }
                }
            }
            dh = dh_prev;
        }
        if let Some(grads) = grads {
            add_weight_grads(cache, &mut grads.weight_ih, &mut grads.weight_hh);
            let gb = cache.bias_grad();
            axpy(1.0, gb.as_flattened(), grads.bias_ih.as_flattened_mut());
            axpy(1.0, gb.as_flattened(), grads.bias_hh.as_flattened_mut());
        }
    }

    /// Row by row: each weight row's gradient, summed over time into an `IN`- or `H`-sized
    /// stack buffer exactly as `backward` sums it, goes straight to the optimizer.
    fn update<M: Layer, Op: Optimizer<M>>(
        &mut self,
        cache: &Self::Cache,
        _: &Self::Output,
        opt: &mut Op,
        first: usize,
    ) {
        let () = Self::SHAPE_OK;
        update_weights(
            cache,
            (&mut self.weight_ih, &mut self.weight_hh),
            opt,
            first,
        );
        // Sums from +0.0 are never -0.0, so adding them to a zeroed buffer (the buffered
        // path) changes no bit: both paths hand the optimizer the same values.
        let gb = cache.bias_grad();
        let bi = self.bias_ih.as_flattened_mut();
        opt.update_slice(Slot::of(first, 2), bi, gb.as_flattened(), 1.0);
        let bh = self.bias_hh.as_flattened_mut();
        opt.update_slice(Slot::of(first, 3), bh, gb.as_flattened(), 1.0);
    }

    fn apply<M: Layer, Op: Optimizer<M>>(
        &mut self,
        grads: &Self,
        scale: f32,
        opt: &mut Op,
        first: usize,
    ) {
        for b in 0..4 {
            let (p, g) = (self.param_block_mut(b), grads.param_block(b));
            opt.update_slice(Slot::of(first, b), p, g, scale);
        }
    }

    fn param_block(&self, i: usize) -> &[f32] {
        let weights = (&self.weight_ih, &self.weight_hh);
        gate_block(weights, (&self.bias_ih, &self.bias_hh), i)
    }

    fn param_block_mut(&mut self, i: usize) -> &mut [f32] {
        let weights = (&mut self.weight_ih, &mut self.weight_hh);
        gate_block_mut(weights, (&mut self.bias_ih, &mut self.bias_hh), i)
    }

    /// PyTorch's initialisation: every weight **and bias** uniform in `±1/√H` (for any
    /// scheme but `Init::Uniform(a)`, which uses `±a`).
    fn init<Rn: Rng + ?Sized>(&mut self, init: Init, rng: &mut Rn) {
        let weights = (&mut self.weight_ih, &mut self.weight_hh);
        init_gates(weights, (&mut self.bias_ih, &mut self.bias_hh), init, rng);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::Sequence;

    #[test]
    fn one_unit_by_hand() {
        let l = Lstm::<1, 1, 1>::from_parts(
            [[[1.0]], [[0.5]], [[2.0]], [[-1.0]]],
            [[[0.0]]; 4],
            [[0.1], [0.2], [0.3], [0.4]],
            [[0.0]; 4],
        );
        let x = 0.7f32;
        let (i, g, o) = (sigmoid(x + 0.1), tanh(2.0 * x + 0.3), sigmoid(-x + 0.4));
        assert_eq!(l.infer(&[[x]]), [o * tanh(i * g)]);
    }

    #[test]
    fn last_and_sequence_agree_on_the_last_state() {
        let mut a = Lstm::<3, 4, 6>::ZERO;
        a.init(Init::XavierUniform, &mut crate::rng(1));
        let b =
            Lstm::<3, 4, 6, Sequence>::from_parts(a.weight_ih, a.weight_hh, a.bias_ih, a.bias_hh);
        let x = core::array::from_fn(|t| [t as f32 * 0.1, -0.2, 0.3]);
        assert_eq!(a.infer(&x), b.infer(&x)[5]);
        assert_ne!(
            <Lstm<3, 4, 6> as Layer>::SIGNATURE,
            <Lstm<3, 4, 6, Sequence> as Layer>::SIGNATURE
        );
    }
}
