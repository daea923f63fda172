//! `QFlatten` and `QUnflatten`: int8 reshapes between `C×H×W` maps and flat vectors
//! (TFLite's `RESHAPE`, in stacknet's channel-first order).

use crate::quant::conv::QMap;
use crate::quant::layer::QLayer;

/// `C×H×W` int8 map → `[i8; N]` in channel-first order (`N = C·H·W`, checked when built).
///
/// TFLite flattens `H×W×C`; the `.tflite` importer permutes the next layer's weight
/// columns instead, so the data never has to be reordered at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QFlatten<const C: usize, const H: usize, const W: usize, const N: usize>;

/// `[i8; N]` → `C×H×W` int8 map (`N = C·H·W`, checked when built): the front of a CNN
/// whose samples arrive flat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QUnflatten<const C: usize, const H: usize, const W: usize, const N: usize>;

impl<const C: usize, const H: usize, const W: usize, const N: usize> QFlatten<C, H, W, N> {
    const SHAPE_OK: () = assert!(N == C * H * W, "QFlatten: N must equal C * H * W");
    /// The layer. Usable in `const` and `static` items.
    pub const fn new() -> Self {
        let () = Self::SHAPE_OK;
        Self
    }
}

impl<const C: usize, const H: usize, const W: usize, const N: usize> QUnflatten<C, H, W, N> {
    const SHAPE_OK: () = assert!(N == C * H * W, "QUnflatten: N must equal C * H * W");
    /// The layer. Usable in `const` and `static` items.
    pub const fn new() -> Self {
        let () = Self::SHAPE_OK;
        Self
    }
}

impl<const C: usize, const H: usize, const W: usize, const N: usize> QLayer
    for QFlatten<C, H, W, N>
{
    type Input = QMap<C, H, W>;
    type Output = [i8; N];

    fn infer(&self, x: &Self::Input) -> [i8; N] {
        let () = Self::SHAPE_OK;
        let mut y = [0i8; N];
        for (d, s) in y.iter_mut().zip(x.as_flattened().as_flattened()) {
            *d = *s;
        }
        y
    }
}

impl<const C: usize, const H: usize, const W: usize, const N: usize> QLayer
    for QUnflatten<C, H, W, N>
{
    type Input = [i8; N];
    type Output = QMap<C, H, W>;

    fn infer(&self, x: &[i8; N]) -> Self::Output {
        let () = Self::SHAPE_OK;
        let mut y = [[[0i8; W]; H]; C];
        for (d, s) in y.as_flattened_mut().as_flattened_mut().iter_mut().zip(x) {
            *d = *s;
        }
        y
    }
}
