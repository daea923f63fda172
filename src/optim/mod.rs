//! Optimizers: plain SGD, SGD with momentum, Adam.
//!
//! Optimizer state is shaped like the model (a model value of the same type), so its size
//! is a compile-time constant: `size_of::<Adam<Xor>>()`.

mod adam;
mod momentum;
mod sgd;

pub use adam::{Adam, AdamConfig};
pub use momentum::Momentum;
pub use sgd::Sgd;

use crate::layer::Layer;
use crate::{ConfigError, TrainError};

/// Updates a model's parameters from its gradients.
pub trait Optimizer<L: Layer> {
    /// One update. `grads` holds summed gradients; each is multiplied by `scale`
    /// (1 / batch size) on the fly, which saves a pass over the gradient buffer.
    ///
    /// Callers ensure `grads` is finite ([`Workspace::apply`](crate::Workspace::apply) does).
    ///
    /// # Errors
    /// [`TrainError::NonFiniteUpdate`] when a new weight would overflow to ±∞ (say a huge
    /// learning rate times a large gradient). Implementations must then write no
    /// non-finite value; [`Sgd`] and [`Momentum`] leave model and state untouched.
    fn update(&mut self, model: &mut L, grads: &L, scale: f32) -> Result<(), TrainError>;
}

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
