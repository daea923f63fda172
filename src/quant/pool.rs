//! `QMaxPool2d` and `QAvgPool2d`: int8 pooling (TFLite's `MAX_POOL_2D`, `AVERAGE_POOL_2D`
//! with `VALID` padding). Input and output share scale and zero point, as TFLite requires.

// The float layers' compile-time shape check (`VALID` windows): one rule for both.
use crate::layers::pool::check_pool;
use crate::quant::conv::QMap;
use crate::quant::layer::QLayer;

/// Int8 max pooling with a `K×K` window and stride `S` (default `K`), then the fused
/// activation's clamp `[min, max]` (the full range when none is fused).
///
/// ```
/// use stacknet::quant::{QLayer, QMaxPool2d};
/// let pool = QMaxPool2d::<1, 2, 2, 1, 1>::new(-128, 127);
/// assert_eq!(pool.infer(&[[[1, -5], [9, 3]]]), [[[9]]]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QMaxPool2d<
    const C: usize,
    const H: usize,
    const W: usize,
    const OH: usize,
    const OW: usize,
    const K: usize = 2,
    const S: usize = K,
> {
    /// Lower clamp bound (the fused activation's).
    pub min: i8,
    /// Upper clamp bound.
    pub max: i8,
}

/// Int8 average pooling with a `K×K` window and stride `S` (default `K`): the window's sum
/// divided by its size, rounded half away from zero in integers as TFLite does, then
/// clamped to `[min, max]`.
///
/// ```
/// use stacknet::quant::{QAvgPool2d, QLayer};
/// let pool = QAvgPool2d::<1, 2, 2, 1, 1>::new(-128, 127);
/// assert_eq!(pool.infer(&[[[1, 2], [2, 2]]]), [[[2]]]); // 7/4 = 1.75 → 2
/// assert_eq!(pool.infer(&[[[-1, -2], [-2, -1]]]), [[[-2]]]); // −1.5 → −2
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QAvgPool2d<
    const C: usize,
    const H: usize,
    const W: usize,
    const OH: usize,
    const OW: usize,
    const K: usize = 2,
    const S: usize = K,
> {
    /// Lower clamp bound (the fused activation's).
    pub min: i8,
    /// Upper clamp bound.
    pub max: i8,
}

macro_rules! pool_common {
    ($name:ident) => {
        impl<
            const C: usize,
            const H: usize,
            const W: usize,
            const OH: usize,
            const OW: usize,
            const K: usize,
            const S: usize,
        > $name<C, H, W, OH, OW, K, S>
        {
            const SHAPE_OK: () = check_pool(C, H, W, OH, OW, K, S);

            /// The layer with clamp bounds `[min, max]`. Usable in `const` and `static` items.
            pub const fn new(min: i8, max: i8) -> Self {
                let () = Self::SHAPE_OK;
                Self { min, max }
            }
        }
    };
}
pool_common!(QMaxPool2d);
pool_common!(QAvgPool2d);

/// Runs `reduce` over every `K×K` window of every channel (VALID, stride `S`).
#[inline(always)]
fn pool<const C: usize, const H: usize, const W: usize, const OH: usize, const OW: usize>(
    x: &QMap<C, H, W>,
    k: usize,
    s: usize,
    mut reduce: impl FnMut(&mut dyn Iterator<Item = i32>) -> i8,
) -> QMap<C, OH, OW> {
    let mut y = [[[0i8; OW]; OH]; C];
    for (y_map, x_map) in y.iter_mut().zip(x) {
        for (oy, y_row) in y_map.iter_mut().enumerate() {
            let rows = x_map.get(oy * s..oy * s + k).unwrap_or(&[]);
            for (ox, yv) in y_row.iter_mut().enumerate() {
                let mut window = rows
                    .iter()
                    .flat_map(|r| r.get(ox * s..ox * s + k).unwrap_or(&[]))
                    .map(|&v| v as i32);
                *yv = reduce(&mut window);
            }
        }
    }
    y
}

impl<
    const C: usize,
    const H: usize,
    const W: usize,
    const OH: usize,
    const OW: usize,
    const K: usize,
    const S: usize,
> QLayer for QMaxPool2d<C, H, W, OH, OW, K, S>
{
    type Input = QMap<C, H, W>;
    type Output = QMap<C, OH, OW>;

    fn infer(&self, x: &Self::Input) -> Self::Output {
        let () = Self::SHAPE_OK;
        let (lo, hi) = (self.min as i32, self.max as i32);
        pool(x, K, S, |window| {
            let m = window.fold(-128, i32::max);
            m.clamp(lo, hi.max(lo)) as i8
        })
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
> QLayer for QAvgPool2d<C, H, W, OH, OW, K, S>
{
    type Input = QMap<C, H, W>;
    type Output = QMap<C, OH, OW>;

    fn infer(&self, x: &Self::Input) -> Self::Output {
        let () = Self::SHAPE_OK;
        let (lo, hi) = (self.min as i32, self.max as i32);
        let count = (K * K) as i32;
        pool(x, K, S, |window| {
            let sum = window.fold(0i32, i32::wrapping_add);
            // TFLite: (sum ± count/2) / count, truncating: round half away from zero.
            // Saturating: `sum` is at most K·K·128 in size, but the optimizer cannot
            // bound the wrapping sum, and an unchecked `+` would be a panic path.
            let avg = if sum > 0 {
                sum.saturating_add(count / 2) / count
            } else {
                sum.saturating_sub(count / 2) / count
            };
            avg.clamp(lo, hi.max(lo)) as i8
        })
    }
}
