//! Plain stochastic gradient descent: `p ← p − lr · g`. No state.

use super::{Optimizer, check_lr};
use crate::layer::Layer;
use crate::math::finite_bits;
use crate::{ConfigError, TrainError};

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
    fn update(&mut self, model: &mut L, grads: &L, scale: f32) -> Result<(), TrainError> {
        let step = self.lr * scale;
        // Check every new weight first (one multiply-subtract each) so an overflow leaves
        // the whole model untouched instead of half-updated.
        let finite = (0..L::PARAM_BLOCKS).all(|b| {
            let ps = model.param_block(b).iter();
            let new = ps.zip(grads.param_block(b)).map(|(p, g)| p - step * g);
            new.fold(true, |ok, v| ok & finite_bits(v))
        });
        if !finite {
            return Err(TrainError::NonFiniteUpdate);
        }
        for b in 0..L::PARAM_BLOCKS {
            let ps = model.param_block_mut(b).iter_mut();
            for (p, g) in ps.zip(grads.param_block(b)) {
                *p -= step * g;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dense;

    #[test]
    fn hand_computed_step() {
        let mut m = Dense::<2, 1>::from_parts([[1.0, 2.0]], [0.5]);
        let g = Dense::<2, 1>::from_parts([[4.0, -2.0]], [1.0]);
        let mut opt = Sgd::new(0.1).unwrap();
        opt.update(&mut m, &g, 0.5).unwrap();
        assert_eq!(m.weights, [[1.0 - 0.2, 2.0 + 0.1]]);
        assert_eq!(m.bias, [0.5 - 0.05]);
        assert_eq!(Sgd::new(f32::NAN), Err(ConfigError::LearningRate));
        assert_eq!(Sgd::new(0.0), Err(ConfigError::LearningRate));
        // An update that would overflow is refused and changes nothing.
        let before = m;
        let huge = Dense::<2, 1>::from_parts([[3e38, 0.0]], [0.0]);
        let mut big = Sgd::new(10.0).unwrap();
        assert_eq!(
            big.update(&mut m, &huge, 1.0),
            Err(TrainError::NonFiniteUpdate)
        );
        assert_eq!(m, before);
    }
}
