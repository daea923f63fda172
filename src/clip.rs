//! Gradient clipping, by value and by global norm, on a model-shaped gradient value.
//!
//! A model's gradients are a second value of the model's own type (see [`Layer`]), so
//! clipping walks the same flat parameter blocks the optimizers use
//! ([`Layer::param_block_mut`]) and needs no extra memory.
//!
//! Two ways to use it:
//! - on a gradient value you hold: [`clip_value`] and [`clip_global_norm`];
//! - around an optimizer: [`ClipNorm`] wraps any [`Optimizer`] and rescales the gradient
//!   it is handed so its global norm is at most a limit. It folds the factor into the
//!   optimizer's `scale` argument, so it works with
//!   [`Workspace::apply`](crate::Workspace::apply) as it is and copies nothing.
//!
//! ```
//! use stacknet::{chain, Dense, Sigmoid, Layer, Workspace, Zero, loss::Mse, optim::Sgd};
//! use stacknet::clip::{clip_global_norm, global_norm, ClipNorm};
//! type Net = chain![Dense<2, 2>, Sigmoid<2>, Dense<2, 1>, Sigmoid<1>];
//!
//! // Directly on a gradient value:
//! let mut g = Net::ZERO;
//! g.0.weights = [[3.0, 0.0], [0.0, 4.0]];
//! let before = clip_global_norm(&mut g, 1.0).unwrap();
//! assert_eq!(before, 5.0);
//! assert!((global_norm(&g) - 1.0).abs() < 1e-6);
//!
//! // Around an optimizer, inside the usual training step:
//! let mut net = Net::ZERO;
//! net.init(stacknet::Init::XavierUniform, &mut stacknet::rng(1));
//! let mut opt = ClipNorm::new(Sgd::new(0.5).unwrap(), 1.0).unwrap();
//! let mut ws = Workspace::<Net>::new();
//! ws.step(&mut net, &mut opt, &Mse, &[1.0, 0.0], &[1.0]).unwrap();
//! ```

use crate::layer::Layer;
use crate::math;
use crate::optim::Optimizer;
use core::fmt;

/// Why a clip was refused. The gradients are unchanged in every case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClipError {
    /// The limit must be finite and greater than 0 (NaN, ±∞, 0 and negatives are refused).
    Limit,
    /// A gradient is NaN or infinite, so its norm has no meaning.
    NonFiniteGradient,
}

impl fmt::Display for ClipError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Limit => "clip limit must be finite and greater than 0",
            Self::NonFiniteGradient => "gradient is NaN or infinite",
        })
    }
}

impl core::error::Error for ClipError {}

fn check_limit(limit: f32) -> Result<f32, ClipError> {
    if limit.is_finite() && limit > 0.0 {
        Ok(limit)
    } else {
        Err(ClipError::Limit)
    }
}

/// Clamps every gradient element into `[-limit, limit]`. Returns how many were changed.
///
/// `±∞` becomes `±limit`. NaN is left as NaN (clamping would hide it), so
/// [`Workspace::apply`](crate::Workspace::apply) still refuses the batch afterwards.
///
/// # Errors
/// [`ClipError::Limit`] unless `limit` is finite and > 0; `grads` is then untouched.
///
/// ```
/// use stacknet::{Dense, clip::clip_value};
/// let mut g = Dense::<2, 1>::from_parts([[5.0, -0.5]], [-9.0]);
/// assert_eq!(clip_value(&mut g, 1.0), Ok(2));
/// assert_eq!((g.weights, g.bias), ([[1.0, -0.5]], [-1.0]));
/// ```
pub fn clip_value<L: Layer>(grads: &mut L, limit: f32) -> Result<usize, ClipError> {
    let limit = check_limit(limit)?;
    let mut changed = 0usize;
    for b in 0..L::PARAM_BLOCKS {
        for g in grads.param_block_mut(b) {
            if *g > limit {
                *g = limit;
                changed = changed.saturating_add(1);
            } else if *g < -limit {
                *g = -limit;
                changed = changed.saturating_add(1);
            }
        }
    }
    Ok(changed)
}

/// The largest absolute gradient element (`0.0` for a model without parameters).
/// NaN if any element is NaN.
pub fn max_abs<L: Layer>(grads: &L) -> f32 {
    let mut m = 0.0f32;
    for b in 0..L::PARAM_BLOCKS {
        for &g in grads.param_block(b) {
            let a = g.abs();
            if a > m || a.is_nan() {
                m = a;
                if m.is_nan() {
                    return m;
                }
            }
        }
    }
    m
}

/// The Euclidean norm of all gradient elements together, `sqrt(Σ g²)`.
///
/// Computed on values scaled by the largest magnitude first, so it stays finite and
/// accurate for elements up to `f32::MAX` (a plain `Σ g²` overflows once an element
/// passes about 1.8e19). `+∞` if any element is infinite, NaN if any is NaN.
pub fn global_norm<L: Layer>(grads: &L) -> f32 {
    let m = max_abs(grads);
    if !m.is_finite() || m == 0.0 {
        return m;
    }
    let inv = 1.0 / m;
    let mut sum = 0.0f32;
    for b in 0..L::PARAM_BLOCKS {
        for &g in grads.param_block(b) {
            let s = g * inv;
            sum += s * s;
        }
    }
    // 1/m can round so that the largest scaled value is slightly above 1; harmless.
    m * math::sqrt(sum)
}

/// Scales the gradients down so their [`global_norm`] is at most `max_norm`; gradients
/// already within the limit are left bit-identical. Returns the norm before clipping.
///
/// After clipping, the norm is `max_norm` up to `f32` rounding (relative error ≲ 1e-6).
///
/// # Errors
/// [`ClipError::Limit`] unless `max_norm` is finite and > 0;
/// [`ClipError::NonFiniteGradient`] if any element is NaN or infinite.
/// `grads` is untouched on error.
pub fn clip_global_norm<L: Layer>(grads: &mut L, max_norm: f32) -> Result<f32, ClipError> {
    let max_norm = check_limit(max_norm)?;
    let norm = global_norm(grads);
    if !norm.is_finite() {
        return Err(ClipError::NonFiniteGradient);
    }
    if norm > max_norm {
        let factor = max_norm / norm;
        for b in 0..L::PARAM_BLOCKS {
            grads
                .param_block_mut(b)
                .iter_mut()
                .for_each(|g| *g *= factor);
        }
    }
    Ok(norm)
}

/// An optimizer whose every update uses a gradient of global norm at most `max_norm`.
///
/// The optimizer is handed summed gradients and a `scale` (1 / batch size); `ClipNorm`
/// measures the norm of `scale · grads` and, when it is over the limit, passes the inner
/// optimizer a smaller `scale`. Nothing is copied and the gradient buffer is not written.
/// With non-finite gradients it passes them on unchanged (the caller must refuse them
/// first, as [`Workspace::apply`](crate::Workspace::apply) does).
#[derive(Debug, Clone, PartialEq)]
pub struct ClipNorm<O> {
    inner: O,
    max_norm: f32,
    clipped: u32,
}

impl<O> ClipNorm<O> {
    /// Wraps `inner` with the limit `max_norm`.
    ///
    /// # Errors
    /// [`ClipError::Limit`] unless `max_norm` is finite and > 0.
    pub fn new(inner: O, max_norm: f32) -> Result<Self, ClipError> {
        Ok(Self {
            inner,
            max_norm: check_limit(max_norm)?,
            clipped: 0,
        })
    }

    /// The limit.
    pub fn max_norm(&self) -> f32 {
        self.max_norm
    }

    /// How many updates were clipped so far (saturates at `u32::MAX`).
    pub fn clipped(&self) -> u32 {
        self.clipped
    }

    /// The wrapped optimizer.
    pub fn inner(&self) -> &O {
        &self.inner
    }

    /// The wrapped optimizer, mutable (for example to reset its state).
    pub fn inner_mut(&mut self) -> &mut O {
        &mut self.inner
    }

    /// Unwraps the optimizer.
    pub fn into_inner(self) -> O {
        self.inner
    }
}

impl<L: Layer, O: Optimizer<L>> Optimizer<L> for ClipNorm<O> {
    fn update(&mut self, model: &mut L, grads: &L, scale: f32) -> Result<(), crate::TrainError> {
        let norm = global_norm(grads) * scale.abs();
        let mut scale = scale;
        if norm.is_finite() && norm > self.max_norm {
            scale *= self.max_norm / norm;
            self.clipped = self.clipped.saturating_add(1);
        }
        self.inner.update(model, grads, scale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::Sgd;
    use crate::{Dense, Zero};

    #[test]
    fn value_clip_counts_and_keeps_nan() {
        let mut g =
            Dense::<2, 2>::from_parts([[2.0, f32::NAN], [f32::NEG_INFINITY, 0.5]], [-3.0, 1.0]);
        assert_eq!(clip_value(&mut g, 1.0), Ok(3));
        assert_eq!(g.weights[0][0], 1.0);
        assert!(g.weights[0][1].is_nan());
        assert_eq!(g.weights[1], [-1.0, 0.5]);
        assert_eq!(g.bias, [-1.0, 1.0]);
        for bad in [0.0, -1.0, f32::NAN, f32::INFINITY] {
            assert_eq!(clip_value(&mut g, bad), Err(ClipError::Limit));
        }
    }

    #[test]
    fn norm_is_overflow_safe() {
        let g = Dense::<2, 1>::from_parts([[3e30, 4e30]], [0.0]);
        let n = global_norm(&g);
        assert!((n / 5e30 - 1.0).abs() < 1e-6, "{n}");
        assert_eq!(global_norm(&Dense::<2, 1>::ZERO), 0.0);
        let inf = Dense::<2, 1>::from_parts([[f32::INFINITY, 0.0]], [0.0]);
        assert_eq!(global_norm(&inf), f32::INFINITY);
        let nan = Dense::<2, 1>::from_parts([[1.0, f32::NAN]], [f32::INFINITY]);
        assert!(global_norm(&nan).is_nan());
    }

    #[test]
    fn norm_clip_scales_or_leaves_alone() {
        let mut g = Dense::<2, 1>::from_parts([[3.0, 0.0]], [4.0]);
        assert_eq!(clip_global_norm(&mut g, 10.0), Ok(5.0));
        assert_eq!((g.weights, g.bias), ([[3.0, 0.0]], [4.0]));
        assert_eq!(clip_global_norm(&mut g, 1.0), Ok(5.0));
        assert!((g.weights[0][0] - 0.6).abs() < 1e-7 && (g.bias[0] - 0.8).abs() < 1e-7);
        let mut bad = Dense::<2, 1>::from_parts([[f32::NAN, 0.0]], [4.0]);
        assert_eq!(
            clip_global_norm(&mut bad, 1.0),
            Err(ClipError::NonFiniteGradient)
        );
        assert_eq!(bad.bias, [4.0]);
        assert_eq!(clip_global_norm(&mut g, f32::NAN), Err(ClipError::Limit));
    }

    #[test]
    fn wrapper_folds_factor_into_scale() {
        let g = Dense::<1, 1>::from_parts([[30.0]], [40.0]);
        let mut m = Dense::<1, 1>::ZERO;
        let mut opt = ClipNorm::new(Sgd::new(1.0).unwrap(), 1.0).unwrap();
        // scale 0.5: the averaged gradient (15, 20) has norm 25, clipped to (0.6, 0.8).
        opt.update(&mut m, &g, 0.5).unwrap();
        assert!((m.weights[0][0] + 0.6).abs() < 1e-6 && (m.bias[0] + 0.8).abs() < 1e-6);
        assert_eq!(opt.clipped(), 1);
        let small = Dense::<1, 1>::from_parts([[0.1]], [0.0]);
        opt.update(&mut m, &small, 1.0).unwrap();
        assert_eq!(opt.clipped(), 1);
        assert!(ClipNorm::new(Sgd::new(1.0).unwrap(), 0.0).is_err());
    }
}
