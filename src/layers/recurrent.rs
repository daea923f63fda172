//! What a recurrent layer returns ([`Readout`]: the [`Last`] hidden state or the whole
//! [`Sequence`]), and the plumbing [`Gru`](crate::layers::Gru) and
//! [`Lstm`](crate::layers::Lstm) share: their four parameter blocks (`weight_ih`,
//! `weight_hh`, `bias_ih`, `bias_hh`, `G` gate blocks each), initialisation, and turning
//! the per-step gate gradients of a cache into weight-row gradients for the buffered
//! (`backward`) and fused (`update`) paths alike.

use crate::init::{Init, fill_uniform};
use crate::layer::Layer;
use crate::math::axpy;
use crate::optim::Optimizer;
use crate::params::Slot;
use crate::zero::Tensor;
use rand_core::Rng;

/// Which hidden states a recurrent layer over `T` steps of `H` values returns: its last
/// state ([`Last`], `[f32; H]`, to feed a classifier head) or every state ([`Sequence`],
/// `[[f32; H]; T]`, time-major, to feed another recurrent layer).
pub trait Readout<const H: usize, const T: usize>:
    Copy + Default + core::fmt::Debug + PartialEq
{
    /// The layer's output type.
    type Output: Tensor;
    /// Part of the layer's shape signature (saved weights remember the readout).
    const TAG: usize;
    /// Stores hidden state `h` of step `t` into the output (if the output keeps it).
    fn put(y: &mut Self::Output, t: usize, h: &[f32; H]);
    /// The gradient reaching hidden state `t` from the output, if it depends on it.
    fn grad_at(dy: &Self::Output, t: usize) -> Option<&[f32; H]>;
}

/// Return the last hidden state, `[f32; H]` (PyTorch: `output[:, -1]`, or `h_n`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Last;

/// Return every hidden state, `[[f32; H]; T]` time-major (PyTorch: `output` with
/// `batch_first=True`, one sample), so recurrent layers stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sequence;

impl<const H: usize, const T: usize> Readout<H, T> for Last {
    type Output = [f32; H];
    const TAG: usize = 0;
    #[inline]
    fn put(y: &mut [f32; H], t: usize, h: &[f32; H]) {
        // `checked_add`: `t` comes from the caller, and `t + 1` could overflow.
        if t.checked_add(1) == Some(T) {
            *y = *h;
        }
    }
    #[inline]
    fn grad_at(dy: &[f32; H], t: usize) -> Option<&[f32; H]> {
        (t.checked_add(1) == Some(T)).then_some(dy)
    }
}

impl<const H: usize, const T: usize> Readout<H, T> for Sequence {
    type Output = [[f32; H]; T];
    const TAG: usize = 1;
    #[inline]
    fn put(y: &mut [[f32; H]; T], t: usize, h: &[f32; H]) {
        if let Some(yt) = y.get_mut(t) {
            *yt = *h;
        }
    }
    #[inline]
    fn grad_at(dy: &[[f32; H]; T], t: usize) -> Option<&[f32; H]> {
        dy.get(t)
    }
}

/// The weights of `G` stacked gates: `H` rows of `N` values per gate (`weight_ih` with
/// `N = IN`, `weight_hh` with `N = H`), PyTorch's `[G·H][N]` memory.
pub(crate) type GateRows<const G: usize, const H: usize, const N: usize> = [[[f32; N]; H]; G];

/// PyTorch's initialisation of `nn.GRU`/`nn.LSTM`: every weight and bias uniform in
/// `±1/√H`, block after block (`weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`). Xavier and
/// He fans do not describe stacked gates, so those schemes map to this one too;
/// `Init::Uniform(a)` uses `±a` for every value.
pub(crate) fn init_gates<R: Rng + ?Sized, const G: usize, const IN: usize, const H: usize>(
    (weight_ih, weight_hh): (&mut GateRows<G, H, IN>, &mut GateRows<G, H, H>),
    (bias_ih, bias_hh): (&mut [[f32; H]; G], &mut [[f32; H]; G]),
    init: Init,
    rng: &mut R,
) {
    let limit = match init {
        Init::Uniform(_) => init.limit(H, H),
        _ => 1.0 / crate::math::sqrt(H.max(1) as f32),
    };
    fill_uniform(weight_ih.as_flattened_mut().as_flattened_mut(), limit, rng);
    fill_uniform(weight_hh.as_flattened_mut().as_flattened_mut(), limit, rng);
    fill_uniform(bias_ih.as_flattened_mut(), limit, rng);
    fill_uniform(bias_hh.as_flattened_mut(), limit, rng);
}

/// Stored block `i` of a recurrent layer: `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`
/// (PyTorch's state-dict order), each flattened row-major; empty past the fourth.
pub(crate) fn gate_block<'a, const G: usize, const IN: usize, const H: usize>(
    (weight_ih, weight_hh): (&'a GateRows<G, H, IN>, &'a GateRows<G, H, H>),
    (bias_ih, bias_hh): (&'a [[f32; H]; G], &'a [[f32; H]; G]),
    i: usize,
) -> &'a [f32] {
    match i {
        0 => weight_ih.as_flattened().as_flattened(),
        1 => weight_hh.as_flattened().as_flattened(),
        2 => bias_ih.as_flattened(),
        3 => bias_hh.as_flattened(),
        _ => &[],
    }
}

/// [`gate_block`], mutable.
pub(crate) fn gate_block_mut<'a, const G: usize, const IN: usize, const H: usize>(
    (weight_ih, weight_hh): (&'a mut GateRows<G, H, IN>, &'a mut GateRows<G, H, H>),
    (bias_ih, bias_hh): (&'a mut [[f32; H]; G], &'a mut [[f32; H]; G]),
    i: usize,
) -> &'a mut [f32] {
    match i {
        0 => weight_ih.as_flattened_mut().as_flattened_mut(),
        1 => weight_hh.as_flattened_mut().as_flattened_mut(),
        2 => bias_ih.as_flattened_mut(),
        3 => bias_hh.as_flattened_mut(),
        _ => &mut [],
    }
}

/// `gates[g][j]`, or 0 out of range (never, for the `g < G`, `j < H` callers pass; the
/// lookup keeps a panic path out of firmware, where `g` and `j` come from loops the
/// optimizer does not always see through).
#[inline]
pub(crate) fn gate<const G: usize, const H: usize>(
    gates: &[[f32; H]; G],
    g: usize,
    j: usize,
) -> f32 {
    gates.get(g).and_then(|r| r.get(j)).copied().unwrap_or(0.0)
}

/// State `t − 1` of a per-step record (zero before the first step).
#[inline]
pub(crate) fn state_before<const H: usize>(states: &[[f32; H]], t: usize) -> [f32; H] {
    match t.checked_sub(1).and_then(|p| states.get(p)) {
        Some(s) => *s,
        None => [0.0; H],
    }
}

/// `out = Σ c · v` over `terms`, in order, from zero: a weight row's gradient summed over
/// time steps.
#[inline]
pub(crate) fn sum_over_steps<'a, const N: usize>(
    terms: impl Iterator<Item = (f32, &'a [f32; N])>,
    out: &mut [f32; N],
) {
    *out = [0.0; N];
    for (c, v) in terms {
        axpy(c, v, out);
    }
}

/// A recurrent layer's cache after `backward`: the gradient of every weight row, each a
/// sum over time steps. One definition for the buffered (`backward`) and the fused
/// (`update`) path, so both hand on the same bits.
pub(crate) trait RowGrads<const IN: usize, const H: usize> {
    /// The gradient of `weight_ih[g][j]` into `out`.
    fn row_grad_ih(&self, g: usize, j: usize, out: &mut [f32; IN]);
    /// The gradient of `weight_hh[g][j]` into `out`.
    fn row_grad_hh(&self, g: usize, j: usize, out: &mut [f32; H]);
}

/// The buffered path: adds every weight-row gradient of `cache` to `grads`.
pub(crate) fn add_weight_grads<C, const G: usize, const IN: usize, const H: usize>(
    cache: &C,
    grads_ih: &mut [[[f32; IN]; H]; G],
    grads_hh: &mut [[[f32; H]; H]; G],
) where
    C: RowGrads<IN, H>,
{
    let mut row = [0.0; IN];
    let mut row_h = [0.0; H];
    for (g, rows) in grads_ih.iter_mut().enumerate() {
        for (j, w) in rows.iter_mut().enumerate() {
            cache.row_grad_ih(g, j, &mut row);
            axpy(1.0, &row, w);
        }
    }
    for (g, rows) in grads_hh.iter_mut().enumerate() {
        for (j, w) in rows.iter_mut().enumerate() {
            cache.row_grad_hh(g, j, &mut row_h);
            axpy(1.0, &row_h, w);
        }
    }
}

/// The fused path: row by row, each weight row's gradient, summed over time into an `IN`-
/// or `H`-sized stack buffer exactly as [`add_weight_grads`] sums it, goes straight to the
/// optimizer (blocks 0 and 1 of the layer whose parameters start at block `first`).
pub(crate) fn update_weights<M, O, C, const G: usize, const IN: usize, const H: usize>(
    cache: &C,
    (weight_ih, weight_hh): (&mut GateRows<G, H, IN>, &mut GateRows<G, H, H>),
    opt: &mut O,
    first: usize,
) where
    M: Layer,
    O: Optimizer<M>,
    C: RowGrads<IN, H>,
{
    let mut row = [0.0; IN];
    let mut row_h = [0.0; H];
    for (g, rows) in weight_ih.iter_mut().enumerate() {
        for (j, w) in rows.iter_mut().enumerate() {
            cache.row_grad_ih(g, j, &mut row);
            opt.update_slice(Slot::block(first).at((g * H + j) * IN), w, &row, 1.0);
        }
    }
    for (g, rows) in weight_hh.iter_mut().enumerate() {
        for (j, w) in rows.iter_mut().enumerate() {
            cache.row_grad_hh(g, j, &mut row_h);
            opt.update_slice(Slot::of(first, 1).at((g * H + j) * H), w, &row_h, 1.0);
        }
    }
}

/// `bias[g][j] + weights[g][j] · v`: one gate unit's affine pre-activation (0 if `g` or `j`
/// is out of range, which the callers' loops never produce; the lookup keeps a panic path
/// out of firmware builds that do not inline far enough to see it).
#[inline]
pub(crate) fn affine<const G: usize, const H: usize, const N: usize>(
    weights: &[[[f32; N]; H]; G],
    bias: &[[f32; H]; G],
    g: usize,
    j: usize,
    v: &[f32; N],
) -> f32 {
    let row = weights.get(g).and_then(|rows| rows.get(j));
    let b = bias.get(g).and_then(|bs| bs.get(j));
    match (row, b) {
        (Some(row), Some(&b)) => b + crate::math::dot(row, v),
        _ => 0.0,
    }
}
