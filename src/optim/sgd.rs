//! Plain stochastic gradient descent: `p ← p − lr · g`. No state.

use super::{Optimizer, check_lr};
use crate::ConfigError;
use crate::layer::Layer;

/// Plain SGD: `p ← p − lr · g`. Holds no state, so it costs no RAM beyond its `f32`.
/// PyTorch: `torch.optim.SGD(params, lr)`.
///
/// ```
/// use stacknet::optim::Sgd;
/// assert!(Sgd::new(0.1).is_ok());
/// assert!(Sgd::new(-1.0).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sgd {
    lr: f32,
}

impl Sgd {
    /// SGD with learning rate `lr`.
    ///
    /// # Errors
    /// [`ConfigError::LearningRate`] unless `lr` is finite and > 0.
    pub fn new(lr: f32) -> Result<Self, ConfigError> {
        Ok(Self { lr: check_lr(lr)? })
    }

    /// The learning rate.
    pub fn lr(&self) -> f32 {
        self.lr
    }
}

impl<L: Layer> Optimizer<L> for Sgd {
    fn update(&mut self, model: &mut L, grads: &L, scale: f32) {
        let step = self.lr * scale;
        for b in 0..L::PARAM_BLOCKS {
            for (p, g) in model
                .param_block_mut(b)
                .iter_mut()
                .zip(grads.param_block(b))
            {
                *p -= step * g;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dense, Zero};

    #[test]
    fn hand_computed_step() {
        let mut m = Dense::<2, 1>::from_parts([[1.0, 2.0]], [0.5]);
        let g = Dense::<2, 1>::from_parts([[4.0, -2.0]], [1.0]);
        let mut opt = Sgd::new(0.1).unwrap();
        opt.update(&mut m, &g, 0.5);
        assert_eq!(m.weights, [[1.0 - 0.2, 2.0 + 0.1]]);
        assert_eq!(m.bias, [0.5 - 0.05]);
        assert_eq!(Sgd::new(f32::NAN), Err(ConfigError::LearningRate));
        assert_eq!(Sgd::new(0.0), Err(ConfigError::LearningRate));
        let _ = Dense::<1, 1>::ZERO;
    }
}
