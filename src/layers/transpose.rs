//! Layout adapters for series: `Transpose` turns a `C×T` series (channels × time, the
//! layout of [`Conv1d`](crate::layers::Conv1d) and of `SeqDataset` samples) time-major,
//! `T×C`, the layout recurrent layers read; `UnflattenSeries` turns a flat sample into a
//! `C×T` series.

use crate::layer::{Layer, signature};
use crate::layers::kind;
use crate::zero::Zero;

/// Swaps the two axes: `[[f32; T]; C]` → `[[f32; C]; T]`, `y[t][c] = x[c][t]` (PyTorch's
/// `x.transpose(-1, -2)`). Put it between a channels-first feature extractor (or a
/// channels-first dataset) and a [`Gru`](crate::layers::Gru) or
/// [`Lstm`](crate::layers::Lstm). No parameters, no cache.
///
/// ```
/// use stacknet::{Layer, layers::Transpose};
/// let t = Transpose::<2, 3>::new();
/// assert_eq!(t.infer(&[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Transpose<const C: usize, const T: usize>;

impl<const C: usize, const T: usize> Transpose<C, T> {
    /// The layer (it has no parameters). Usable in `const` and `static` items.
    pub const fn new() -> Self {
        Self
    }
}

impl<const C: usize, const T: usize> Zero for Transpose<C, T> {
    const ZERO: Self = Self::new();
}

/// `y[j][i] = x[i][j]`.
#[inline]
fn transpose<const A: usize, const B: usize>(x: &[[f32; B]; A], y: &mut [[f32; A]; B]) {
    for (i, xrow) in x.iter().enumerate() {
        for (yrow, &v) in y.iter_mut().zip(xrow) {
            if let Some(cell) = yrow.get_mut(i) {
                *cell = v;
            }
        }
    }
}

impl<const C: usize, const T: usize> Layer for Transpose<C, T> {
    type Input = [[f32; T]; C];
    type Output = [[f32; C]; T];
    type Cache = ();
    type Grads = ();

    const PARAMS: usize = 0;
    const PARAM_BLOCKS: usize = 0;
    const SIGNATURE: u64 = signature::of(kind::TRANSPOSE, &[C, T]);

    fn infer_into(&self, x: &Self::Input, y: &mut Self::Output) {
        transpose(x, y);
    }

    fn forward(&self, x: &Self::Input, _: &mut (), y: &mut Self::Output) {
        transpose(x, y);
    }

    fn backward(
        &self,
        _: &mut (),
        dy: &Self::Output,
        dx: Option<&mut Self::Input>,
        _: Option<&mut ()>,
    ) {
        if let Some(dx) = dx {
            transpose(dy, dx);
        }
    }
}

/// Reshapes `[f32; N]` into a `C×T` series `[[f32; T]; C]` (channel after channel, as
/// `SeqDataset::flatten` lays samples out): PyTorch's `nn.Unflatten(1, (C, T))`. Put it
/// first in a sequence model trained on flat samples (`stacknet::std::fit` takes a
/// `Dataset` of `[f32; N]` rows). `N == C·T` is checked at compile time:
///
/// ```compile_fail,E0080
/// use stacknet::{Layer, Zero, layers::UnflattenSeries};
/// let _ = UnflattenSeries::<6, 100, 60>::new().infer(&Zero::ZERO);
/// ```
///
/// ```
/// use stacknet::{Layer, layers::UnflattenSeries};
/// let u = UnflattenSeries::<2, 3, 6>::new();
/// assert_eq!(u.infer(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UnflattenSeries<const C: usize, const T: usize, const N: usize>;

impl<const C: usize, const T: usize, const N: usize> UnflattenSeries<C, T, N> {
    const SHAPE_OK: () = assert!(N == C * T, "UnflattenSeries<C, T, N> needs N == C * T");

    /// The layer (it has no parameters). Usable in `const` and `static` items.
    pub const fn new() -> Self {
        let () = Self::SHAPE_OK;
        Self
    }
}

impl<const C: usize, const T: usize, const N: usize> Zero for UnflattenSeries<C, T, N> {
    const ZERO: Self = Self::new();
}

impl<const C: usize, const T: usize, const N: usize> Layer for UnflattenSeries<C, T, N> {
    type Input = [f32; N];
    type Output = [[f32; T]; C];
    type Cache = ();
    type Grads = ();

    const PARAMS: usize = 0;
    const PARAM_BLOCKS: usize = 0;
    const SIGNATURE: u64 = signature::of(kind::UNFLATTEN_SERIES, &[C, T]);

    fn infer_into(&self, x: &[f32; N], y: &mut Self::Output) {
        let () = Self::SHAPE_OK;
        for (d, s) in y.as_flattened_mut().iter_mut().zip(x) {
            *d = *s;
        }
    }

    fn forward(&self, x: &[f32; N], _: &mut (), y: &mut Self::Output) {
        self.infer_into(x, y);
    }

    fn backward(
        &self,
        _: &mut (),
        dy: &Self::Output,
        dx: Option<&mut [f32; N]>,
        _: Option<&mut ()>,
    ) {
        let () = Self::SHAPE_OK;
        if let Some(dx) = dx {
            for (d, s) in dx.iter_mut().zip(dy.as_flattened()) {
                *d = *s;
            }
        }
    }
}
