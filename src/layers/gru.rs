//! `Gru`: a gated recurrent unit over a compile-time number of time steps, with exact
//! backpropagation through time.

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
const R: usize = 0;
const Z: usize = 1;
const N: usize = 2;

/// A GRU layer, PyTorch's `nn.GRU(IN, H, batch_first=True)` for one sample: input
/// `[[f32; IN]; T]` (time-major), initial state zero, and per step
///
/// ```text
/// r = σ(W_ir x + b_ir + W_hr h + b_hr)
/// z = σ(W_iz x + b_iz + W_hz h + b_hz)
/// n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
/// h' = (1 − z) ⊙ n + z ⊙ h
/// ```
///
/// The readout `RO` says what it returns: [`Last`] (the default) the final state
/// `[f32; H]`, [`Sequence`](crate::layers::Sequence) every state `[[f32; H]; T]`, so GRUs
/// stack. Weights use PyTorch's layout and names (`weight_ih_l0` is `[3H][IN]` with gate
/// blocks r, z, n; here `[3][H][IN]`, the same memory), so a state dict copies over value
/// for value, and the stored blocks come in the state dict's order.
///
/// ```
/// use stacknet::{chain, Dense, Footprint, Init, Layer, Zero};
/// use stacknet::layers::{Gru, Sequence};
/// // 6 features × 100 steps → GRU 16 (every state) → GRU 16 (last state) → 4 logits
/// type Net = chain![Gru<6, 16, 100, Sequence>, Gru<16, 16, 100>, Dense<16, 4>];
/// let mut net = Net::ZERO;
/// net.init(Init::XavierUniform, &mut stacknet::rng(0));
/// assert!(net.infer(&[[0.5; 6]; 100]).iter().all(|v| v.is_finite()));
/// assert_eq!(Footprint::of::<Net>().param_count, 3 * 16 * (6 + 16 + 2) * 2 - 3 * 16 * 6 + 3 * 16 * 16 + 16 * 4 + 4);
/// ```
///
/// # Memory
/// Parameters `4·3H·(IN + H + 2)` bytes. Training keeps, per step, the input, the hidden
/// state, the three gates and `W_hn h + b_hn` in the cache ([`GruCache`],
/// `4·T·(IN + 5H)` bytes, counted by [`Footprint`](crate::Footprint)); `backward` turns
/// the gates into their gradients in place, so no sequence-sized buffer is needed anywhere
/// else and the stack holds a few `H`-sized vectors. Inference keeps only the current
/// state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gru<const IN: usize, const H: usize, const T: usize, RO = Last> {
    /// Input weights, gate blocks r, z, n: `weight_ih[gate][unit][input]`.
    pub weight_ih: [[[f32; IN]; H]; 3],
    /// Recurrent weights, gate blocks r, z, n: `weight_hh[gate][unit][unit]`.
    pub weight_hh: [[[f32; H]; H]; 3],
    /// Input biases, `bias_ih[gate][unit]`.
    pub bias_ih: [[f32; H]; 3],
    /// Recurrent biases, `bias_hh[gate][unit]` (`b_hn` sits inside `r ⊙ (…)`).
    pub bias_hh: [[f32; H]; 3],
    readout: PhantomData<RO>,
}

/// What a [`Gru`] remembers for backpropagation through time: per step its input, new
/// hidden state, gates and `W_hn h + b_hn`. After `backward`, `gates` holds the gradients
/// of the gate pre-activations and `hn` the gradient of `W_hn h + b_hn`: the per-step
/// quantities every weight gradient is a sum over.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GruCache<const IN: usize, const H: usize, const T: usize> {
    x: [[f32; IN]; T],
    h: [[f32; H]; T],
    gates: [[[f32; H]; 3]; T],
    hn: [[f32; H]; T],
}

impl<const IN: usize, const H: usize, const T: usize> Zero for GruCache<IN, H, T> {
    const ZERO: Self = Self {
        x: [[0.0; IN]; T],
        h: [[0.0; H]; T],
        gates: [[[0.0; H]; 3]; T],
        hn: [[0.0; H]; T],
    };
}

impl<const IN: usize, const H: usize, const T: usize> GruCache<IN, H, T> {
    /// After `forward`: the hidden state after step `t` (`None` past the end).
    pub fn hidden(&self, t: usize) -> Option<&[f32; H]> {
        self.h.get(t)
    }

    /// Bias gradients `(Σ_t dA[t], Σ_t dAh[t])`, `t` ascending, from zero.
    fn bias_grads(&self) -> ([[f32; H]; 3], [[f32; H]; 3]) {
        let (mut gi, mut gh) = ([[0.0; H]; 3], [[0.0; H]; 3]);
        for (gates, hn) in self.gates.iter().zip(&self.hn) {
            axpy(1.0, gates.as_flattened(), gi.as_flattened_mut());
            let [dr, dz, _] = gates;
            for (acc, d) in gh.iter_mut().zip([dr, dz, hn]) {
                axpy(1.0, d, acc);
            }
        }
        (gi, gh)
    }
}

impl<const IN: usize, const H: usize, const T: usize> RowGrads<IN, H> for GruCache<IN, H, T> {
    /// `Σ_t dA[t][g][j] · x[t]`, `t` ascending, from zero.
    fn row_grad_ih(&self, g: usize, j: usize, out: &mut [f32; IN]) {
        let steps = self.gates.iter().zip(&self.x);
        sum_over_steps(steps.map(|(gates, x)| (gate(gates, g, j), x)), out);
    }

    /// `Σ_t dAh[t][g][j] · h[t − 1]`, `t` ascending (step 0 reads the zero initial state
    /// and adds nothing).
    fn row_grad_hh(&self, g: usize, j: usize, out: &mut [f32; H]) {
        let later = self.gates.iter().zip(&self.hn).skip(1).zip(&self.h);
        sum_over_steps(
            later.map(|((gates, hn), h)| (d_hh(gates, hn, g, j), h)),
            out,
        );
    }
}

/// After `backward`: the gradient of the recurrent pre-activation of gate `g`, unit `j`:
/// the input one for r and z, `dA_n ⊙ r` (stored in `hn`) for n.
#[inline]
fn d_hh<const H: usize>(gates: &[[f32; H]; 3], hn: &[f32; H], g: usize, j: usize) -> f32 {
    if g == N {
        hn.get(j).copied().unwrap_or(0.0)
    } else {
        gate(gates, g, j)
    }
}

impl<const IN: usize, const H: usize, const T: usize, RO> Gru<IN, H, T, RO> {
    const SHAPE_OK: () = assert!(IN > 0 && H > 0 && T > 0, "Gru needs IN, H and T > 0");

    /// All-zero weights and biases. Usable in `const` and `static` items.
    pub const fn zeroed() -> Self {
        let () = Self::SHAPE_OK;
        Self {
            weight_ih: [[[0.0; IN]; H]; 3],
            weight_hh: [[[0.0; H]; H]; 3],
            bias_ih: [[0.0; H]; 3],
            bias_hh: [[0.0; H]; 3],
            readout: PhantomData,
        }
    }

    /// A layer from PyTorch-layout parameters. Usable in `const` and `static` items.
    pub const fn from_parts(
        weight_ih: [[[f32; IN]; H]; 3],
        weight_hh: [[[f32; H]; H]; 3],
        bias_ih: [[f32; H]; 3],
        bias_hh: [[f32; H]; 3],
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

    /// One step: from input `x` and state `h`, writes the gates `[r, z, n]`, `W_hn h + b_hn`
    /// and the new state.
    #[inline]
    fn step(
        &self,
        x: &[f32; IN],
        h: &[f32; H],
        gates: &mut [[f32; H]; 3],
        hn: &mut [f32; H],
        h_new: &mut [f32; H],
    ) {
        for j in 0..H {
            let pre = |g: usize| affine(&self.weight_ih, &self.bias_ih, g, j, x);
            let rec = |g: usize| affine(&self.weight_hh, &self.bias_hh, g, j, h);
            let r = sigmoid(pre(R) + rec(R));
            let z = sigmoid(pre(Z) + rec(Z));
            let hn_j = rec(N);
            let n = tanh(pre(N) + r * hn_j);
            gates[R][j] = r;
            gates[Z][j] = z;
            gates[N][j] = n;
            hn[j] = hn_j;
            h_new[j] = (1.0 - z) * n + z * h[j];
        }
    }
}

impl<const IN: usize, const H: usize, const T: usize, RO> Zero for Gru<IN, H, T, RO> {
    const ZERO: Self = Self::zeroed();
}

impl<const IN: usize, const H: usize, const T: usize, RO> Params for Gru<IN, H, T, RO>
where
    Self: Layer,
{
    const BLOCKS: usize = 4;
    const LEN: usize = 3 * H * (IN + H + 2);
    fn block(&self, i: usize) -> &[f32] {
        self.param_block(i)
    }
    fn block_mut(&mut self, i: usize) -> &mut [f32] {
        self.param_block_mut(i)
    }
}

impl<const IN: usize, const H: usize, const T: usize, RO: Readout<H, T>> Layer
    for Gru<IN, H, T, RO>
{
    type Input = [[f32; IN]; T];
    type Output = RO::Output;
    type Cache = GruCache<IN, H, T>;
    /// Every weight trains.
    type Grads = Self;

    const PARAMS: usize = 3 * H * (IN + H + 2);
    const PARAM_BLOCKS: usize = 4;
    const SIGNATURE: u64 = signature::of(kind::GRU, &[IN, H, T, RO::TAG]);

    fn infer_into(&self, x: &Self::Input, y: &mut Self::Output) {
        let () = Self::SHAPE_OK;
        let mut h = [0.0; H];
        let mut h_new = [0.0; H];
        let mut gates = [[0.0; H]; 3];
        let mut hn = [0.0; H];
        for (t, xt) in x.iter().enumerate() {
            self.step(xt, &h, &mut gates, &mut hn, &mut h_new);
            h = h_new;
            RO::put(y, t, &h);
        }
    }

    fn forward(&self, x: &Self::Input, cache: &mut Self::Cache, y: &mut Self::Output) {
        let () = Self::SHAPE_OK;
        cache.x = *x;
        let mut h = [0.0; H];
        let steps = cache.gates.iter_mut().zip(&mut cache.hn).zip(&mut cache.h);
        // `zip(0..T)`, not `enumerate()`: a range cannot overflow; the optimizer does not
        // always remove the overflow check of enumerate's counter over this zip.
        for ((((gates, hn), h_new), xt), t) in steps.zip(x).zip(0..T) {
            self.step(xt, &h, gates, hn, h_new);
            h = *h_new;
            RO::put(y, t, &h);
        }
    }

    /// Backpropagation through time, last step first. It always runs (even with `dx` and
    /// `grads` both `None`): it leaves in the cache the per-step pre-activation gradients
    /// that [`update`](Layer::update) and the weight gradients are sums over. The cache's
    /// activations are consumed: run `forward` again before another `backward`.
    fn backward(
        &self,
        cache: &mut Self::Cache,
        dy: &Self::Output,
        mut dx: Option<&mut Self::Input>,
        grads: Option<&mut Self>,
    ) {
        let () = Self::SHAPE_OK;
        // d(loss)/d(h[t]) from later steps, then with the output's own share added.
        let mut dh = [0.0; H];
        for t in (0..T).rev() {
            if let Some(d) = RO::grad_at(dy, t) {
                for (a, b) in dh.iter_mut().zip(d) {
                    *a += b;
                }
            }
            let h_prev = state_before(&cache.h, t);
            let (gates, hn) = (&mut cache.gates[t], &mut cache.hn[t]);
            let mut dh_prev = [0.0; H];
            for j in 0..H {
                let (r, z, n) = (gates[R][j], gates[Z][j], gates[N][j]);
                let dn = dh[j] * (1.0 - z);
                let dz = dh[j] * (h_prev[j] - n);
                let da_n = dn * (1.0 - n * n);
                let da_z = dz * z * (1.0 - z);
                let da_r = da_n * hn[j] * r * (1.0 - r);
                dh_prev[j] = dh[j] * z;
                gates[R][j] = da_r;
                gates[Z][j] = da_z;
                gates[N][j] = da_n;
                hn[j] = da_n * r;
            }
            // Through the recurrent weights: dh_prev += Σ_g W_hg^T dAh_g.
            for j in 0..H {
                axpy(gates[R][j], &self.weight_hh[R][j], &mut dh_prev);
                axpy(gates[Z][j], &self.weight_hh[Z][j], &mut dh_prev);
                axpy(hn[j], &self.weight_hh[N][j], &mut dh_prev);
            }
            if let Some(dx) = dx.as_deref_mut() {
                let dxt = &mut dx[t];
                *dxt = [0.0; IN];
                for j in 0..H {
                    for (g, w) in gates.iter().zip(&self.weight_ih) {
                        axpy(g[j], &w[j], dxt);
                    }
                }
            }
            dh = dh_prev;
        }
        if let Some(grads) = grads {
            add_weight_grads(cache, &mut grads.weight_ih, &mut grads.weight_hh);
            let (gi, gh) = cache.bias_grads();
            axpy(1.0, gi.as_flattened(), grads.bias_ih.as_flattened_mut());
            axpy(1.0, gh.as_flattened(), grads.bias_hh.as_flattened_mut());
        }
    }

    /// Row by row: each weight row's gradient, summed over time into an `IN`- or `H`-sized
    /// stack buffer exactly as `backward` sums it, goes straight to the optimizer.
    fn update<M: Layer, O: Optimizer<M>>(
        &mut self,
        cache: &Self::Cache,
        _: &Self::Output,
        opt: &mut O,
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
        let (gi, gh) = cache.bias_grads();
        let bi = self.bias_ih.as_flattened_mut();
        opt.update_slice(Slot::of(first, 2), bi, gi.as_flattened(), 1.0);
        let bh = self.bias_hh.as_flattened_mut();
        opt.update_slice(Slot::of(first, 3), bh, gh.as_flattened(), 1.0);
    }

    fn apply<M: Layer, O: Optimizer<M>>(
        &mut self,
        grads: &Self,
        scale: f32,
        opt: &mut O,
        first: usize,
    ) {
        for b in 0..4 {
            opt.update_slice(
                Slot::of(first, b),
                self.param_block_mut(b),
                grads.param_block(b),
                scale,
            );
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
        // IN = H = 1, T = 1: h' = (1 − z)·n with r, z, n from the biases and the input.
        let l = Gru::<1, 1, 1>::from_parts(
            [[[1.0]], [[0.5]], [[2.0]]],
            [[[0.0]]; 3],
            [[0.1], [0.2], [0.3]],
            [[0.0], [0.0], [0.4]],
        );
        let x = 0.7f32;
        let r = sigmoid(x + 0.1);
        let z = sigmoid(0.5 * x + 0.2);
        let n = tanh(2.0 * x + 0.3 + r * 0.4);
        assert_eq!(l.infer(&[[x]]), [(1.0 - z) * n]);
    }

    #[test]
    fn last_and_sequence_agree_on_the_last_state() {
        let mut a = Gru::<3, 4, 6>::ZERO;
        a.init(Init::XavierUniform, &mut crate::rng(1));
        let b =
            Gru::<3, 4, 6, Sequence>::from_parts(a.weight_ih, a.weight_hh, a.bias_ih, a.bias_hh);
        let x = core::array::from_fn(|t| [t as f32 * 0.1, -0.2, 0.3]);
        assert_eq!(a.infer(&x), b.infer(&x)[5]);
        assert_ne!(
            <Gru<3, 4, 6> as Layer>::SIGNATURE,
            <Gru<3, 4, 6, Sequence> as Layer>::SIGNATURE
        );
        let lim = 1.0 / crate::math::sqrt(4.0);
        assert!(
            a.bias_hh
                .as_flattened()
                .iter()
                .all(|v| v.abs() <= lim && *v != 0.0)
        );
    }
}
