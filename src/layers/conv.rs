//! `Conv2d`: 2-D convolution (cross-correlation, as PyTorch's `nn.Conv2d`) on `C×H×W`
//! feature maps, with stride and zero padding.
//!
//! The convolutional layers and their PyTorch counterparts (same layouts, same results to
//! rounding; `tests/torch_conv.rs` checks forward values and gradients):
//!
//! | stacknet | PyTorch |
//! |---|---|
//! | `Conv2d<C_IN, C_OUT, K, H, W, OH, OW, S, P>` | `nn.Conv2d(C_IN, C_OUT, K, stride=S, padding=P)` |
//! | `MaxPool2d<C, H, W, OH, OW, K, S>` | `nn.MaxPool2d(K, stride=S)` |
//! | `AvgPool2d<C, H, W, OH, OW, K, S>` | `nn.AvgPool2d(K, stride=S)` |
//! | `Relu3<C, H, W>` | `nn.ReLU()` on a feature map |
//! | `Flatten<C, H, W, N>` | `nn.Flatten()` |
//! | `Unflatten<C, H, W, N>` | `nn.Unflatten(1, (C, H, W))` |
//!
//! Output sizes (`OH`, `OW`, `N`) are written out and checked at compile time: see
//! [`out_size`].

use crate::init::{Init, fill_uniform};
use crate::layer::{Layer, signature};
use crate::layers::activation::{Act, ReluFn};
use crate::layers::frozen::Biased;
use crate::layers::kind;
use crate::math::{axpy, dot};
use crate::optim::Optimizer;
use crate::params::{Params, Slot};
use crate::zero::Zero;
use rand_core::Rng;

/// A `C×H×W` feature map: `C` channels of `H` rows of `W` values (PyTorch's layout).
pub type Map<const C: usize, const H: usize, const W: usize> = [[[f32; W]; H]; C];

/// ReLU over a `C×H×W` feature map, the usual activation after a [`Conv2d`].
pub type Relu3<const C: usize, const H: usize, const W: usize> = Act<ReluFn, Map<C, H, W>>;

/// Output size of a convolution or pooling window along one axis:
/// `(n + 2·pad − k) / stride + 1`, or 0 when the window does not fit (`n + 2·pad < k`) or
/// `stride` is 0.
///
/// Use it to work out the `OH`/`OW` parameters of [`Conv2d`] and the pooling layers:
/// ```
/// use stacknet::layers::conv::out_size;
/// assert_eq!(out_size(28, 3, 1, 0), 26); // valid
/// assert_eq!(out_size(28, 3, 1, 1), 28); // same
/// assert_eq!(out_size(26, 2, 2, 0), 13); // 2×2 pooling
/// ```
pub const fn out_size(n: usize, k: usize, stride: usize, pad: usize) -> usize {
    // Saturating: sizes from a file (the `.tflite` importer) must not overflow.
    let padded = n.saturating_add(pad.saturating_mul(2));
    if stride == 0 || padded < k {
        0
    } else {
        ((padded - k) / stride).saturating_add(1)
    }
}

/// The output positions `o` in `lo..hi` whose input index `o·stride + k − pad` lies in
/// `0..n_in`, for kernel offset `k`. Positions outside read zero padding and are skipped.
#[inline]
pub(crate) const fn valid_range(
    k: usize,
    n_in: usize,
    n_out: usize,
    stride: usize,
    pad: usize,
) -> (usize, usize) {
    // o·s + k ≥ pad  ⇔  o ≥ ceil((pad − k) / s)
    let lo = if k >= pad {
        0
    } else {
        (pad - k).div_ceil(stride)
    };
    // o·s + k − pad ≤ n_in − 1  ⇔  o ≤ (n_in − 1 + pad − k) / s
    let hi = if n_in + pad <= k {
        0
    } else {
        let last = (n_in - 1 + pad - k) / stride + 1;
        if last < n_out { last } else { n_out }
    };
    if lo < hi { (lo, hi) } else { (0, 0) }
}

/// 2-D convolution: `y[o][i][j] = bias[o] + Σ_c Σ_ky Σ_kx weights[o][c][ky][kx] ·
/// x[c][i·S + ky − P][j·S + kx − P]`, with zeros outside the input (PyTorch's
/// `nn.Conv2d(C_IN, C_OUT, K, stride=S, padding=P)`).
///
/// Parameters, all sizes known at compile time:
/// - `C_IN`, `C_OUT`: input and output channels; `K`: square kernel size;
/// - `H`, `W`: input height and width; `OH`, `OW`: output height and width;
/// - `S`: stride (default 1); `P`: zero padding on every side (default 0).
///
/// Stable Rust cannot compute `OH = (H + 2P − K) / S + 1` inside a type, so the output size
/// is written out and **checked at compile time** (see [`out_size`]): "valid" is `P = 0`,
/// `OH = H − K + 1`; "same" (odd `K`, stride 1) is `P = K / 2`, `OH = H`. A wrong size is a
/// build error, not a runtime one:
///
/// ```compile_fail,E0080
/// use stacknet::{Layer, Zero, layers::Conv2d};
/// // A valid 3×3 convolution of 8×8 makes 6×6, not 7×7: rejected when built.
/// let conv = Conv2d::<1, 2, 3, 8, 8, 7, 7>::ZERO;
/// let _ = conv.infer(&Zero::ZERO);
/// ```
///
/// Input and output are `C×H×W` arrays ([`Map`]), so `Conv2d` chains with [`Relu3`], the
/// pooling layers, and [`Flatten`](crate::layers::Flatten) into a [`Dense`](crate::Dense):
///
/// ```
/// use stacknet::{chain, Dense, Footprint, Layer, Zero};
/// use stacknet::layers::{Conv2d, Flatten, MaxPool2d, Relu3};
/// // 1×8×8 → conv 3×3 ×4 (valid) → 4×6×6 → ReLU → 2×2 max pool → 4×3×3 → 36 → 10 logits
/// type Net = chain![
///     Conv2d<1, 4, 3, 8, 8, 6, 6>,
///     Relu3<4, 6, 6>,
///     MaxPool2d<4, 6, 6, 3, 3>,
///     Flatten<4, 3, 3, 36>,
///     Dense<36, 10>,
/// ];
/// let mut net = Net::ZERO;
/// net.init(stacknet::Init::HeUniform, &mut stacknet::rng(0));
/// let logits = net.infer(&[[[0.5; 8]; 8]; 1]);
/// assert!(logits.iter().all(|v| v.is_finite()));
/// assert_eq!(Footprint::of::<Net>().param_count, 4 * 9 + 4 + 36 * 10 + 10);
/// ```
///
/// Weights are `[C_OUT][C_IN][K][K]`, PyTorch's `Conv2d.weight` layout: a state dict copies
/// over element for element.
///
/// # Memory and speed
/// - Parameters: `4·(C_OUT·C_IN·K·K + C_OUT)` bytes. Cache: the input, `4·C_IN·H·W` bytes.
/// - Stack: `infer`/`forward` return the `C_OUT×OH×OW` output by value and `backward` the
///   `C_IN×H×W` input gradient; a chain keeps each layer's output alive while the next one
///   runs, so a model needs roughly the sum of its feature maps in stack (plus a
///   `C_IN·K·K` patch). Keep the cache, gradients and optimizer state off the stack
///   (a `static`, a struct field, a `Box` on a host).
/// - Two kernel families, chosen per shape at compile time, both with a fixed summation
///   order (same results on every target): when a `C_IN·K·K` patch is longer than an
///   output row the layer gathers one patch per output position and takes `C_OUT` dot
///   products; otherwise it slides each kernel tap along output rows (`axpy`). The patch
///   path's backward skips zero output gradients (most of them after ReLU and max pooling).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Conv2d<
    const C_IN: usize,
    const C_OUT: usize,
    const K: usize,
    const H: usize,
    const W: usize,
    const OH: usize,
    const OW: usize,
    const S: usize = 1,
    const P: usize = 0,
> {
    /// `weights[o][c][ky][kx]` connects input channel `c` to output channel `o`.
    pub weights: [[[[f32; K]; K]; C_IN]; C_OUT],
    /// One bias per output channel.
    pub bias: [f32; C_OUT],
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
> Conv2d<C_IN, C_OUT, K, H, W, OH, OW, S, P>
{
    /// The compile-time shape check, evaluated wherever the layer is built or run.
    const SHAPE_OK: () = {
        assert!(
            C_IN > 0 && C_OUT > 0 && K > 0 && S > 0,
            "Conv2d needs C_IN, C_OUT, K and S > 0"
        );
        assert!(P < K, "Conv2d: padding P must be smaller than the kernel K");
        assert!(
            H + 2 * P >= K && W + 2 * P >= K,
            "Conv2d: the kernel is larger than the padded input"
        );
        assert!(
            OH == out_size(H, K, S, P),
            "Conv2d: OH must equal (H + 2P - K) / S + 1"
        );
        assert!(
            OW == out_size(W, K, S, P),
            "Conv2d: OW must equal (W + 2P - K) / S + 1"
        );
    };

    /// All-zero weights and bias. Usable in `const` and `static` items.
    pub const fn zeroed() -> Self {
        let () = Self::SHAPE_OK;
        Self {
            weights: [[[[0.0; K]; K]; C_IN]; C_OUT],
            bias: [0.0; C_OUT],
        }
    }

    /// A layer from given weights (`[out][in][ky][kx]`) and bias. Usable in `const` items.
    pub const fn from_parts(weights: [[[[f32; K]; K]; C_IN]; C_OUT], bias: [f32; C_OUT]) -> Self {
        let () = Self::SHAPE_OK;
        Self { weights, bias }
    }

    /// Which kernel family runs, fixed per shape at compile time: gathering `K×K×C_IN`
    /// patches wins when a patch is longer than an output row (deep layers on small maps);
    /// sliding over rows wins for few input channels on wide maps (a first layer).
    const PATCHES: bool = C_IN * K * K > OW;

    // ---- Row kernels: the inner loop is an `axpy`/`dot` along an output row. ----

    /// Forward: each output is `bias + Σ_c Σ_ky Σ_kx w·x`, accumulated in that fixed order.
    fn rows_forward(&self, x: &Map<C_IN, H, W>, y: &mut Map<C_OUT, OH, OW>) {
        for ((yo, wo), &b) in y.iter_mut().zip(&self.weights).zip(&self.bias) {
            yo.iter_mut().for_each(|row| row.fill(b));
            for (wc, xc) in wo.iter().zip(x) {
                for (ky, wrow) in wc.iter().enumerate() {
                    let (ylo, yhi) = valid_range(ky, H, OH, S, P);
                    for (kx, &w) in wrow.iter().enumerate() {
                        let (xlo, xhi) = valid_range(kx, W, OW, S, P);
                        for oy in ylo..yhi {
                            let src = &xc[oy * S + ky - P];
                            let dst = &mut yo[oy][xlo..xhi];
                            let start = xlo * S + kx - P;
                            if S == 1 {
                                axpy(w, &src[start..], dst);
                            } else {
                                for (d, &v) in dst.iter_mut().zip(src[start..].iter().step_by(S)) {
                                    *d += w * v;
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `dW[o][c][ky][kx] += Σ_i Σ_j dy[o][i][j] · x[c][i·S + ky − P][j·S + kx − P]`.
    fn rows_params(&self, x: &Map<C_IN, H, W>, dy: &Map<C_OUT, OH, OW>, grads: &mut Self) {
        for (gwo, dyo) in grads.weights.iter_mut().zip(dy) {
            Self::rows_channel_grad(x, dyo, gwo);
        }
    }

    /// One output channel's share of [`rows_params`](Self::rows_params).
    fn rows_channel_grad(
        x: &Map<C_IN, H, W>,
        dyo: &[[f32; OW]; OH],
        gwo: &mut [[[f32; K]; K]; C_IN],
    ) {
        {
            for (gwc, xc) in gwo.iter_mut().zip(x) {
                for (ky, grow) in gwc.iter_mut().enumerate() {
                    let (ylo, yhi) = valid_range(ky, H, OH, S, P);
                    for (kx, g) in grow.iter_mut().enumerate() {
                        let (xlo, xhi) = valid_range(kx, W, OW, S, P);
                        let start = xlo * S + kx - P;
                        let mut acc = 0.0;
                        for oy in ylo..yhi {
                            let src = &xc[oy * S + ky - P];
                            let d = &dyo[oy][xlo..xhi];
                            acc += if S == 1 {
                                dot(d, &src[start..])
                            } else {
                                d.iter()
                                    .zip(src[start..].iter().step_by(S))
                                    .map(|(a, b)| a * b)
                                    .sum::<f32>()
                            };
                        }
                        *g += acc;
                    }
                }
            }
        }
    }

    /// `dx = Σ_o weights[o] ⋆ dy[o]` (the transposed convolution of `dy`).
    fn rows_input_grad(&self, dy: &Map<C_OUT, OH, OW>, dx: &mut Map<C_IN, H, W>) {
        *dx = [[[0.0; W]; H]; C_IN];
        for (wo, dyo) in self.weights.iter().zip(dy) {
            for (wc, dxc) in wo.iter().zip(dx.iter_mut()) {
                for (ky, wrow) in wc.iter().enumerate() {
                    let (ylo, yhi) = valid_range(ky, H, OH, S, P);
                    for (kx, &w) in wrow.iter().enumerate() {
                        let (xlo, xhi) = valid_range(kx, W, OW, S, P);
                        for oy in ylo..yhi {
                            let row = &mut dxc[oy * S + ky - P];
                            let src = &dyo[oy][xlo..xhi];
                            let start = xlo * S + kx - P;
                            if S == 1 {
                                axpy(w, src, &mut row[start..]);
                            } else {
                                for (d, &g) in row[start..].iter_mut().step_by(S).zip(src) {
                                    *d += w * g;
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    // ---- Patch kernels: the inner loop is a `dot`/`axpy` over one K×K×C_IN window. ----

    /// Copies the input window of output `(oy, ox)` into `patch` (zeros where it overlaps
    /// the padding). `patch` has the layout of one output channel's weights.
    #[inline]
    fn gather(x: &Map<C_IN, H, W>, oy: usize, ox: usize, patch: &mut [[[f32; K]; K]; C_IN]) {
        for (pc, xc) in patch.iter_mut().zip(x) {
            for (ky, prow) in pc.iter_mut().enumerate() {
                match (oy * S + ky).checked_sub(P).and_then(|iy| xc.get(iy)) {
                    Some(xrow) => {
                        for (kx, v) in prow.iter_mut().enumerate() {
                            let ix = (ox * S + kx).checked_sub(P);
                            *v = ix.and_then(|ix| xrow.get(ix)).copied().unwrap_or(0.0);
                        }
                    }
                    None => *prow = [0.0; K],
                }
            }
        }
    }

    /// Adds `patch` back onto the input positions it was gathered from (the adjoint of
    /// [`gather`](Self::gather)); padding positions are dropped.
    #[inline]
    fn scatter_add(dx: &mut Map<C_IN, H, W>, oy: usize, ox: usize, patch: &[[[f32; K]; K]; C_IN]) {
        for (pc, dxc) in patch.iter().zip(dx) {
            for (ky, prow) in pc.iter().enumerate() {
                if let Some(row) = (oy * S + ky).checked_sub(P).and_then(|iy| dxc.get_mut(iy)) {
                    for (kx, &v) in prow.iter().enumerate() {
                        if let Some(d) = (ox * S + kx).checked_sub(P).and_then(|ix| row.get_mut(ix))
                        {
                            *d += v;
                        }
                    }
                }
            }
        }
    }

    /// Forward: each output is `bias + dot(weights[o], patch)` (`dot`'s fixed lane order).
    fn patches_forward(&self, x: &Map<C_IN, H, W>, y: &mut Map<C_OUT, OH, OW>) {
        let mut patch = [[[0.0; K]; K]; C_IN];
        for oy in 0..OH {
            for ox in 0..OW {
                Self::gather(x, oy, ox, &mut patch);
                let p = patch.as_flattened().as_flattened();
                for ((yo, wo), &b) in y.iter_mut().zip(&self.weights).zip(&self.bias) {
                    yo[oy][ox] = b + dot(wo.as_flattened().as_flattened(), p);
                }
            }
        }
    }

    /// `dW[o] += dy[o][i][j] · patch(i, j)`, position by position; zero `dy` entries (most
    /// of them after a ReLU and a max pool) are skipped, which is exact.
    fn patches_params(&self, x: &Map<C_IN, H, W>, dy: &Map<C_OUT, OH, OW>, grads: &mut Self) {
        let mut patch = [[[0.0; K]; K]; C_IN];
        for oy in 0..OH {
            for ox in 0..OW {
                if dy.iter().all(|d| d[oy][ox] == 0.0) {
                    continue;
                }
                Self::gather(x, oy, ox, &mut patch);
                let p = patch.as_flattened().as_flattened();
                for (gwo, dyo) in grads.weights.iter_mut().zip(dy) {
                    let d = dyo[oy][ox];
                    if d != 0.0 {
                        axpy(d, p, gwo.as_flattened_mut().as_flattened_mut());
                    }
                }
            }
        }
    }

    /// One output channel's share of [`patches_params`](Self::patches_params), summed in
    /// the same order (position by position), so a fused step matches the buffered one bit
    /// for bit. It gathers each patch once per channel instead of once for all channels.
    fn patches_channel_grad(
        x: &Map<C_IN, H, W>,
        dyo: &[[f32; OW]; OH],
        gwo: &mut [[[f32; K]; K]; C_IN],
    ) {
        let mut patch = [[[0.0; K]; K]; C_IN];
        let g = gwo.as_flattened_mut().as_flattened_mut();
        // `zip(0..N)` rather than `enumerate()`: its bound is visible to the no-panic proof.
        for (drow, oy) in dyo.iter().zip(0..OH) {
            for (&d, ox) in drow.iter().zip(0..OW) {
                if d != 0.0 {
                    Self::gather(x, oy, ox, &mut patch);
                    axpy(d, patch.as_flattened().as_flattened(), g);
                }
            }
        }
    }

    /// `dx = Σ_(i,j) scatter(Σ_o dy[o][i][j] · weights[o])`, skipping zero `dy` entries.
    fn patches_input_grad(&self, dy: &Map<C_OUT, OH, OW>, dx: &mut Map<C_IN, H, W>) {
        *dx = [[[0.0; W]; H]; C_IN];
        let mut patch = [[[0.0; K]; K]; C_IN];
        for oy in 0..OH {
            for ox in 0..OW {
                let mut any = false;
                patch.as_flattened_mut().as_flattened_mut().fill(0.0);
                for (wo, dyo) in self.weights.iter().zip(dy) {
                    let d = dyo[oy][ox];
                    if d != 0.0 {
                        any = true;
                        let p = patch.as_flattened_mut().as_flattened_mut();
                        axpy(d, wo.as_flattened().as_flattened(), p);
                    }
                }
                if any {
                    Self::scatter_add(dx, oy, ox, &patch);
                }
            }
        }
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
> Zero for Conv2d<C_IN, C_OUT, K, H, W, OH, OW, S, P>
{
    const ZERO: Self = Self::zeroed();
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
> Layer for Conv2d<C_IN, C_OUT, K, H, W, OH, OW, S, P>
{
    type Input = Map<C_IN, H, W>;
    type Output = Map<C_OUT, OH, OW>;
    /// The input, for the weight gradient.
    type Cache = Map<C_IN, H, W>;
    /// A convolution trains everything it stores.
    type Grads = Self;

    const PARAMS: usize = C_OUT * C_IN * K * K + C_OUT;
    const PARAM_BLOCKS: usize = 2;
    const SIGNATURE: u64 = signature::of(kind::CONV2D, &[C_IN, C_OUT, K, H, W, S, P]);

    /// Runs the row or the patch kernel (see the type's docs); both sum in a fixed order,
    /// so results are the same on every target.
    fn infer_into(&self, x: &Self::Input, y: &mut Self::Output) {
        let () = Self::SHAPE_OK;
        if Self::PATCHES {
            self.patches_forward(x, y);
        } else {
            self.rows_forward(x, y);
        }
    }

    fn forward(&self, x: &Self::Input, cache: &mut Self::Cache, y: &mut Self::Output) {
        *cache = *x;
        self.infer_into(x, y);
    }

    /// `dW[o][c][ky][kx] += Σ_i Σ_j dy[o][i][j] · x[c][i·S + ky − P][j·S + kx − P]`,
    /// `dbias[o] += Σ dy[o]`, and `dx` the transposed convolution of `dy`.
    fn backward(
        &self,
        x: &mut Self::Cache,
        dy: &Self::Output,
        dx: Option<&mut Self::Input>,
        grads: Option<&mut Self>,
    ) {
        let () = Self::SHAPE_OK;
        if let Some(grads) = grads {
            for (gb, dyo) in grads.bias.iter_mut().zip(dy) {
                *gb += channel_sum(dyo);
            }
            if Self::PATCHES {
                self.patches_params(x, dy, grads);
            } else {
                self.rows_params(x, dy, grads);
            }
        }
        if let Some(dx) = dx {
            if Self::PATCHES {
                self.patches_input_grad(dy, dx);
            } else {
                self.rows_input_grad(dy, dx);
            }
        }
    }

    /// One output channel at a time: its kernel gradient (`C_IN·K·K` values on the stack,
    /// summed in the buffered path's order) goes straight to the optimizer.
    fn update<M: Layer, O: Optimizer<M>>(
        &mut self,
        x: &Self::Cache,
        dy: &Self::Output,
        opt: &mut O,
        first: usize,
    ) {
        let () = Self::SHAPE_OK;
        for ((wo, dyo), o) in self.weights.iter_mut().zip(dy).zip(0..C_OUT) {
            let mut g = [[[0.0; K]; K]; C_IN];
            if Self::PATCHES {
                Self::patches_channel_grad(x, dyo, &mut g);
            } else {
                Self::rows_channel_grad(x, dyo, &mut g);
            }
            let at = Slot::block(first).at(o.wrapping_mul(C_IN * K * K));
            let w = wo.as_flattened_mut().as_flattened_mut();
            opt.update_slice(at, w, g.as_flattened().as_flattened(), 1.0);
        }
        let mut gb = [0.0; C_OUT];
        for (b, dyo) in gb.iter_mut().zip(dy) {
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
        let gw = grads.weights.as_flattened().as_flattened().as_flattened();
        opt.update_slice(Slot::block(first), self.param_block_mut(0), gw, scale);
        opt.update_slice(Slot::of(first, 1), &mut self.bias, &grads.bias, scale);
    }

    fn param_block(&self, i: usize) -> &[f32] {
        match i {
            0 => self.weights.as_flattened().as_flattened().as_flattened(),
            1 => &self.bias,
            _ => &[],
        }
    }

    fn param_block_mut(&mut self, i: usize) -> &mut [f32] {
        match i {
            0 => self
                .weights
                .as_flattened_mut()
                .as_flattened_mut()
                .as_flattened_mut(),
            1 => &mut self.bias,
            _ => &mut [],
        }
    }

    /// Fans as PyTorch counts them for a convolution: `fan_in = C_IN·K·K`,
    /// `fan_out = C_OUT·K·K`. Bias becomes zero.
    fn init<R: Rng + ?Sized>(&mut self, init: Init, rng: &mut R) {
        let limit = init.limit(C_IN * K * K, C_OUT * K * K);
        fill_uniform(self.param_block_mut(0), limit, rng);
        self.bias = [0.0; C_OUT];
    }
}

/// `Σ dy[o]` over one output channel, rows first (the buffered and fused paths share it).
fn channel_sum<const OH: usize, const OW: usize>(dyo: &[[f32; OW]; OH]) -> f32 {
    dyo.iter().map(|row| row.iter().sum::<f32>()).sum::<f32>()
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
> Params for Conv2d<C_IN, C_OUT, K, H, W, OH, OW, S, P>
{
    const BLOCKS: usize = 2;
    const LEN: usize = C_OUT * C_IN * K * K + C_OUT;
    fn block(&self, i: usize) -> &[f32] {
        self.param_block(i)
    }
    fn block_mut(&mut self, i: usize) -> &mut [f32] {
        self.param_block_mut(i)
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
> Biased for Conv2d<C_IN, C_OUT, K, H, W, OH, OW, S, P>
{
    type Bias = [f32; C_OUT];

    fn bias_grad(&self, _: &Self::Cache, dy: &Self::Output, grads: &mut [f32; C_OUT]) {
        for (g, dyo) in grads.iter_mut().zip(dy) {
            *g += channel_sum(dyo);
        }
    }

    fn bias_mut(&mut self) -> &mut [f32] {
        &mut self.bias
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zero::Tensor;

    #[test]
    fn out_size_and_ranges() {
        assert_eq!(out_size(8, 3, 1, 0), 6);
        assert_eq!(out_size(8, 3, 1, 1), 8);
        assert_eq!(out_size(8, 3, 2, 1), 4);
        assert_eq!(out_size(2, 3, 1, 0), 0);
        assert_eq!(out_size(5, 1, 0, 0), 0);
        // Same padding, kernel offset 0 reads row o − 1: o = 0 is padding.
        assert_eq!(valid_range(0, 8, 8, 1, 1), (1, 8));
        assert_eq!(valid_range(1, 8, 8, 1, 1), (0, 8));
        assert_eq!(valid_range(2, 8, 8, 1, 1), (0, 7));
        // Stride 2, pad 1, n 8 → 4 outputs reading rows 2o + k − 1.
        assert_eq!(valid_range(0, 8, 4, 2, 1), (1, 4));
        assert_eq!(valid_range(2, 8, 4, 2, 1), (0, 4));
    }

    /// Direct evaluation of the definition, index by index, to compare the kernels against.
    #[allow(clippy::needless_range_loop)]
    fn naive<
        const CI: usize,
        const CO: usize,
        const K: usize,
        const H: usize,
        const W: usize,
        const OH: usize,
        const OW: usize,
        const S: usize,
        const P: usize,
    >(
        l: &Conv2d<CI, CO, K, H, W, OH, OW, S, P>,
        x: &Map<CI, H, W>,
    ) -> Map<CO, OH, OW> {
        let mut y = [[[0.0; OW]; OH]; CO];
        for o in 0..CO {
            for i in 0..OH {
                for j in 0..OW {
                    let mut s = l.bias[o];
                    for c in 0..CI {
                        for ky in 0..K {
                            for kx in 0..K {
                                let (iy, ix) = ((i * S + ky) as isize, (j * S + kx) as isize);
                                let (iy, ix) = (iy - P as isize, ix - P as isize);
                                if (0..H as isize).contains(&iy) && (0..W as isize).contains(&ix) {
                                    s += l.weights[o][c][ky][kx] * x[c][iy as usize][ix as usize];
                                }
                            }
                        }
                    }
                    y[o][i][j] = s;
                }
            }
        }
        y
    }

    fn check_against_naive<
        const CI: usize,
        const CO: usize,
        const K: usize,
        const H: usize,
        const W: usize,
        const OH: usize,
        const OW: usize,
        const S: usize,
        const P: usize,
    >() {
        let mut l = Conv2d::<CI, CO, K, H, W, OH, OW, S, P>::ZERO;
        l.init(Init::Uniform(1.0), &mut crate::rng(5));
        l.bias
            .iter_mut()
            .enumerate()
            .for_each(|(i, b)| *b = 0.1 * i as f32);
        let mut x: Map<CI, H, W> = Zero::ZERO;
        fill_uniform(x.flat_mut(), 1.0, &mut crate::rng(6));
        let close = |a: &[f32], b: &[f32]| {
            assert_eq!(a.len(), b.len());
            for (u, v) in a.iter().zip(b) {
                assert!((u - v).abs() < 1e-5 * (1.0 + v.abs()), "{u} vs {v}");
            }
        };
        let want = naive(&l, &x);
        close(l.infer(&x).flat(), want.flat());
        let mut y = Zero::ZERO;
        l.rows_forward(&x, &mut y);
        close(y.flat(), want.flat());
        l.patches_forward(&x, &mut y);
        close(y.flat(), want.flat());
        // Both backward families agree (the gradient checks in tests/ pin them to finite
        // differences through whichever family each shape selects).
        let mut dy: Map<CO, OH, OW> = Zero::ZERO;
        fill_uniform(dy.flat_mut(), 1.0, &mut crate::rng(7));
        dy.flat_mut().iter_mut().step_by(3).for_each(|v| *v = 0.0);
        let (mut g1, mut g2) = (Conv2d::ZERO, Conv2d::ZERO);
        l.rows_params(&x, &dy, &mut g1);
        l.patches_params(&x, &dy, &mut g2);
        close(g1.param_block(0), g2.param_block(0));
        let (mut d1, mut d2) = (Zero::ZERO, Zero::ZERO);
        l.rows_input_grad(&dy, &mut d1);
        l.patches_input_grad(&dy, &mut d2);
        close(d1.flat(), d2.flat());
    }

    #[test]
    fn forward_matches_definition() {
        check_against_naive::<2, 3, 3, 7, 6, 5, 4, 1, 0>();
        check_against_naive::<2, 3, 3, 7, 6, 7, 6, 1, 1>();
        check_against_naive::<2, 3, 3, 7, 6, 4, 3, 2, 1>();
        check_against_naive::<1, 2, 5, 9, 9, 9, 9, 1, 2>();
        check_against_naive::<3, 2, 2, 6, 5, 3, 2, 2, 0>();
        check_against_naive::<1, 1, 1, 3, 3, 3, 3, 1, 0>();
        check_against_naive::<4, 2, 3, 5, 5, 2, 2, 3, 1>();
    }

    #[test]
    fn by_hand_2x2_kernel() {
        let l = Conv2d::<1, 1, 2, 3, 3, 2, 2>::from_parts([[[[1.0, 2.0], [3.0, 4.0]]]], [0.5]);
        let x = [[[1.0, 0.0, 2.0], [0.0, 1.0, 0.0], [3.0, 0.0, 1.0]]];
        // Window [[0,2],[1,0]] → 2·2 + 1·3 + 0.5; window [[0,1],[3,0]] → 1·2 + 3·3 + 0.5.
        assert_eq!(l.infer(&x), [[[5.5, 7.5], [11.5, 5.5]]]);
        let mut c = Zero::ZERO;
        let mut y = Zero::ZERO;
        l.forward(&x, &mut c, &mut y);
        let mut g = Conv2d::ZERO;
        let mut dx = Zero::ZERO;
        l.backward(
            &mut c,
            &[[[1.0, 0.0], [0.0, 0.0]]],
            Some(&mut dx),
            Some(&mut g),
        );
        assert_eq!(g.weights, [[[[1.0, 0.0], [0.0, 1.0]]]]);
        assert_eq!(g.bias, [1.0]);
        assert_eq!(dx, [[[1.0, 2.0, 0.0], [3.0, 4.0, 0.0], [0.0, 0.0, 0.0]]]);
    }

    #[test]
    fn init_uses_conv_fans_and_zero_bias() {
        let mut l = Conv2d::<2, 4, 3, 5, 5, 3, 3>::ZERO;
        l.bias = [1.0; 4];
        l.init(Init::HeUniform, &mut crate::rng(0));
        let lim = Init::HeUniform.limit(2 * 9, 4 * 9);
        let w = l.param_block(0);
        assert_eq!(w.len(), 72);
        assert!(w.iter().all(|v| v.abs() <= lim) && w.iter().any(|v| v.abs() > lim * 0.9));
        assert_eq!(l.bias, [0.0; 4]);
        assert_ne!(
            <Conv2d<2, 4, 3, 5, 5, 3, 3> as Layer>::SIGNATURE,
            <Conv2d<2, 4, 3, 5, 5, 5, 5, 1, 1> as Layer>::SIGNATURE
        );
    }
}
