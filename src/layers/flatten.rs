//! `Flatten`: a `C×H×W` feature map seen as one vector, to feed a dense layer, and
//! `Unflatten`, the reverse, to feed flat samples (`[f32; N]` datasets) to a convolution.

use crate::layer::{Layer, signature};
use crate::layers::conv::Map;
use crate::layers::kind;
use crate::zero::{Tensor, Zero};

/// Reshapes `[[[f32; W]; H]; C]` into `[f32; N]` in row-major order (channel, row, column),
/// like PyTorch's `nn.Flatten()` on a `C×H×W` sample. `N` must equal `C·H·W`; stable Rust
/// cannot write that product in a type, so it is a parameter checked at compile time:
///
/// ```compile_fail,E0080
/// use stacknet::{Layer, Zero, layers::Flatten};
/// let _ = Flatten::<8, 13, 13, 1351>::new().infer(&Zero::ZERO); // 8·13·13 = 1352
/// ```
///
/// No parameters, no cache; forward and backward are one `memcpy` of contiguous memory.
///
/// ```
/// use stacknet::{Layer, layers::Flatten};
/// let f = Flatten::<2, 1, 2, 4>::new();
/// assert_eq!(f.infer(&[[[1.0, 2.0]], [[3.0, 4.0]]]), [1.0, 2.0, 3.0, 4.0]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flatten<const C: usize, const H: usize, const W: usize, const N: usize>;

impl<const C: usize, const H: usize, const W: usize, const N: usize> Flatten<C, H, W, N> {
    const SHAPE_OK: () = assert!(N == C * H * W, "Flatten<C, H, W, N> needs N == C * H * W");

    /// The layer (it has no parameters). Usable in `const` and `static` items.
    pub const fn new() -> Self {
        let () = Self::SHAPE_OK;
        Self
    }
}

impl<const C: usize, const H: usize, const W: usize, const N: usize> Zero for Flatten<C, H, W, N> {
    const ZERO: Self = Self::new();
}

impl<const C: usize, const H: usize, const W: usize, const N: usize> Layer for Flatten<C, H, W, N> {
    type Input = Map<C, H, W>;
    type Output = [f32; N];
    type Cache = ();
    type Grads = ();

    const PARAMS: usize = 0;
    const PARAM_BLOCKS: usize = 0;
    const SIGNATURE: u64 = signature::of(kind::FLATTEN, &[C, H, W]);

    #[inline]
    fn infer_into(&self, x: &Self::Input, y: &mut [f32; N]) {
        let () = Self::SHAPE_OK;
        copy(x.flat(), y);
    }

    #[inline]
    fn forward(&self, x: &Self::Input, _: &mut (), y: &mut [f32; N]) {
        self.infer_into(x, y);
    }

    #[inline]
    fn backward(
        &self,
        _: &mut (),
        dy: &[f32; N],
        dx: Option<&mut Self::Input>,
        _: Option<&mut ()>,
    ) {
        let () = Self::SHAPE_OK;
        if let Some(dx) = dx {
            copy(dy, dx.flat_mut());
        }
    }
}

/// Reshapes `[f32; N]` into `[[[f32; W]; H]; C]` (row-major), the reverse of [`Flatten`]:
/// PyTorch's `nn.Unflatten(1, (C, H, W))`. Put it first in a CNN whose samples come as flat
/// vectors (an image dataset of `[f32; 784]` rows), so the model's `Input` is `[f32; N]`.
/// `N == C·H·W` is checked at compile time.
///
/// ```
/// use stacknet::{Layer, layers::Unflatten};
/// let u = Unflatten::<2, 1, 2, 4>::new();
/// assert_eq!(u.infer(&[1.0, 2.0, 3.0, 4.0]), [[[1.0, 2.0]], [[3.0, 4.0]]]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Unflatten<const C: usize, const H: usize, const W: usize, const N: usize>;

impl<const C: usize, const H: usize, const W: usize, const N: usize> Unflatten<C, H, W, N> {
    const SHAPE_OK: () = assert!(N == C * H * W, "Unflatten<C, H, W, N> needs N == C * H * W");

    /// The layer (it has no parameters). Usable in `const` and `static` items.
    pub const fn new() -> Self {
        let () = Self::SHAPE_OK;
        Self
    }
}

impl<const C: usize, const H: usize, const W: usize, const N: usize> Zero
    for Unflatten<C, H, W, N>
{
    const ZERO: Self = Self::new();
}

impl<const C: usize, const H: usize, const W: usize, const N: usize> Layer
    for Unflatten<C, H, W, N>
{
    type Input = [f32; N];
    type Output = Map<C, H, W>;
    type Cache = ();
    type Grads = ();

    const PARAMS: usize = 0;
    const PARAM_BLOCKS: usize = 0;
    const SIGNATURE: u64 = signature::of(kind::UNFLATTEN, &[C, H, W]);

    #[inline]
    fn infer_into(&self, x: &[f32; N], y: &mut Self::Output) {
        let () = Self::SHAPE_OK;
        copy(x, y.flat_mut());
    }

    #[inline]
    fn forward(&self, x: &[f32; N], _: &mut (), y: &mut Self::Output) {
        self.infer_into(x, y);
    }

    #[inline]
    fn backward(
        &self,
        _: &mut (),
        dy: &Self::Output,
        dx: Option<&mut [f32; N]>,
        _: Option<&mut ()>,
    ) {
        let () = Self::SHAPE_OK;
        if let Some(dx) = dx {
            copy(dy.flat(), dx);
        }
    }
}

/// Element-wise copy between equally long views (the lengths are equal by the const
/// assert; zipping keeps the copy free of a length-check panic).
fn copy(from: &[f32], to: &mut [f32]) {
    for (t, f) in to.iter_mut().zip(from) {
        *t = *f;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_is_row_major() {
        let f = Flatten::<2, 2, 3, 12>::new();
        let mut x = [[[0.0f32; 3]; 2]; 2];
        x[1][0][2] = 5.0;
        x[0][1][1] = -1.0;
        let y = f.infer(&x);
        assert_eq!((y[6 + 2], y[3 + 1]), (5.0, -1.0));
        let mut dx = Zero::ZERO;
        f.backward(&mut (), &y, Some(&mut dx), None);
        assert_eq!(dx, x);
        let u = Unflatten::<2, 2, 3, 12>::new();
        assert_eq!(u.infer(&y), x);
        let mut dy = [0.0; 12];
        u.backward(&mut (), &x, Some(&mut dy), None);
        assert_eq!(dy, y);
    }
}
