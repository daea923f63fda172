//! `Transpose`: a `C×T` series (channels × time, the layout of [`Conv1d`](crate::layers::Conv1d)
//! and of `SeqDataset` samples) turned time-major, `T×C`, the layout recurrent layers read.

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
