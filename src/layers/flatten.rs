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

    const PARAMS: usize = 0;
    const PARAM_BLOCKS: usize = 0;
    const SIGNATURE: u64 = signature::of(kind::FLATTEN, &[C, H, W]);

    #[inline]
    fn infer(&self, x: &Self::Input) -> [f32; N] {
        let () = Self::SHAPE_OK;
        let mut y = [0.0; N];
        y.copy_from_slice(x.flat());
        y
    }

    #[inline]
    fn forward(&self, x: &Self::Input, _: &mut ()) -> [f32; N] {
        self.infer(x)
    }

    #[inline]
    fn backward(&self, _: &(), dy: &[f32; N], _: &mut Self) -> Self::Input {
        let () = Self::SHAPE_OK;
        let mut dx: Self::Input = Zero::ZERO;
        dx.flat_mut().copy_from_slice(dy);
        dx
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

    const PARAMS: usize = 0;
    const PARAM_BLOCKS: usize = 0;
    const SIGNATURE: u64 = signature::of(kind::UNFLATTEN, &[C, H, W]);

    #[inline]
    fn infer(&self, x: &[f32; N]) -> Self::Output {
        let () = Self::SHAPE_OK;
        let mut y: Self::Output = Zero::ZERO;
        y.flat_mut().copy_from_slice(x);
        y
    }

    #[inline]
    fn forward(&self, x: &[f32; N], _: &mut ()) -> Self::Output {
        self.infer(x)
    }

    #[inline]
    fn backward(&self, _: &(), dy: &Self::Output, _: &mut Self) -> [f32; N] {
        let () = Self::SHAPE_OK;
        let mut dx = [0.0; N];
        dx.copy_from_slice(dy.flat());
        dx
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
        assert_eq!(f.backward(&(), &y, &mut Flatten::new()), x);
        let u = Unflatten::<2, 2, 3, 12>::new();
        assert_eq!(u.infer(&y), x);
        assert_eq!(u.backward(&(), &x, &mut Unflatten::new()), y);
    }
}
