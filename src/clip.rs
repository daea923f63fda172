//! Gradient clipping, by value and by global norm.
//!
//! Gradients are values of a model's [`Layer::Grads`] type (what a
//! [`Workspace`](crate::Workspace) accumulates), seen as flat blocks through [`Params`],
//! so clipping needs no extra memory.
//!
//! Two ways to use it:
//! - on a gradient value you hold: [`clip_value`] and [`clip_global_norm`];
//! - around an optimizer: [`ClipNorm`] wraps any [`Optimizer`] and rescales the gradient
//!   it is handed so its global norm is at most a limit. It works with the per-sample
//!   fused step (which never materialises the gradient: the norm of a dense layer's
//!   outer-product gradient is computed from its two factors, so the fused and the
//!   buffered step can differ in the last bit of the clip factor) and with mini-batches.
//!
//! ```
//! use stacknet::{chain, Dense, Sigmoid, Layer, Workspace, Zero, loss::Mse, optim::Sgd};
//! use stacknet::clip::{clip_global_norm, global_norm, ClipNorm};
//! type Net = chain![Dense<2, 2>, Sigmoid<2>, Dense<2, 1>, Sigmoid<1>];
//!
//! // Directly on a gradient value:
//! let mut g = <Net as Layer>::Grads::ZERO;
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

use crate::TrainError;
use crate::layer::Layer;
use crate::optim::{GradStats, Norm, Optimizer};
use crate::params::{Params, Slot};
use core::fmt;

/// Why a clip was refused. The gradients are unchanged in every case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
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
            Self::NonFiniteGradient => "gradient contains NaN or infinity",
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
pub fn clip_value<P: Params>(grads: &mut P, limit: f32) -> Result<usize, ClipError> {
    let limit = check_limit(limit)?;
    let mut changed = 0usize;
    for b in 0..P::BLOCKS {
        for g in grads.block_mut(b) {
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

/// The largest absolute gradient element (`0.0` when there are none).
/// NaN if any element is NaN.
pub fn max_abs<P: Params>(grads: &P) -> f32 {
    let mut m = 0.0f32;
    for b in 0..P::BLOCKS {
        for &g in grads.block(b) {
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

/// The norm of all elements, kept as [`Norm`] (scale and scaled sum of squares) so it
/// cannot overflow. `None` if any element is NaN or infinite.
fn norm_of<P: Params>(grads: &P) -> Option<Norm> {
    let mut norm = Norm::ZERO;
    for b in 0..P::BLOCKS {
        let block = grads.block(b);
        if !crate::math::all_finite(block) {
            return None;
        }
        norm = norm.join(Norm::of(block, 1.0));
    }
    Some(norm)
}

/// The Euclidean norm of all gradient elements together, `sqrt(Σ g²)`.
///
/// Computed on values scaled by the largest magnitude first, so it never overflows in
/// between; it is exact to `f32` rounding up to `f32::MAX` and `+∞` only when the norm
/// itself exceeds `f32::MAX` (e.g. two elements of `3e38`). `+∞` if any element is
/// infinite, NaN if any is NaN.
pub fn global_norm<P: Params>(grads: &P) -> f32 {
    match norm_of(grads) {
        Some(n) => n.value(),
        None => {
            let m = max_abs(grads);
            if m.is_nan() { m } else { f32::INFINITY }
        }
    }
}

/// Scales the gradients down so their [`global_norm`] is at most `max_norm`; gradients
/// already within the limit are left bit-identical. Returns the norm before clipping
/// (`+∞` when it exceeds `f32::MAX`; the gradients are clipped all the same).
///
/// After clipping, the norm is `max_norm` up to `f32` rounding (relative error ≲ 1e-6).
///
/// # Errors
/// [`ClipError::Limit`] unless `max_norm` is finite and > 0;
/// [`ClipError::NonFiniteGradient`] if any element is NaN or infinite.
/// `grads` is untouched on error.
pub fn clip_global_norm<P: Params>(grads: &mut P, max_norm: f32) -> Result<f32, ClipError> {
    let max_norm = check_limit(max_norm)?;
    let norm = norm_of(grads).ok_or(ClipError::NonFiniteGradient)?;
    let factor = norm.factor_to(max_norm);
    if factor < 1.0 {
        for b in 0..P::BLOCKS {
            grads.block_mut(b).iter_mut().for_each(|g| *g *= factor);
        }
    }
    Ok(norm.value())
}

/// An optimizer whose every update uses a gradient of global norm at most `max_norm`.
///
/// In [`Optimizer::begin`] it reads the step's global norm (computed without overflow, so
/// it clips however large the finite gradients are) and, when it is over the limit, hands
/// the inner optimizer a proportionally smaller `scale`. Nothing is copied and no
/// gradient buffer is written. Non-finite gradients are refused
/// ([`TrainError::NonFiniteGradient`]), changing nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct ClipNorm<O> {
    inner: O,
    max_norm: f32,
    clipped: u32,
    /// This step's factor (≤ 1), set by `begin`.
    factor: f32,
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
            factor: 1.0,
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
    fn begin(&mut self, stats: &GradStats) -> Result<(), TrainError> {
        if !stats.finite {
            return Err(TrainError::NonFiniteGradient);
        }
        let factor = stats.norm.factor_to(self.max_norm).min(1.0);
        self.inner.begin(&stats.scaled(factor))?;
        if factor < 1.0 {
            self.clipped = self.clipped.saturating_add(1);
        }
        self.factor = factor;
        Ok(())
    }

    fn update_slice(&mut self, at: Slot, params: &mut [f32], grads: &[f32], scale: f32) {
        self.inner
            .update_slice(at, params, grads, scale * self.factor);
    }

    fn update_outer(&mut self, at: Slot, params: &mut [f32], dy: &[f32], x: &[f32], scale: f32) {
        self.inner
            .update_outer(at, params, dy, x, scale * self.factor);
    }

    fn wants_norm(&self) -> bool {
        true
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
    fn values_already_at_the_limit_are_not_counted() {
        let mut g = Dense::<2, 1>::from_parts([[1.0, -1.0]], [-0.5]);
        assert_eq!(clip_value(&mut g, 1.0), Ok(0));
        assert_eq!((g.weights, g.bias), ([[1.0, -1.0]], [-0.5]));
    }

    #[test]
    fn max_abs_finds_the_largest_magnitude_anywhere() {
        let g = Dense::<3, 1>::from_parts([[1.0, -3.0, 2.0]], [0.5]);
        assert_eq!(max_abs(&g), 3.0);
        let in_bias = Dense::<2, 1>::from_parts([[1.0, -2.0]], [-7.0]);
        assert_eq!(max_abs(&in_bias), 7.0);
        assert_eq!(max_abs(&Dense::<2, 1>::ZERO), 0.0);
        let nan = Dense::<2, 1>::from_parts([[f32::NAN, 5.0]], [1.0]);
        assert!(max_abs(&nan).is_nan());
    }

    #[test]
    fn clip_norm_reports_its_limit_and_counts_each_clipped_step() {
        let mut opt = ClipNorm::new(Sgd::new(0.1).unwrap(), 2.5).unwrap();
        assert_eq!(opt.max_norm(), 2.5);
        assert_eq!(opt.clipped(), 0);
        let mut model = Dense::<2, 1>::ZERO;
        let big = Dense::<2, 1>::from_parts([[30.0, 40.0]], [0.0]);
        let small = Dense::<2, 1>::from_parts([[0.3, 0.4]], [0.0]);
        for (g, clipped) in [(&big, 1), (&small, 1), (&big, 2), (&big, 3)] {
            let mut survey = crate::optim::Survey::new(true);
            for b in 0..2 {
                survey.add_slice(g.block(b), 1.0);
            }
            Optimizer::<Dense<2, 1>>::begin(&mut opt, &survey.stats).unwrap();
            model.apply::<Dense<2, 1>, _>(g, 1.0, &mut opt, 0);
            assert_eq!(opt.clipped(), clipped);
        }
    }

    #[test]
    fn errors_say_what_is_wrong() {
        extern crate std;
        use std::string::ToString;
        assert_eq!(
            ClipError::Limit.to_string(),
            "clip limit must be finite and greater than 0"
        );
        assert_eq!(
            ClipError::NonFiniteGradient.to_string(),
            "gradient contains NaN or infinity"
        );
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

    fn update(opt: &mut ClipNorm<Sgd>, m: &mut Dense<1, 1>, g: &Dense<1, 1>, scale: f32) {
        let mut survey = crate::optim::Survey::new(true);
        survey.add_slice(g.weights.as_flattened(), scale);
        survey.add_slice(&g.bias, scale);
        <ClipNorm<Sgd> as Optimizer<Dense<1, 1>>>::begin(opt, &survey.stats).unwrap();
        m.apply::<Dense<1, 1>, _>(g, scale, opt, 0);
    }

    #[test]
    fn wrapper_folds_factor_into_scale() {
        let g = Dense::<1, 1>::from_parts([[30.0]], [40.0]);
        let mut m = Dense::<1, 1>::ZERO;
        let mut opt = ClipNorm::new(Sgd::new(1.0).unwrap(), 1.0).unwrap();
        // scale 0.5: the averaged gradient (15, 20) has norm 25, clipped to (0.6, 0.8).
        update(&mut opt, &mut m, &g, 0.5);
        assert!((m.weights[0][0] + 0.6).abs() < 1e-6 && (m.bias[0] + 0.8).abs() < 1e-6);
        assert_eq!(opt.clipped(), 1);
        let small = Dense::<1, 1>::from_parts([[0.1]], [0.0]);
        update(&mut opt, &mut m, &small, 1.0);
        assert_eq!(opt.clipped(), 1);
        assert!(ClipNorm::new(Sgd::new(1.0).unwrap(), 0.0).is_err());
    }

    /// Issue 13, failure 1: clipping used to stop exactly when gradients exploded (the
    /// norm overflowed to ∞ and the wrapper skipped clipping).
    #[test]
    fn clipping_holds_for_huge_finite_gradients() {
        use crate::{Identity, Layer, Workspace, chain, loss::Mse};
        type Net = chain![Dense<2, 1>, Identity<1>];
        let mut m = Net::ZERO;
        let mut opt = ClipNorm::new(Sgd::new(0.5).unwrap(), 1.0).unwrap();
        let mut ws = Workspace::<Net>::new();
        ws.step(&mut m, &mut opt, &Mse, &[3e38, 3e38], &[-0.5])
            .unwrap();
        assert_eq!(opt.clipped(), 1);
        let moved = m.0.weights[0].iter().map(|w| w * w).sum::<f32>().sqrt();
        assert!(moved <= 0.5 * 1.0 + 1e-6, "{:?}", m.0.weights);

        type Wide = Dense<64, 64>;
        let mut w = Wide::ZERO;
        let mut opt = ClipNorm::new(Sgd::new(1e-3).unwrap(), 1.0).unwrap();
        let mut ws = Workspace::<Wide>::new();
        ws.step(&mut w, &mut opt, &Mse, &[1e37; 64], &[-32.0; 64])
            .unwrap();
        let norm = global_norm(&w);
        assert!(
            norm <= 1e-3 * (1.0 + 1e-5),
            "update norm {norm} {:?}",
            &w.weights[0][..4]
        );
        let _ = w.infer(&[0.0; 64]);

        let mut g = Dense::<2, 1>::from_parts([[3e38, 3e38]], [0.0]);
        assert_eq!(clip_global_norm(&mut g, 1.0), Ok(f32::INFINITY));
        assert!((global_norm(&g) - 1.0).abs() < 1e-5, "{}", global_norm(&g));
    }
}
