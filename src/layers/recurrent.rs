//! What a recurrent layer returns ([`Readout`]: the [`Last`] hidden state or the whole
//! [`Sequence`]) and the initialisation [`Gru`](crate::layers::Gru) and
//! [`Lstm`](crate::layers::Lstm) share.

use crate::init::{Init, fill_uniform};
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

/// PyTorch's initialisation of `nn.GRU`/`nn.LSTM`: every weight and bias uniform in
/// `±1/√H`. Xavier and He fans do not describe stacked gates, so those schemes map to this
/// one too; `Init::Uniform(a)` uses `±a` for every value.
pub(crate) fn fill_recurrent<R: Rng + ?Sized>(
    blocks: [&mut [f32]; 4],
    hidden: usize,
    init: Init,
    rng: &mut R,
) {
    let limit = match init {
        Init::Uniform(_) => init.limit(hidden, hidden),
        _ => 1.0 / crate::math::sqrt(hidden.max(1) as f32),
    };
    for block in blocks {
        fill_uniform(block, limit, rng);
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
