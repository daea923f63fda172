//! `Zero`: a constant all-zero value for any size, and `Tensor`: flat access to nested arrays.

/// A type with an all-zero constant, usable in `const` and `static` items.
///
/// `Default` is not enough: `[f32; N]: Default` stops at `N = 32`. `Zero` works at any size,
/// for nested arrays, tuples (chained models) and every layer.
pub trait Zero: Sized {
    /// The all-zero value: zero weights, an empty cache, cleared gradients.
    const ZERO: Self;
}

impl Zero for f32 {
    const ZERO: Self = 0.0;
}

impl Zero for () {
    const ZERO: Self = ();
}

impl<T: Zero, const N: usize> Zero for [T; N] {
    const ZERO: Self = [T::ZERO; N];
}

impl<A: Zero, B: Zero> Zero for (A, B) {
    const ZERO: Self = (A::ZERO, B::ZERO);
}

impl<A: Zero, B: Zero, C: Zero> Zero for (A, B, C) {
    const ZERO: Self = (A::ZERO, B::ZERO, C::ZERO);
}

/// Data that flows between layers: an `f32` array of fixed shape, seen flat when needed.
///
/// Implemented for `[f32; N]`, `[[f32; W]; H]` and `[[[f32; W]; H]; C]` (channels, rows,
/// columns, as PyTorch's `C×H×W`). Flat views cost nothing: nested arrays are contiguous.
pub trait Tensor: Zero + Copy {
    /// Number of `f32` elements.
    const LEN: usize;
    /// All elements, row-major.
    fn flat(&self) -> &[f32];
    /// All elements, row-major, mutable.
    fn flat_mut(&mut self) -> &mut [f32];
    /// The tensor stored in the first `LEN` values of `flat`, or `None` if it is shorter.
    fn view(flat: &[f32]) -> Option<&Self>;
    /// The tensor stored in the first `LEN` values of `flat`, mutable.
    fn view_mut(flat: &mut [f32]) -> Option<&mut Self>;
    /// True when no element is NaN or infinite.
    fn is_finite(&self) -> bool {
        crate::math::all_finite(self.flat())
    }
}

impl<const N: usize> Tensor for [f32; N] {
    const LEN: usize = N;
    fn flat(&self) -> &[f32] {
        self
    }
    fn flat_mut(&mut self) -> &mut [f32] {
        self
    }
    fn view(flat: &[f32]) -> Option<&Self> {
        flat.first_chunk()
    }
    fn view_mut(flat: &mut [f32]) -> Option<&mut Self> {
        flat.first_chunk_mut()
    }
}

impl<const H: usize, const W: usize> Tensor for [[f32; W]; H] {
    const LEN: usize = H * W;
    fn flat(&self) -> &[f32] {
        self.as_flattened()
    }
    fn flat_mut(&mut self) -> &mut [f32] {
        self.as_flattened_mut()
    }
    fn view(flat: &[f32]) -> Option<&Self> {
        <[f32; W]>::view_rows(flat)?.first_chunk()
    }
    fn view_mut(flat: &mut [f32]) -> Option<&mut Self> {
        <[f32; W]>::view_rows_mut(flat)?.first_chunk_mut()
    }
}

impl<const C: usize, const H: usize, const W: usize> Tensor for [[[f32; W]; H]; C] {
    const LEN: usize = C * H * W;
    fn flat(&self) -> &[f32] {
        self.as_flattened().as_flattened()
    }
    fn flat_mut(&mut self) -> &mut [f32] {
        self.as_flattened_mut().as_flattened_mut()
    }
    fn view(flat: &[f32]) -> Option<&Self> {
        let rows = <[f32; W]>::view_rows(flat)?;
        if H == 0 {
            return None;
        }
        rows.as_chunks::<H>().0.first_chunk()
    }
    fn view_mut(flat: &mut [f32]) -> Option<&mut Self> {
        let rows = <[f32; W]>::view_rows_mut(flat)?;
        if H == 0 {
            return None;
        }
        rows.as_chunks_mut::<H>().0.first_chunk_mut()
    }
}

/// Rows of `W` values from a flat slice (`None` for `W = 0`, which has no rows to cut).
trait Rows<const W: usize> {
    fn view_rows(flat: &[f32]) -> Option<&[[f32; W]]>;
    fn view_rows_mut(flat: &mut [f32]) -> Option<&mut [[f32; W]]>;
}

impl<const W: usize> Rows<W> for [f32; W] {
    fn view_rows(flat: &[f32]) -> Option<&[[f32; W]]> {
        if W == 0 {
            return None;
        }
        Some(flat.as_chunks::<W>().0)
    }
    fn view_rows_mut(flat: &mut [f32]) -> Option<&mut [[f32; W]]> {
        if W == 0 {
            return None;
        }
        Some(flat.as_chunks_mut::<W>().0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_works_past_32_elements_and_nested() {
        let a: [[f32; 40]; 3] = Zero::ZERO;
        assert!(a.flat().iter().all(|&v| v == 0.0));
        assert_eq!(<[[f32; 40]; 3] as Tensor>::LEN, 120);
    }

    #[test]
    fn flat_view_is_row_major() {
        let mut t = [[[0.0f32; 3]; 2]; 2];
        t[1][0][2] = 7.0;
        assert_eq!(t.flat()[6 + 2], 7.0);
        t.flat_mut()[11] = 1.0;
        assert_eq!(t[1][1][2], 1.0);
        assert!(t.is_finite());
        t[0][1][1] = f32::NAN;
        assert!(!t.is_finite());
    }
}
