//! Optimizers: plain SGD, SGD with momentum, Adam (and AdamW).
//!
//! Optimizer state is shaped like what the model trains ([`Layer::Grads`]), so its size
//! is a compile-time constant (`size_of::<Adam<Xor>>()`) and frozen layers cost none.
//!
//! # How an update runs
//! Layers hand the optimizer their trainable slices one at a time ([`Layer::update`],
//! [`Layer::apply`]). Before the first slice of a step, the optimizer sees statistics of
//! the *whole* gradient in [`Optimizer::begin`] and may refuse the step; after `begin`
//! returns `Ok` every slice is written. So a step changes weights and state fully or not
//! at all. Each optimizer documents the gradient bound it refuses above: with that bound,
//! no weight and no state value can become NaN or infinite, which is proved per optimizer
//! rather than checked per weight (a check per weight would need a second pass).

mod adam;
mod momentum;
mod sgd;
mod stats;

pub use adam::{Adam, AdamConfig};
pub use momentum::Momentum;
pub use sgd::Sgd;
pub use stats::{GradStats, Norm};

pub(crate) use stats::Survey;

use crate::layer::Layer;
use crate::params::Slot;
use crate::{ConfigError, TrainError};

/// Updates a model's trainable parameters from their gradients, slice by slice.
///
/// `L` is the whole model's type; state buffers are `L::Grads`-shaped and a [`Slot`]
/// finds the part of them that belongs to a slice.
pub trait Optimizer<L: Layer> {
    /// Called once per step before any slice, with statistics of the whole (scaled)
    /// gradient. Returning an error refuses the step: nothing has been written.
    ///
    /// # Errors
    /// [`TrainError::NonFiniteGradient`] if `stats` is not finite; an optimizer may also
    /// refuse gradients above the bound that keeps its arithmetic finite
    /// ([`TrainError::GradientTooLarge`]).
    fn begin(&mut self, stats: &GradStats) -> Result<(), TrainError>;

    /// Updates `params` (the slice at `at`) from gradients `grads[i] * scale`.
    fn update_slice(&mut self, at: Slot, params: &mut [f32], grads: &[f32], scale: f32);

    /// Updates `params`, a row-major `dy.len() × x.len()` matrix at `at`, from the
    /// outer-product gradient `(dy[o] * x[i]) * scale` (a dense layer's per-sample weight
    /// gradient), without materialising it.
    fn update_outer(&mut self, at: Slot, params: &mut [f32], dy: &[f32], x: &[f32], scale: f32);

    /// Whether `begin` needs the gradient's global norm (computing it costs a pass).
    fn wants_norm(&self) -> bool {
        false
    }
}

/// Largest step an optimizer may take on one weight: `2^100` (≈ 1.3e30). A finite weight
/// moved by less than `2^103` (half the spacing of floats near `f32::MAX`) stays finite, so
/// with this bound, and a margin for rounding, no update can overflow.
pub(crate) const MAX_STEP: f32 = 1.267_650_6e30;

pub(crate) fn check_lr(lr: f32) -> Result<f32, ConfigError> {
    if lr.is_finite() && lr > 0.0 {
        Ok(lr)
    } else {
        Err(ConfigError::LearningRate)
    }
}

pub(crate) fn check_unit(v: f32, err: ConfigError) -> Result<f32, ConfigError> {
    if (0.0..1.0).contains(&v) {
        Ok(v)
    } else {
        Err(err)
    }
}

/// The rows of a row-major matrix with rows of `width` values.
pub(crate) fn rows_mut<'a>(
    params: &'a mut [f32],
    width: usize,
) -> impl Iterator<Item = &'a mut [f32]> + 'a {
    // `chunks_exact_mut(0)` would panic; a zero-width matrix has no values to update, and
    // `max(1)` then yields nothing from its empty slice.
    params.chunks_exact_mut(width.max(1))
}
