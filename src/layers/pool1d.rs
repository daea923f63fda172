//! `MaxPool1d`, `AvgPool1d` and `GlobalAvgPool1d`: pooling over time on `C×T` series.

use crate::layer::{Layer, signature};
use crate::layers::conv::out_size;
use crate::layers::conv1d::Series;
use crate::layers::kind;
use crate::zero::Zero;

/// The compile-time shape check shared by both windowed pooling layers.
const fn check_pool(c: usize, t: usize, ot: usize, k: usize, s: usize) {
    assert!(c > 0 && k > 0 && s > 0, "pooling needs C, K and S > 0");
    assert!(t >= k, "pooling: the window is longer than the input");
    assert!(
        ot == out_size(t, k, s, 0),
        "pooling: OT must equal (T - K) / S + 1"
    );
}

/// Max pooling over time with a window of `K` steps moved by `S` (default `K`), no padding,
/// trailing steps that do not fill a window dropped: PyTorch's `nn.MaxPool1d(K, stride=S)`.
///
/// Parameters: `C` channels, input length `T`, output length `OT` (written out and checked
/// at compile time: `OT = (T − K) / S + 1`), window `K` (default 2), stride `S`. The cache
/// keeps which step of each window was the maximum (one byte per output); ties go to the
/// first, a NaN wins and propagates, as in PyTorch.
///
/// ```
/// use stacknet::{Layer, layers::MaxPool1d};
/// let pool = MaxPool1d::<1, 5, 2>::new();
/// assert_eq!(pool.infer(&[[1.0, 3.0, -2.0, -1.0, 9.0]]), [[3.0, -1.0]]);
/// ```
///
/// A wrong output length does not build:
/// ```compile_fail,E0080
/// use stacknet::{Layer, Zero, layers::MaxPool1d};
/// let _ = MaxPool1d::<1, 5, 3>::new().infer(&Zero::ZERO);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MaxPool1d<
    const C: usize,
    const T: usize,
    const OT: usize,
    const K: usize = 2,
    const S: usize = K,
>;

impl<const C: usize, const T: usize, const OT: usize, const K: usize, const S: usize>
    MaxPool1d<C, T, OT, K, S>
{
    const SHAPE_OK: () = {
        check_pool(C, T, OT, K, S);
        assert!(
            K <= 256,
            "MaxPool1d stores the argmax in a byte: K must be <= 256"
        );
    };

    /// The layer (it has no parameters). Usable in `const` and `static` items.
    pub const fn new() -> Self {
        let () = Self::SHAPE_OK;
        Self
    }

    /// Maximum of the window of output `ot` and its offset inside the window.
    #[inline]
    fn window(xc: &[f32; T], ot: usize) -> (f32, u8) {
        let mut best = f32::NEG_INFINITY;
        let mut at = 0u8;
        let mut n = 0u8;
        for &v in xc.iter().skip(ot.wrapping_mul(S)).take(K) {
            // `>` keeps the first of equal maxima; a NaN replaces anything, so it propagates.
            if v > best || v.is_nan() {
                best = v;
                at = n;
            }
            // At most K <= 256 values: wrapping never happens, and needs no overflow check.
            n = n.wrapping_add(1);
        }
        (best, at)
    }
}

impl<const C: usize, const T: usize, const OT: usize, const K: usize, const S: usize> Zero
    for MaxPool1d<C, T, OT, K, S>
{
    const ZERO: Self = Self::new();
}

/// The cache of a [`MaxPool1d`]: for every output, the offset of the maximum inside its
/// window (`C·OT` bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArgMax1d<const C: usize, const OT: usize> {
    offsets: [[u8; OT]; C],
}

impl<const C: usize, const OT: usize> ArgMax1d<C, OT> {
    /// Offset of the maximum that produced output `[c][t]`, or `None` if out of range.
    pub fn offset(&self, c: usize, t: usize) -> Option<u8> {
        self.offsets.get(c)?.get(t).copied()
    }
}

impl<const C: usize, const OT: usize> Zero for ArgMax1d<C, OT> {
    const ZERO: Self = Self {
        offsets: [[0; OT]; C],
    };
}

impl<const C: usize, const T: usize, const OT: usize, const K: usize, const S: usize> Layer
    for MaxPool1d<C, T, OT, K, S>
{
    type Input = Series<C, T>;
    type Output = Series<C, OT>;
    type Cache = ArgMax1d<C, OT>;
    type Grads = ();

    const PARAMS: usize = 0;
    const PARAM_BLOCKS: usize = 0;
    const SIGNATURE: u64 = signature::of(kind::MAX_POOL1D, &[C, T, K, S]);

    fn infer_into(&self, x: &Self::Input, y: &mut Self::Output) {
        let () = Self::SHAPE_OK;
        for (yc, xc) in y.iter_mut().zip(x) {
            for (ot, v) in yc.iter_mut().enumerate() {
                *v = Self::window(xc, ot).0;
            }
        }
    }

    fn forward(&self, x: &Self::Input, cache: &mut Self::Cache, y: &mut Self::Output) {
        let () = Self::SHAPE_OK;
        for ((yc, xc), ac) in y.iter_mut().zip(x).zip(&mut cache.offsets) {
            // `zip(0..OT)`, not `enumerate()`: a range cannot overflow (as in `MaxPool2d`).
            for ((v, a), ot) in yc.iter_mut().zip(ac).zip(0..OT) {
                (*v, *a) = Self::window(xc, ot);
            }
        }
    }

    /// Each output's gradient goes to its window's maximum; overlapping windows add up.
    fn backward(
        &self,
        cache: &mut Self::Cache,
        dy: &Self::Output,
        dx: Option<&mut Self::Input>,
        _: Option<&mut ()>,
    ) {
        let () = Self::SHAPE_OK;
        let Some(dx) = dx else { return };
        *dx = [[0.0; T]; C];
        for ((dxc, dyc), ac) in dx.iter_mut().zip(dy).zip(&cache.offsets) {
            for ((&d, &a), ot) in dyc.iter().zip(ac).zip(0..OT) {
                // Always in range (shape check); `get_mut` keeps panics out of firmware.
                if let Some(cell) = dxc.get_mut(ot.wrapping_mul(S).wrapping_add(a as usize)) {
                    *cell += d;
                }
            }
        }
    }
}

/// Average pooling over time with a window of `K` steps and stride `S` (default `K`), no
/// padding: PyTorch's `nn.AvgPool1d(K, stride=S)`. Same parameters and compile-time check
/// as [`MaxPool1d`]; no cache.
///
/// ```
/// use stacknet::{Layer, layers::AvgPool1d};
/// let pool = AvgPool1d::<1, 4, 2>::new();
/// assert_eq!(pool.infer(&[[1.0, 3.0, 0.0, -4.0]]), [[2.0, -2.0]]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AvgPool1d<
    const C: usize,
    const T: usize,
    const OT: usize,
    const K: usize = 2,
    const S: usize = K,
>;

impl<const C: usize, const T: usize, const OT: usize, const K: usize, const S: usize>
    AvgPool1d<C, T, OT, K, S>
{
    const SHAPE_OK: () = check_pool(C, T, OT, K, S);

    /// The layer (it has no parameters). Usable in `const` and `static` items.
    pub const fn new() -> Self {
        let () = Self::SHAPE_OK;
        Self
    }
}

impl<const C: usize, const T: usize, const OT: usize, const K: usize, const S: usize> Zero
    for AvgPool1d<C, T, OT, K, S>
{
    const ZERO: Self = Self::new();
}

impl<const C: usize, const T: usize, const OT: usize, const K: usize, const S: usize> Layer
    for AvgPool1d<C, T, OT, K, S>
{
    type Input = Series<C, T>;
    type Output = Series<C, OT>;
    type Cache = ();
    type Grads = ();

    const PARAMS: usize = 0;
    const PARAM_BLOCKS: usize = 0;
    const SIGNATURE: u64 = signature::of(kind::AVG_POOL1D, &[C, T, K, S]);

    /// Each output is the window's sum, in order, divided by `K` (as PyTorch divides).
    fn infer_into(&self, x: &Self::Input, y: &mut Self::Output) {
        let () = Self::SHAPE_OK;
        for (yc, xc) in y.iter_mut().zip(x) {
            for (ot, v) in yc.iter_mut().enumerate() {
                *v = xc.iter().skip(ot * S).take(K).sum::<f32>() / K as f32;
            }
        }
    }

    fn forward(&self, x: &Self::Input, _: &mut (), y: &mut Self::Output) {
        self.infer_into(x, y);
    }

    fn backward(
        &self,
        _: &mut (),
        dy: &Self::Output,
        dx: Option<&mut Self::Input>,
        _: Option<&mut ()>,
    ) {
        let () = Self::SHAPE_OK;
        let Some(dx) = dx else { return };
        *dx = [[0.0; T]; C];
        for (dxc, dyc) in dx.iter_mut().zip(dy) {
            for (ot, &d) in dyc.iter().enumerate() {
                let share = d / K as f32;
                for cell in dxc.iter_mut().skip(ot * S).take(K) {
                    *cell += share;
                }
            }
        }
    }
}

/// The mean over time of every channel: `[[f32; T]; C]` → `[f32; C]`, PyTorch's
/// `x.mean(dim=-1)` (or `nn.AdaptiveAvgPool1d(1)` and a flatten). It ends a convolutional
/// feature extractor whatever the series length, feeding a [`Dense`](crate::Dense) head.
///
/// ```
/// use stacknet::{Layer, layers::GlobalAvgPool1d};
/// let pool = GlobalAvgPool1d::<2, 4>::new();
/// assert_eq!(pool.infer(&[[1.0, 2.0, 3.0, 6.0], [0.0; 4]]), [3.0, 0.0]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GlobalAvgPool1d<const C: usize, const T: usize>;

impl<const C: usize, const T: usize> GlobalAvgPool1d<C, T> {
    const SHAPE_OK: () = assert!(C > 0 && T > 0, "GlobalAvgPool1d needs C > 0 and T > 0");

    /// The layer (it has no parameters). Usable in `const` and `static` items.
    pub const fn new() -> Self {
        let () = Self::SHAPE_OK;
        Self
    }
}

impl<const C: usize, const T: usize> Zero for GlobalAvgPool1d<C, T> {
    const ZERO: Self = Self::new();
}

impl<const C: usize, const T: usize> Layer for GlobalAvgPool1d<C, T> {
    type Input = Series<C, T>;
    type Output = [f32; C];
    type Cache = ();
    type Grads = ();

    const PARAMS: usize = 0;
    const PARAM_BLOCKS: usize = 0;
    const SIGNATURE: u64 = signature::of(kind::GLOBAL_AVG_POOL1D, &[C, T]);

    fn infer_into(&self, x: &Self::Input, y: &mut [f32; C]) {
        let () = Self::SHAPE_OK;
        for (v, xc) in y.iter_mut().zip(x) {
            *v = xc.iter().sum::<f32>() / T as f32;
        }
    }

    fn forward(&self, x: &Self::Input, _: &mut (), y: &mut [f32; C]) {
        self.infer_into(x, y);
    }

    fn backward(
        &self,
        _: &mut (),
        dy: &[f32; C],
        dx: Option<&mut Self::Input>,
        _: Option<&mut ()>,
    ) {
        let () = Self::SHAPE_OK;
        if let Some(dx) = dx {
            for (dxc, &d) in dx.iter_mut().zip(dy) {
                *dxc = [d / T as f32; T];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_pool_routes_gradients_to_the_first_maximum() {
        let pool = MaxPool1d::<1, 5, 2, 3, 2>::new();
        let x = [[1.0, 4.0, 4.0, 0.0, 2.0]];
        let (mut c, mut y) = (Zero::ZERO, Zero::ZERO);
        pool.forward(&x, &mut c, &mut y);
        assert_eq!(y, [[4.0, 4.0]]);
        let mut dx = Zero::ZERO;
        pool.backward(&mut c, &[[1.0, 10.0]], Some(&mut dx), None);
        assert_eq!(dx, [[0.0, 1.0, 10.0, 0.0, 0.0]]);
        assert!(pool.infer(&[[f32::NAN, 1.0, 2.0, 3.0, 4.0]])[0][0].is_nan());
    }

    #[test]
    fn avg_pools_spread_gradients_evenly() {
        let pool = AvgPool1d::<1, 5, 2, 3, 2>::new();
        let mut dx = Zero::ZERO;
        pool.backward(&mut (), &[[3.0, 6.0]], Some(&mut dx), None);
        assert_eq!(dx, [[1.0, 1.0, 3.0, 2.0, 2.0]]);
        let g = GlobalAvgPool1d::<1, 4>::new();
        let mut d4 = [[0.0; 4]];
        g.backward(&mut (), &[2.0], Some(&mut d4), None);
        assert_eq!(d4, [[0.5; 4]]);
    }
}
