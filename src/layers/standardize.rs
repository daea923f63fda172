//! `Standardize<N>`: per-feature input normalization that ships inside the model, so the
//! device applies exactly the preprocessing the host trained with.
//!
//! Port note: with the current `Layer` trait the gradient buffer is the layer type itself,
//! so `shift` and `scale` are parameter blocks that every optimizer sees. `backward` adds
//! nothing to them, so their gradient stays exactly zero and SGD, momentum and Adam leave
//! them bit-for-bit unchanged (`p − lr·0`, `m = v = 0`). An optimizer that moves parameters
//! without a gradient (decoupled weight decay) must skip them: with a separate `Grads`
//! type this layer gets `Grads = ()` and no trainable blocks, while keeping its two blocks
//! for the weight file.

use crate::layer::{Layer, signature};
use crate::layers::conv::Map;
use crate::layers::kind;
use crate::zero::Zero;
use rand_core::Rng;

/// `y[i] = (x[i] − shift[i]) · scale[i]`: standardization (z-scores) when `shift` is the
/// training mean and `scale` is 1 / standard deviation, fitted on the host with
/// [`Standardize::fit`]. Put it first in the model:
///
/// ```
/// use stacknet::{chain, Dense, Init, Layer, Zero, layers::Standardize};
/// type Net = chain![Standardize<2>, Dense<2, 1>];
/// let train = [[10.0, -200.0], [20.0, -100.0], [30.0, -300.0]];
/// let mut net = Net::ZERO;
/// net.init(Init::XavierUniform, &mut stacknet::rng(1));
/// net.0 = Standardize::fit(&train).unwrap();
/// let z = net.0.infer(&[20.0, -200.0]);
/// assert_eq!(z, [0.0, 0.0]); // the training mean maps to 0
/// ```
///
/// Its values are saved with the weights ([`crate::format`]) and generated into `static`
/// models by `stacknet::std::codegen`. They are never trained (see the module docs).
///
/// `Standardize::ZERO` maps every input to 0: fit it (or use [`identity`](Self::identity))
/// before training. `init` leaves it as it is, so it may be fitted before or after `init`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Standardize<const N: usize> {
    /// Subtracted from each feature (the training mean).
    pub shift: [f32; N],
    /// Multiplies each shifted feature (1 / the training standard deviation).
    pub scale: [f32; N],
}

/// Why [`Standardize::fit`] could not fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StandardizeError {
    /// No samples were given.
    Empty,
    /// A feature value is NaN or infinite (0-based sample and feature).
    NonFinite {
        /// The sample index.
        sample: usize,
        /// The feature index.
        feature: usize,
    },
}

impl core::fmt::Display for StandardizeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Empty => write!(f, "cannot fit a standardization on no samples"),
            Self::NonFinite { sample, feature } => write!(
                f,
                "sample {sample}, feature {feature} is not finite: cannot fit a standardization"
            ),
        }
    }
}

impl core::error::Error for StandardizeError {}

impl<const N: usize> Standardize<N> {
    /// From given shift and scale. Usable in `const` and `static` items.
    pub const fn from_parts(shift: [f32; N], scale: [f32; N]) -> Self {
        const { assert!(N > 0, "Standardize<N> needs N > 0") };
        Self { shift, scale }
    }

    /// Passes features through unchanged (shift 0, scale 1).
    pub const fn identity() -> Self {
        Self::from_parts([0.0; N], [1.0; N])
    }

    /// Fits to `samples`: shift = mean, scale = 1 / population standard deviation of each
    /// feature (scikit-learn's `StandardScaler`). A constant feature gets scale 1 (it is
    /// only centred), as does one whose deviation is so small that 1/σ would overflow.
    /// Sums run in `f64`, so the result does not depend on the sample count's rounding.
    ///
    /// # Errors
    /// [`StandardizeError::Empty`] for no samples, [`StandardizeError::NonFinite`] for a
    /// NaN or infinite feature.
    pub fn fit(samples: &[[f32; N]]) -> Result<Self, StandardizeError> {
        if samples.is_empty() {
            return Err(StandardizeError::Empty);
        }
        let mut sum = [0.0f64; N];
        for (s, x) in samples.iter().enumerate() {
            // `zip(0..N)`, not `enumerate()`: a range cannot overflow.
            for ((acc, &v), f) in sum.iter_mut().zip(x).zip(0..N) {
                if !v.is_finite() {
                    return Err(StandardizeError::NonFinite {
                        sample: s,
                        feature: f,
                    });
                }
                *acc += f64::from(v);
            }
        }
        let n = samples.len() as f64;
        let mean = sum.map(|s| s / n);
        let mut squares = [0.0f64; N];
        for x in samples {
            for ((acc, &v), m) in squares.iter_mut().zip(x).zip(&mean) {
                let d = f64::from(v) - m;
                *acc += d * d;
            }
        }
        let mut shift = [0.0f32; N];
        let mut scale = [1.0f32; N];
        for (((sh, sc), &total), &sq) in shift.iter_mut().zip(&mut scale).zip(&sum).zip(&squares) {
            (*sh, *sc) = shift_and_scale(total, sq, n);
        }
        Ok(Self::from_parts(shift, scale))
    }
}

impl<const N: usize> Zero for Standardize<N> {
    const ZERO: Self = Self::from_parts([0.0; N], [0.0; N]);
}

impl<const N: usize> Layer for Standardize<N> {
    type Input = [f32; N];
    type Output = [f32; N];
    type Cache = ();
    /// Stored (saved, generated) but never trained: see the module docs.
    type Grads = ();

    const PARAMS: usize = 2 * N;
    const PARAM_BLOCKS: usize = 2;
    const SIGNATURE: u64 = signature::of(kind::STANDARDIZE, &[N]);

    #[inline]
    fn infer_into(&self, x: &[f32; N], y: &mut [f32; N]) {
        for (((yi, &xi), &s), &k) in y.iter_mut().zip(x).zip(&self.shift).zip(&self.scale) {
            *yi = (xi - s) * k;
        }
    }

    #[inline]
    fn forward(&self, x: &[f32; N], _: &mut (), y: &mut [f32; N]) {
        self.infer_into(x, y);
    }

    #[inline]
    fn backward(&self, _: &mut (), dy: &[f32; N], dx: Option<&mut [f32; N]>, _: Option<&mut ()>) {
        // Nothing trains here; d(loss)/d(input) only when someone before asks for it.
        let Some(dx) = dx else { return };
        for ((d, &g), &k) in dx.iter_mut().zip(dy).zip(&self.scale) {
            *d = g * k;
        }
    }

    fn param_block(&self, i: usize) -> &[f32] {
        match i {
            0 => &self.shift,
            1 => &self.scale,
            _ => &[],
        }
    }

    fn param_block_mut(&mut self, i: usize) -> &mut [f32] {
        match i {
            0 => &mut self.shift,
            1 => &mut self.scale,
            _ => &mut [],
        }
    }

    fn init<R: Rng + ?Sized>(&mut self, _: crate::Init, _: &mut R) {
        // Fitted from data, not drawn at random: keep whatever was fitted.
    }
}

/// Mean and 1/σ of a stream of values, in `f64` (two passes over the data: the caller
/// gives the values twice). A constant (or nearly constant) stream gets scale 1.
fn shift_and_scale(sum: f64, squares: f64, n: f64) -> (f32, f32) {
    let inv = (1.0 / libm::sqrt(squares / n)) as f32;
    let scale = if inv.is_finite() && inv > 0.0 {
        inv
    } else {
        1.0
    };
    ((sum / n) as f32, scale)
}

/// Per-channel standardization of `C×H×W` feature maps:
/// `y[c][h][w] = (x[c][h][w] − shift[c]) · scale[c]`, with one shift and scale per channel
/// fitted over every pixel of the channel (the usual normalization of image inputs, like
/// torchvision's `Normalize(mean, std)`). Same rules as [`Standardize`]: saved with the
/// weights, generated into `static` models, never trained, `init` keeps it.
///
/// ```
/// use stacknet::{Layer, layers::StandardizeChannels};
/// let images = [[[[0.0, 2.0]], [[10.0, 10.0]]]]; // one 2×1×2 image
/// let s = StandardizeChannels::<2, 1, 2>::fit(&images).unwrap();
/// assert_eq!((s.shift, s.scale), ([1.0, 10.0], [1.0, 1.0]));
/// assert_eq!(s.infer(&images[0]), [[[-1.0, 1.0]], [[0.0, 0.0]]]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StandardizeChannels<const C: usize, const H: usize, const W: usize> {
    /// Subtracted from every pixel of each channel (the channel's training mean).
    pub shift: [f32; C],
    /// Multiplies every shifted pixel of each channel (1 / its standard deviation).
    pub scale: [f32; C],
}

impl<const C: usize, const H: usize, const W: usize> StandardizeChannels<C, H, W> {
    /// From given shift and scale. Usable in `const` and `static` items.
    pub const fn from_parts(shift: [f32; C], scale: [f32; C]) -> Self {
        const {
            assert!(
                C > 0 && H > 0 && W > 0,
                "StandardizeChannels needs C, H, W > 0"
            )
        };
        Self { shift, scale }
    }

    /// Fits to `samples`: per channel, the mean and 1 / population standard deviation of
    /// all its pixels in all samples (scale 1 for a constant channel).
    ///
    /// # Errors
    /// [`StandardizeError::Empty`] for no samples, [`StandardizeError::NonFinite`] for a NaN
    /// or infinite pixel (`feature` is its index in the flattened `C·H·W` sample).
    pub fn fit(samples: &[Map<C, H, W>]) -> Result<Self, StandardizeError> {
        if samples.is_empty() {
            return Err(StandardizeError::Empty);
        }
        let mut sum = [0.0f64; C];
        for (s, x) in samples.iter().enumerate() {
            // `zip(0..C)`, not `enumerate()`: a range cannot overflow. The index below is
            // below `C·H·W`, the length of a sample, so wrapping never happens.
            for ((acc, plane), c) in sum.iter_mut().zip(x).zip(0..C) {
                for (i, &v) in plane.as_flattened().iter().enumerate() {
                    if !v.is_finite() {
                        return Err(StandardizeError::NonFinite {
                            sample: s,
                            feature: c.wrapping_mul(H * W).wrapping_add(i),
                        });
                    }
                    *acc += f64::from(v);
                }
            }
        }
        let n = (samples.len() * H * W) as f64;
        let mut squares = [0.0f64; C];
        for x in samples {
            for ((acc, plane), total) in squares.iter_mut().zip(x).zip(&sum) {
                let mean = total / n;
                for &v in plane.as_flattened() {
                    let d = f64::from(v) - mean;
                    *acc += d * d;
                }
            }
        }
        let mut shift = [0.0f32; C];
        let mut scale = [1.0f32; C];
        for (((sh, sc), &total), &sq) in shift.iter_mut().zip(&mut scale).zip(&sum).zip(&squares) {
            (*sh, *sc) = shift_and_scale(total, sq, n);
        }
        Ok(Self::from_parts(shift, scale))
    }
}

impl<const C: usize, const H: usize, const W: usize> Zero for StandardizeChannels<C, H, W> {
    const ZERO: Self = Self::from_parts([0.0; C], [0.0; C]);
}

impl<const C: usize, const H: usize, const W: usize> Layer for StandardizeChannels<C, H, W> {
    type Input = Map<C, H, W>;
    type Output = Map<C, H, W>;
    type Cache = ();
    /// Stored but never trained.
    type Grads = ();

    const PARAMS: usize = 2 * C;
    const PARAM_BLOCKS: usize = 2;
    const SIGNATURE: u64 = signature::of(kind::STANDARDIZE_CHANNELS, &[C, H, W]);

    #[inline]
    fn infer_into(&self, x: &Map<C, H, W>, y: &mut Map<C, H, W>) {
        let planes = y.iter_mut().zip(x).zip(&self.shift).zip(&self.scale);
        for (((out, plane), &s), &k) in planes {
            let values = out.as_flattened_mut().iter_mut().zip(plane.as_flattened());
            for (o, &v) in values {
                *o = (v - s) * k;
            }
        }
    }

    #[inline]
    fn forward(&self, x: &Map<C, H, W>, _: &mut (), y: &mut Map<C, H, W>) {
        self.infer_into(x, y);
    }

    #[inline]
    fn backward(
        &self,
        _: &mut (),
        dy: &Map<C, H, W>,
        dx: Option<&mut Map<C, H, W>>,
        _: Option<&mut ()>,
    ) {
        let Some(dx) = dx else { return };
        for ((out, plane), &k) in dx.iter_mut().zip(dy).zip(&self.scale) {
            let values = out.as_flattened_mut().iter_mut().zip(plane.as_flattened());
            for (o, &g) in values {
                *o = g * k;
            }
        }
    }

    fn param_block(&self, i: usize) -> &[f32] {
        match i {
            0 => &self.shift,
            1 => &self.scale,
            _ => &[],
        }
    }

    fn param_block_mut(&mut self, i: usize) -> &mut [f32] {
        match i {
            0 => &mut self.shift,
            1 => &mut self.scale,
            _ => &mut [],
        }
    }

    fn init<R: Rng + ?Sized>(&mut self, _: crate::Init, _: &mut R) {
        // Fitted from data, not drawn at random: keep whatever was fitted.
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loss::Mse;
    use crate::optim::{Adam, Momentum, Sgd};
    use crate::{Dense, Init, Workspace, chain};

    #[test]
    fn fit_matches_mean_and_population_std() {
        let s = Standardize::<2>::fit(&[[1.0, 5.0], [3.0, 5.0]]).unwrap();
        assert_eq!(s.shift, [2.0, 5.0]);
        assert_eq!(s.scale, [1.0, 1.0]); // std 1, and a constant feature gets 1
        assert_eq!(s.infer(&[4.0, 6.0]), [2.0, 1.0]);
        let mut dx = [0.0; 2];
        s.backward(&mut (), &[1.0, 2.0], Some(&mut dx), None);
        assert_eq!(dx, [1.0, 2.0]);
        assert_eq!(Standardize::<1>::fit(&[]), Err(StandardizeError::Empty));
        assert_eq!(
            Standardize::<2>::fit(&[[0.0, 0.0], [1.0, f32::NAN]]),
            Err(StandardizeError::NonFinite {
                sample: 1,
                feature: 1
            })
        );
    }

    #[test]
    fn channels_fit_per_channel_and_scale_the_gradient() {
        let images = [
            [[[1.0, 3.0], [1.0, 3.0]], [[5.0, 5.0], [5.0, 5.0]]],
            [[[1.0, 3.0], [1.0, 3.0]], [[5.0, 5.0], [5.0, 5.0]]],
        ];
        let s = StandardizeChannels::<2, 2, 2>::fit(&images).unwrap();
        assert_eq!((s.shift, s.scale), ([2.0, 5.0], [1.0, 1.0]));
        let mut wide = images;
        wide[0][0][0][0] = -3.0; // channel 0 now: -3, 3, 1, 3, 1, 3, 1, 3
        let w = StandardizeChannels::<2, 2, 2>::fit(&wide).unwrap();
        assert!(w.scale[0] < 1.0 && w.scale[1] == 1.0);
        let dy = [[[1.0; 2]; 2]; 2];
        let mut dx = [[[0.0; 2]; 2]; 2];
        w.backward(&mut (), &dy, Some(&mut dx), None);
        assert_eq!(dx[0][1][1], w.scale[0]);
        assert_eq!(dx[1][0][0], 1.0);
        wide[1][1][0][1] = f32::INFINITY;
        assert_eq!(
            StandardizeChannels::<2, 2, 2>::fit(&wide),
            Err(StandardizeError::NonFinite {
                sample: 1,
                feature: 5
            })
        );
        assert_eq!(
            StandardizeChannels::<1, 1, 1>::fit(&[]),
            Err(StandardizeError::Empty)
        );
    }

    #[test]
    fn optimizers_leave_it_unchanged_and_init_keeps_it() {
        type Net = chain![Standardize<2>, Dense<2, 1>];
        let fitted = Standardize::fit(&[[10.0, -3.0], [30.0, 5.0]]).unwrap();
        let mut net = Net::ZERO;
        net.0 = fitted;
        net.init(Init::XavierUniform, &mut crate::rng(4));
        assert_eq!(net.0, fitted);
        let mut ws = Workspace::<Net>::new();
        let mut sgd = Sgd::new(0.1).unwrap();
        let mut momentum = Momentum::new(0.1, 0.9).unwrap();
        let mut adam = Adam::new(0.1).unwrap();
        for i in 0..20 {
            let x = [i as f32, -(i as f32)];
            ws.step(&mut net, &mut sgd, &Mse, &x, &[1.0]).unwrap();
            ws.step(&mut net, &mut momentum, &Mse, &x, &[1.0]).unwrap();
            ws.step(&mut net, &mut adam, &Mse, &x, &[1.0]).unwrap();
        }
        assert_eq!(
            net.0.shift.map(f32::to_bits),
            fitted.shift.map(f32::to_bits)
        );
        assert_eq!(
            net.0.scale.map(f32::to_bits),
            fitted.scale.map(f32::to_bits)
        );
    }
}
