//! `Conv1d`: 1-D convolution over time (cross-correlation, as PyTorch's `nn.Conv1d`) on
//! `C×T` series, with stride and zero padding.
//!
//! The sequence layers and their PyTorch counterparts (same layouts, same results to
//! rounding; `tests/torch_seq.rs` checks forward values and gradients):
//!
//! | stacknet | PyTorch |
//! |---|---|
//! | `Conv1d<C_IN, C_OUT, K, T, OT, S, P>` | `nn.Conv1d(C_IN, C_OUT, K, stride=S, padding=P)` |
//! | `MaxPool1d<C, T, OT, K, S>` | `nn.MaxPool1d(K, stride=S)` |
//! | `AvgPool1d<C, T, OT, K, S>` | `nn.AvgPool1d(K, stride=S)` |
//! | `GlobalAvgPool1d<C, T>` | `x.mean(dim=-1)` |
//! | `Gru<IN, H, T>` / `Gru<IN, H, T, Sequence>` | `nn.GRU(IN, H, batch_first=True)` |
//! | `Lstm<IN, H, T>` / `Lstm<IN, H, T, Sequence>` | `nn.LSTM(IN, H, batch_first=True)` |
//! | `Transpose<C, T>` | `x.transpose(-1, -2)` |

use crate::init::{Init, fill_uniform};
use crate::layer::{Layer, signature};
use crate::layers::activation::{Act, ReluFn};
use crate::layers::conv::{out_size, valid_range};
use crate::layers::kind;
use crate::math::axpy;
use crate::optim::Optimizer;
use crate::params::{Params, Slot};
use crate::zero::Zero;
use rand_core::Rng;

/// A `C×T` series: `C` channels of `T` time steps (PyTorch's `nn.Conv1d` layout, and the
/// layout of `stacknet::std::dataset::SeqDataset` samples).
pub type Series<const C: usize, const T: usize> = [[f32; T]; C];

/// ReLU over a `C×T` series, the usual activation after a [`Conv1d`].
pub type Relu2<const C: usize, const T: usize> = Act<ReluFn, Series<C, T>>;

/// 1-D convolution: `y[o][t] = bias[o] + Σ_c Σ_k weights[o][c][k] · x[c][t·S + k − P]`, with
/// zeros outside the input (PyTorch's `nn.Conv1d(C_IN, C_OUT, K, stride=S, padding=P)`).
///
/// Parameters, all known at compile time: `C_IN`, `C_OUT` channels, kernel `K`, input length
/// `T`, output length `OT`, stride `S` (default 1), zero padding `P` on both ends (default
/// 0). `OT = (T + 2P − K) / S + 1` is written out and **checked at compile time** (see
/// [`out_size`]); a wrong length does not build:
///
/// ```compile_fail,E0080
/// use stacknet::{Layer, Zero, layers::Conv1d};
/// // A kernel of 5 with padding 2 keeps 100 steps, not 96: rejected when built.
/// let conv = Conv1d::<6, 8, 5, 100, 96, 1, 2>::ZERO;
/// let _ = conv.infer(&Zero::ZERO);
/// ```
///
/// ```
/// use stacknet::{chain, Dense, Footprint, Layer, Zero};
/// use stacknet::layers::{Conv1d, GlobalAvgPool1d, MaxPool1d, Relu2};
/// // 6 channels × 100 steps → conv k5 "same" ×16 → ReLU → pool 2 → mean over time → 4 logits
/// type Net = chain![
///     Conv1d<6, 16, 5, 100, 100, 1, 2>,
///     Relu2<16, 100>,
///     MaxPool1d<16, 100, 50>,
///     GlobalAvgPool1d<16, 50>,
///     Dense<16, 4>,
/// ];
/// let mut net = Net::ZERO;
/// net.init(stacknet::Init::HeUniform, &mut stacknet::rng(0));
/// assert!(net.infer(&[[0.5; 100]; 6]).iter().all(|v| v.is_finite()));
/// assert_eq!(Footprint::of::<Net>().param_count, 16 * 6 * 5 + 16 + 16 * 4 + 4);
/// ```
///
/// Weights are `[C_OUT][C_IN][K]`, PyTorch's `Conv1d.weight` layout. Cache: the input
/// (`4·C_IN·T` bytes). All sums run in a fixed order, so results are the same on every
/// target, and the fused per-sample step is bit-identical to the buffered one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Conv1d<
    const C_IN: usize,
    const C_OUT: usize,
    const K: usize,
    const T: usize,
    const OT: usize,
    const S: usize = 1,
    const P: usize = 0,
> {
    /// `weights[o][c][k]` connects input channel `c` to output channel `o` at tap `k`.
    pub weights: [[[f32; K]; C_IN]; C_OUT],
    /// One bias per output channel.
    pub bias: [f32; C_OUT],
}

/// The input index that output `lo` reads through tap `k`: `lo·S + k − P`, never negative
/// for `lo` from `valid_range`. Wrapping: out of range it finds no slice, and no overflow
/// check is left where the optimizer cannot see `valid_range`'s bounds.
#[inline]
fn first_input(lo: usize, k: usize, s: usize, p: usize) -> usize {
    lo.wrapping_mul(s).wrapping_add(k).wrapping_sub(p)
}

impl<
    const C_IN: usize,
    const C_OUT: usize,
    const K: usize,
    const T: usize,
    const OT: usize,
    const S: usize,
    const P: usize,
> Conv1d<C_IN, C_OUT, K, T, OT, S, P>
{
    /// The compile-time shape check, evaluated wherever the layer is built or run.
    const SHAPE_OK: () = {
        assert!(
            C_IN > 0 && C_OUT > 0 && K > 0 && S > 0,
            "Conv1d needs C_IN, C_OUT, K and S > 0"
        );
        assert!(P < K, "Conv1d: padding P must be smaller than the kernel K");
        assert!(
            T + 2 * P >= K,
            "Conv1d: the kernel is longer than the padded input"
        );
        assert!(
            OT == out_size(T, K, S, P),
            "Conv1d: OT must equal (T + 2P - K) / S + 1"
        );
    };

    /// All-zero weights and bias. Usable in `const` and `static` items.
    pub const fn zeroed() -> Self {
        let () = Self::SHAPE_OK;
        Self {
            weights: [[[0.0; K]; C_IN]; C_OUT],
            bias: [0.0; C_OUT],
        }
    }

    /// A layer from given weights (`[out][in][k]`) and bias. Usable in `const` items.
    pub const fn from_parts(weights: [[[f32; K]; C_IN]; C_OUT], bias: [f32; C_OUT]) -> Self {
        let () = Self::SHAPE_OK;
        Self { weights, bias }
    }

    /// `dW[o][c][k] += Σ_t dy[o][t] · x[c][t·S + k − P]` for one output channel `o`; each
    /// tap's sum is formed first and then added, so the buffered and fused paths agree bit
    /// for bit.
    fn channel_grad(x: &Series<C_IN, T>, dyo: &[f32; OT], gwo: &mut [[f32; K]; C_IN]) {
        for (gwc, xc) in gwo.iter_mut().zip(x) {
            for (k, g) in gwc.iter_mut().enumerate() {
                let (lo, hi) = valid_range(k, T, OT, S, P);
                let start = first_input(lo, k, S, P);
                let (dys, xs) = (
                    dyo.get(lo..hi).unwrap_or(&[]),
                    xc.get(start..).unwrap_or(&[]),
                );
                let mut acc = 0.0;
                for (d, v) in dys.iter().zip(xs.iter().step_by(S)) {
                    acc += d * v;
                }
                *g += acc;
            }
        }
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
> Zero for Conv1d<C_IN, C_OUT, K, T, OT, S, P>
{
    const ZERO: Self = Self::zeroed();
}

impl<
    const C_IN: usize,
    const C_OUT: usize,
    const K: usize,
    const T: usize,
    const OT: usize,
    const S: usize,
    const P: usize,
> Params for Conv1d<C_IN, C_OUT, K, T, OT, S, P>
{
    const BLOCKS: usize = 2;
    const LEN: usize = C_OUT * C_IN * K + C_OUT;
    fn block(&self, i: usize) -> &[f32] {
        self.param_block(i)
    }
    fn block_mut(&mut self, i: usize) -> &mut [f32] {
        self.param_block_mut(i)
    }
}

/// `Σ dy[o]` over one output channel, in order (the buffered and fused paths share it).
fn channel_sum<const OT: usize>(dyo: &[f32; OT]) -> f32 {
    dyo.iter().sum::<f32>()
}

impl<
    const C_IN: usize,
    const C_OUT: usize,
    const K: usize,
    const T: usize,
    const OT: usize,
    const S: usize,
    const P: usize,
> Layer for Conv1d<C_IN, C_OUT, K, T, OT, S, P>
{
    type Input = Series<C_IN, T>;
    type Output = Series<C_OUT, OT>;
    /// The input, for the weight gradient.
    type Cache = Series<C_IN, T>;
    /// A convolution trains everything it stores.
    type Grads = Self;

    const PARAMS: usize = C_OUT * C_IN * K + C_OUT;
    const PARAM_BLOCKS: usize = 2;
    const SIGNATURE: u64 = signature::of(kind::CONV1D, &[C_IN, C_OUT, K, T, S, P]);

    /// Each output is `bias + Σ_c Σ_k w·x`, accumulated in that fixed order by sliding each
    /// tap along the output row.
    fn infer_into(&self, x: &Self::Input, y: &mut Self::Output) {
        let () = Self::SHAPE_OK;
        for ((yo, wo), &b) in y.iter_mut().zip(&self.weights).zip(&self.bias) {
            yo.fill(b);
            for (wc, xc) in wo.iter().zip(x) {
                for (k, &w) in wc.iter().enumerate() {
                    // In range by construction (`valid_range`); `get` and wrapping offsets
                    // keep panic paths out where the optimizer does not inline that far
                    // (opt-level `s`).
                    let (lo, hi) = valid_range(k, T, OT, S, P);
                    let start = first_input(lo, k, S, P);
                    let (Some(dst), Some(src)) = (yo.get_mut(lo..hi), xc.get(start..)) else {
                        continue;
                    };
                    if S == 1 {
                        axpy(w, src, dst);
                    } else {
                        for (d, &v) in dst.iter_mut().zip(src.iter().step_by(S)) {
                            *d += w * v;
                        }
                    }
                }
            }
        }
    }

    fn forward(&self, x: &Self::Input, cache: &mut Self::Cache, y: &mut Self::Output) {
        *cache = *x;
        self.infer_into(x, y);
    }

    /// `dW[o][c][k] += Σ_t dy[o][t] · x[c][t·S + k − P]`, `dbias[o] += Σ_t dy[o][t]`, and
    /// `dx` the transposed convolution of `dy`.
    fn backward(
        &self,
        x: &mut Self::Cache,
        dy: &Self::Output,
        dx: Option<&mut Self::Input>,
        grads: Option<&mut Self>,
    ) {
        let () = Self::SHAPE_OK;
        if let Some(grads) = grads {
            for ((gwo, gb), dyo) in grads.weights.iter_mut().zip(&mut grads.bias).zip(dy) {
                *gb += channel_sum(dyo);
                Self::channel_grad(x, dyo, gwo);
            }
        }
        if let Some(dx) = dx {
            *dx = [[0.0; T]; C_IN];
            for (wo, dyo) in self.weights.iter().zip(dy) {
                for (wc, dxc) in wo.iter().zip(dx.iter_mut()) {
                    for (k, &w) in wc.iter().enumerate() {
                        let (lo, hi) = valid_range(k, T, OT, S, P);
                        let start = first_input(lo, k, S, P);
                        let (Some(src), Some(dst)) = (dyo.get(lo..hi), dxc.get_mut(start..)) else {
                            continue;
                        };
                        if S == 1 {
                            axpy(w, src, dst);
                        } else {
                            for (d, &g) in dst.iter_mut().step_by(S).zip(src) {
                                *d += w * g;
                            }
                        }
                    }
                }
            }
        }
    }

    /// One output channel at a time: its kernel gradient (`C_IN·K` values on the stack,
    /// summed as in `backward`) goes straight to the optimizer.
    fn update<M: Layer, O: Optimizer<M>>(
        &mut self,
        x: &Self::Cache,
        dy: &Self::Output,
        opt: &mut O,
        first: usize,
    ) {
        let () = Self::SHAPE_OK;
        // `zip(0..C_OUT)` and wrapping slot arithmetic (as `Conv2d`): no overflow check.
        for ((wo, dyo), o) in self.weights.iter_mut().zip(dy).zip(0..C_OUT) {
            let mut g = [[0.0; K]; C_IN];
            Self::channel_grad(x, dyo, &mut g);
            let at = Slot::block(first).at(o.wrapping_mul(C_IN * K));
            opt.update_slice(at, wo.as_flattened_mut(), g.as_flattened(), 1.0);
        }
        let mut gb = [0.0; C_OUT];
        for (b, dyo) in gb.iter_mut().zip(dy) {
            // `0.0 +` as in the buffered path, which adds into a zeroed buffer (a -0.0 sum
            // becomes +0.0 there too).
            *b = 0.0 + channel_sum(dyo);
        }
        opt.update_slice(Slot::of(first, 1), &mut self.bias, &gb, 1.0);
    }

    fn apply<M: Layer, O: Optimizer<M>>(
        &mut self,
        grads: &Self,
        scale: f32,
        opt: &mut O,
        first: usize,
    ) {
        let gw = grads.weights.as_flattened().as_flattened();
        opt.update_slice(Slot::block(first), self.param_block_mut(0), gw, scale);
        opt.update_slice(Slot::of(first, 1), &mut self.bias, &grads.bias, scale);
    }

    fn param_block(&self, i: usize) -> &[f32] {
        match i {
            0 => self.weights.as_flattened().as_flattened(),
            1 => &self.bias,
            _ => &[],
        }
    }

    fn param_block_mut(&mut self, i: usize) -> &mut [f32] {
        match i {
            0 => self.weights.as_flattened_mut().as_flattened_mut(),
            1 => &mut self.bias,
            _ => &mut [],
        }
    }

    /// Fans as PyTorch counts them: `fan_in = C_IN·K`, `fan_out = C_OUT·K`. Bias becomes
    /// zero.
    fn init<R: Rng + ?Sized>(&mut self, init: Init, rng: &mut R) {
        let limit = init.limit(C_IN * K, C_OUT * K);
        fill_uniform(self.param_block_mut(0), limit, rng);
        self.bias = [0.0; C_OUT];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_hand_stride_and_padding() {
        // One channel, kernel [1, 2, 3], stride 2, padding 1 over [1, 2, 3, 4, 5]:
        // windows [0,1,2], [2,3,4], [4,5,0].
        let l = Conv1d::<1, 1, 3, 5, 3, 2, 1>::from_parts([[[1.0, 2.0, 3.0]]], [0.5]);
        let x = [[1.0, 2.0, 3.0, 4.0, 5.0]];
        assert_eq!(l.infer(&x), [[8.5, 20.5, 14.5]]);
        let mut c = Zero::ZERO;
        let mut y = Zero::ZERO;
        l.forward(&x, &mut c, &mut y);
        let mut g = Conv1d::ZERO;
        let mut dx = Zero::ZERO;
        l.backward(&mut c, &[[1.0, 0.0, 1.0]], Some(&mut dx), Some(&mut g));
        assert_eq!(g.weights, [[[4.0, 6.0, 2.0]]]);
        assert_eq!(g.bias, [2.0]);
        assert_eq!(dx, [[2.0, 3.0, 0.0, 1.0, 2.0]]);
    }

    #[test]
    fn init_uses_conv_fans() {
        let mut l = Conv1d::<2, 4, 3, 8, 6>::ZERO;
        l.bias = [1.0; 4];
        l.init(Init::HeUniform, &mut crate::rng(0));
        let lim = Init::HeUniform.limit(6, 12);
        assert!(l.param_block(0).iter().all(|v| v.abs() <= lim));
        assert_eq!(l.bias, [0.0; 4]);
        assert_ne!(
            <Conv1d<2, 4, 3, 8, 6> as Layer>::SIGNATURE,
            <Conv1d<2, 4, 3, 8, 8, 1, 1> as Layer>::SIGNATURE
        );
    }
}
