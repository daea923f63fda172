//! `MaxPool2d` and `AvgPool2d`: spatial pooling over `C×H×W` feature maps.

use crate::layer::{Layer, signature};
use crate::layers::conv::{Map, out_size};
use crate::layers::kind;
use crate::zero::Zero;

/// The compile-time shape check shared by both pooling layers.
pub(crate) const fn check_pool(
    c: usize,
    h: usize,
    w: usize,
    oh: usize,
    ow: usize,
    k: usize,
    s: usize,
) {
    assert!(c > 0 && k > 0 && s > 0, "pooling needs C, K and S > 0");
    assert!(
        h >= k && w >= k,
        "pooling: the window is larger than the input"
    );
    assert!(
        oh == out_size(h, k, s, 0),
        "pooling: OH must equal (H - K) / S + 1"
    );
    assert!(
        ow == out_size(w, k, s, 0),
        "pooling: OW must equal (W - K) / S + 1"
    );
}

/// Max pooling with a `K×K` window moved by stride `S` (default `K`: non-overlapping), no
/// padding, rows/columns that do not fill a window dropped: PyTorch's
/// `nn.MaxPool2d(K, stride=S)`.
///
/// Parameters: `C` channels, input `H×W`, output `OH×OW` (written out and checked at compile
/// time: `OH = (H − K) / S + 1`, see [`out_size`]), window `K` (default 2), stride `S`.
///
/// The cache keeps, for every output, which element of its window was the maximum
/// ([`ArgMax`], one byte per output), and backward routes each gradient there. On ties the
/// first maximum in row-major order wins, as in PyTorch; a NaN in a window wins and
/// propagates.
///
/// ```
/// use stacknet::{Layer, layers::MaxPool2d};
/// let pool = MaxPool2d::<1, 4, 4, 2, 2>::new();
/// let x = [[[1.0, 2.0, 0.0, 0.0], [3.0, 4.0, 0.0, 9.0], [0.0; 4], [5.0, 0.0, 0.0, -1.0]]];
/// assert_eq!(pool.infer(&x), [[[4.0, 9.0], [5.0, 0.0]]]);
/// ```
///
/// A wrong output size does not build:
/// ```compile_fail,E0080
/// use stacknet::{Layer, Zero, layers::MaxPool2d};
/// let _ = MaxPool2d::<1, 4, 4, 3, 3>::new().infer(&Zero::ZERO);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MaxPool2d<
    const C: usize,
    const H: usize,
    const W: usize,
    const OH: usize,
    const OW: usize,
    const K: usize = 2,
    const S: usize = K,
>;

impl<
    const C: usize,
    const H: usize,
    const W: usize,
    const OH: usize,
    const OW: usize,
    const K: usize,
    const S: usize,
> MaxPool2d<C, H, W, OH, OW, K, S>
{
    const SHAPE_OK: () = {
        check_pool(C, H, W, OH, OW, K, S);
        assert!(
            K * K <= 256,
            "MaxPool2d stores the argmax in a byte: K must be <= 16"
        );
    };

    /// The layer (it has no parameters). Usable in `const` and `static` items.
    pub const fn new() -> Self {
        let () = Self::SHAPE_OK;
        Self
    }

    /// Maximum of one window and its row-major offset `ky·K + kx`.
    #[inline]
    fn window(xc: &[[f32; W]; H], oy: usize, ox: usize) -> (f32, u8) {
        let mut best = f32::NEG_INFINITY;
        let mut at = 0u8;
        let mut n = 0u8;
        for row in xc.iter().skip(oy * S).take(K) {
            for &v in row.iter().skip(ox * S).take(K) {
                // `>` keeps the first of equal maxima; a NaN replaces anything (and stays
                // unless another NaN follows), so it propagates as in PyTorch.
                if v > best || v.is_nan() {
                    best = v;
                    at = n;
                }
                n = n.wrapping_add(1);
            }
        }
        (best, at)
    }
}

impl<
    const C: usize,
    const H: usize,
    const W: usize,
    const OH: usize,
    const OW: usize,
    const K: usize,
    const S: usize,
> Zero for MaxPool2d<C, H, W, OH, OW, K, S>
{
    const ZERO: Self = Self::new();
}

/// The cache of a [`MaxPool2d`]: for every output, the row-major offset `ky·K + kx` of the
/// maximum inside its window. One byte per output (`C·OH·OW` bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArgMax<const C: usize, const OH: usize, const OW: usize> {
    offsets: [[[u8; OW]; OH]; C],
}

impl<const C: usize, const OH: usize, const OW: usize> ArgMax<C, OH, OW> {
    /// Offset `ky·K + kx` of the maximum that produced output `[c][oy][ox]`, or `None`
    /// if an index is out of range.
    pub fn offset(&self, c: usize, oy: usize, ox: usize) -> Option<u8> {
        self.offsets.get(c)?.get(oy)?.get(ox).copied()
    }
}

impl<const C: usize, const OH: usize, const OW: usize> Zero for ArgMax<C, OH, OW> {
    const ZERO: Self = Self {
        offsets: [[[0; OW]; OH]; C],
    };
}

impl<
    const C: usize,
    const H: usize,
    const W: usize,
    const OH: usize,
    const OW: usize,
    const K: usize,
    const S: usize,
> Layer for MaxPool2d<C, H, W, OH, OW, K, S>
{
    type Input = Map<C, H, W>;
    type Output = Map<C, OH, OW>;
    type Cache = ArgMax<C, OH, OW>;
    type Grads = ();

    const PARAMS: usize = 0;
    const PARAM_BLOCKS: usize = 0;
    const SIGNATURE: u64 = signature::of(kind::MAX_POOL2D, &[C, H, W, K, S]);

    fn infer_into(&self, x: &Self::Input, y: &mut Self::Output) {
        let () = Self::SHAPE_OK;
        for (yc, xc) in y.iter_mut().zip(x) {
            for (oy, yrow) in yc.iter_mut().enumerate() {
                for (ox, v) in yrow.iter_mut().enumerate() {
                    *v = Self::window(xc, oy, ox).0;
                }
            }
        }
    }

    fn forward(&self, x: &Self::Input, cache: &mut Self::Cache, y: &mut Self::Output) {
        let () = Self::SHAPE_OK;
        for ((yc, xc), ac) in y.iter_mut().zip(x).zip(&mut cache.offsets) {
            // `zip(0..OH)`, not `enumerate()`: a range cannot overflow, while enumerate's
            // counter carries an overflow check the optimizer does not always remove.
            for ((yrow, arow), oy) in yc.iter_mut().zip(ac).zip(0..OH) {
                for ((v, a), ox) in yrow.iter_mut().zip(arow).zip(0..OW) {
                    (*v, *a) = Self::window(xc, oy, ox);
                }
            }
        }
    }

    /// Each output's gradient goes to its window's maximum; overlapping windows (`S < K`)
    /// add up.
    fn backward(
        &self,
        cache: &mut Self::Cache,
        dy: &Self::Output,
        dx: Option<&mut Self::Input>,
        _: Option<&mut ()>,
    ) {
        let () = Self::SHAPE_OK;
        let Some(dx) = dx else { return };
        *dx = [[[0.0; W]; H]; C];
        for ((dxc, dyc), ac) in dx.iter_mut().zip(dy).zip(&cache.offsets) {
            for ((dyrow, arow), oy) in dyc.iter().zip(ac).zip(0..OH) {
                for ((&d, &a), ox) in dyrow.iter().zip(arow).zip(0..OW) {
                    let (ky, kx) = (a as usize / K, a as usize % K);
                    // Always in range (the shape check and `window` guarantee it); `get`
                    // keeps a panic path out of the firmware image all the same.
                    let cell = dxc
                        .get_mut(oy * S + ky)
                        .and_then(|r| r.get_mut(ox * S + kx));
                    if let Some(cell) = cell {
                        *cell += d;
                    }
                }
            }
        }
    }
}

/// Average pooling with a `K×K` window and stride `S` (default `K`), no padding: PyTorch's
/// `nn.AvgPool2d(K, stride=S)`. Same parameters and compile-time size check as
/// [`MaxPool2d`]; it needs no cache at all.
///
/// ```
/// use stacknet::{Layer, layers::AvgPool2d};
/// let pool = AvgPool2d::<1, 2, 4, 1, 2>::new();
/// assert_eq!(pool.infer(&[[[1.0, 3.0, 0.0, 4.0], [5.0, 7.0, 0.0, 0.0]]]), [[[4.0, 1.0]]]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AvgPool2d<
    const C: usize,
    const H: usize,
    const W: usize,
    const OH: usize,
    const OW: usize,
    const K: usize = 2,
    const S: usize = K,
>;

impl<
    const C: usize,
    const H: usize,
    const W: usize,
    const OH: usize,
    const OW: usize,
    const K: usize,
    const S: usize,
> AvgPool2d<C, H, W, OH, OW, K, S>
{
    const SHAPE_OK: () = check_pool(C, H, W, OH, OW, K, S);
    const SCALE: f32 = 1.0 / (K * K) as f32;

    /// The layer (it has no parameters). Usable in `const` and `static` items.
    pub const fn new() -> Self {
        let () = Self::SHAPE_OK;
        Self
    }
}

impl<
    const C: usize,
    const H: usize,
    const W: usize,
    const OH: usize,
    const OW: usize,
    const K: usize,
    const S: usize,
> Zero for AvgPool2d<C, H, W, OH, OW, K, S>
{
    const ZERO: Self = Self::new();
}

impl<
    const C: usize,
    const H: usize,
    const W: usize,
    const OH: usize,
    const OW: usize,
    const K: usize,
    const S: usize,
> Layer for AvgPool2d<C, H, W, OH, OW, K, S>
{
    type Input = Map<C, H, W>;
    type Output = Map<C, OH, OW>;
    type Cache = ();
    type Grads = ();

    const PARAMS: usize = 0;
    const PARAM_BLOCKS: usize = 0;
    const SIGNATURE: u64 = signature::of(kind::AVG_POOL2D, &[C, H, W, K, S]);

    /// The window sum runs in row-major order, then is multiplied by `1 / K²`.
    fn infer_into(&self, x: &Self::Input, y: &mut Self::Output) {
        let () = Self::SHAPE_OK;
        for (yc, xc) in y.iter_mut().zip(x) {
            for (oy, yrow) in yc.iter_mut().enumerate() {
                for (ox, v) in yrow.iter_mut().enumerate() {
                    // Windows lie inside the map (the shape check guarantees it); `get`
                    // keeps a panic path out of the firmware image all the same.
                    let rows = xc.get(oy * S..oy * S + K).unwrap_or(&[]);
                    let sum: f32 = rows
                        .iter()
                        .map(|row| {
                            row.get(ox * S..ox * S + K)
                                .unwrap_or(&[])
                                .iter()
                                .sum::<f32>()
                        })
                        .sum();
                    *v = sum * Self::SCALE;
                }
            }
        }
    }

    fn forward(&self, x: &Self::Input, _: &mut (), y: &mut Self::Output) {
        self.infer_into(x, y);
    }

    /// Each input in a window receives `dy / K²`.
    fn backward(
        &self,
        _: &mut (),
        dy: &Self::Output,
        dx: Option<&mut Self::Input>,
        _: Option<&mut ()>,
    ) {
        let () = Self::SHAPE_OK;
        let Some(dx) = dx else { return };
        *dx = [[[0.0; W]; H]; C];
        for (dxc, dyc) in dx.iter_mut().zip(dy) {
            for (oy, dyrow) in dyc.iter().enumerate() {
                for (ox, &d) in dyrow.iter().enumerate() {
                    let g = d * Self::SCALE;
                    for row in dxc.get_mut(oy * S..oy * S + K).unwrap_or(&mut []) {
                        let cells = row.get_mut(ox * S..ox * S + K).unwrap_or(&mut []);
                        cells.iter_mut().for_each(|v| *v += g);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_pool_routes_gradient_to_argmax() {
        let p = MaxPool2d::<1, 4, 4, 2, 2>::new();
        let x = [[
            [1.0, 2.0, 0.0, 0.0],
            [3.0, 4.0, 0.0, 9.0],
            [0.0, 0.0, 0.0, 0.0],
            [5.0, 0.0, -1.0, -1.0],
        ]];
        let mut c = Zero::ZERO;
        let mut y = Zero::ZERO;
        p.forward(&x, &mut c, &mut y);
        assert_eq!(y, p.infer(&x));
        assert_eq!(y, [[[4.0, 9.0], [5.0, 0.0]]]);
        // The all-zero window ties: the first element (offset 0) wins.
        assert_eq!(
            (c.offset(0, 0, 0), c.offset(0, 0, 1), c.offset(0, 1, 1)),
            (Some(3), Some(3), Some(0))
        );
        assert_eq!(c.offset(1, 0, 0), None);
        let mut dx = Zero::ZERO;
        p.backward(&mut c, &[[[1.0, 2.0], [3.0, 4.0]]], Some(&mut dx), None);
        assert_eq!(
            dx,
            [[
                [0.0, 0.0, 0.0, 0.0],
                [0.0, 1.0, 0.0, 2.0],
                [0.0, 0.0, 4.0, 0.0],
                [3.0, 0.0, 0.0, 0.0],
            ]]
        );
    }

    #[test]
    fn overlapping_windows_and_odd_sizes() {
        // 3×3 window, stride 2 on 5×5 → 2×2; the centre element belongs to all 4 windows.
        let p = MaxPool2d::<1, 5, 5, 2, 2, 3, 2>::new();
        let mut x = [[[0.0f32; 5]; 5]];
        x[0][2][2] = 1.0;
        let mut c = Zero::ZERO;
        let mut y = Zero::ZERO;
        p.forward(&x, &mut c, &mut y);
        assert_eq!(y, [[[1.0; 2]; 2]]);
        let mut dx = Zero::ZERO;
        p.backward(&mut c, &[[[1.0; 2]; 2]], Some(&mut dx), None);
        assert_eq!(dx[0][2][2], 4.0);
        // Odd input, default 2×2: the last row and column are dropped.
        let q = MaxPool2d::<1, 3, 3, 1, 1>::new();
        assert_eq!(
            q.infer(&[[[0.0, 1.0, 9.0], [2.0, 0.0, 9.0], [9.0; 3]]]),
            [[[2.0]]]
        );
    }

    #[test]
    fn max_pool_propagates_nan() {
        let p = MaxPool2d::<1, 2, 2, 1, 1>::new();
        assert!(p.infer(&[[[1.0, f32::NAN], [3.0, 2.0]]])[0][0][0].is_nan());
    }

    #[test]
    fn avg_pool_forward_backward() {
        let p = AvgPool2d::<2, 2, 2, 1, 1>::new();
        let y = p.infer(&[[[1.0, 2.0], [3.0, 6.0]], [[-4.0; 2]; 2]]);
        assert_eq!(y, [[[3.0]], [[-4.0]]]);
        let mut dx = Zero::ZERO;
        p.backward(&mut (), &[[[4.0]], [[-8.0]]], Some(&mut dx), None);
        assert_eq!(dx, [[[1.0; 2]; 2], [[-2.0; 2]; 2]]);
        assert_ne!(
            <AvgPool2d<2, 2, 2, 1, 1> as Layer>::SIGNATURE,
            <MaxPool2d<2, 2, 2, 1, 1> as Layer>::SIGNATURE
        );
    }
}
