//! SGD with (heavy-ball) momentum, PyTorch's convention.

use super::{Optimizer, check_lr, check_unit};
use crate::layer::Layer;
use crate::math::finite_bits;
use crate::{ConfigError, TrainError};

/// SGD with momentum, as PyTorch computes it: `v ← μ·v + g`, `p ← p − lr·v`.
/// The velocity `v` is a model-shaped buffer. PyTorch: `SGD(params, lr, momentum=μ)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Momentum<L> {
    lr: f32,
    momentum: f32,
    velocity: L,
}

impl<L: Layer> Momentum<L> {
    /// SGD with learning rate `lr` and momentum `momentum`, velocity zero.
    ///
    /// # Errors
    /// [`ConfigError::LearningRate`] unless `lr` is finite and > 0;
    /// [`ConfigError::Momentum`] unless `momentum` is in [0, 1).
    pub fn new(lr: f32, momentum: f32) -> Result<Self, ConfigError> {
        Ok(Self {
            lr: check_lr(lr)?,
            momentum: check_unit(momentum, ConfigError::Momentum)?,
            velocity: L::ZERO,
        })
    }

    /// The learning rate.
    pub fn lr(&self) -> f32 {
        self.lr
    }

    /// Changes the learning rate; the velocity is kept (for a schedule, see
    /// [`crate::schedule`]).
    ///
    /// # Errors
    /// [`ConfigError::LearningRate`] unless `lr` is finite and > 0; then nothing changes.
    pub fn set_lr(&mut self, lr: f32) -> Result<(), ConfigError> {
        self.lr = check_lr(lr)?;
        Ok(())
    }

    /// Forgets the velocity (for example when restarting training).
    pub fn reset(&mut self) {
        self.velocity = L::ZERO;
    }
}

impl<L: Layer> Optimizer<L> for Momentum<L> {
    fn update(&mut self, model: &mut L, grads: &L, scale: f32) -> Result<(), TrainError> {
        let (mu, lr) = (self.momentum, self.lr);
        // First pass: would any new velocity or weight overflow? Then change nothing.
        let finite = (0..L::PARAM_BLOCKS).all(|b| {
            let pv = model
                .param_block(b)
                .iter()
                .zip(self.velocity.param_block(b));
            pv.zip(grads.param_block(b)).fold(true, |ok, ((p, v), g)| {
                let v = mu * v + scale * g;
                ok & finite_bits(v) & finite_bits(p - lr * v)
            })
        });
        if !finite {
            return Err(TrainError::NonFiniteUpdate);
        }
        for b in 0..L::PARAM_BLOCKS {
            let params = model.param_block_mut(b);
            let vel = self.velocity.param_block_mut(b);
            for ((p, v), g) in params.iter_mut().zip(vel).zip(grads.param_block(b)) {
                *v = mu * *v + scale * g;
                *p -= lr * *v;
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
    fn hand_computed_steps() {
        let mut m = Dense::<1, 1>::from_parts([[1.0]], [0.0]);
        let g = Dense::<1, 1>::from_parts([[1.0]], [2.0]);
        let mut opt = Momentum::new(0.1, 0.9).unwrap();
        opt.update(&mut m, &g, 1.0).unwrap(); // v = 1, 2
        assert!((m.weights[0][0] - 0.9).abs() < 1e-7);
        assert!((m.bias[0] + 0.2).abs() < 1e-7);
        opt.update(&mut m, &g, 1.0).unwrap(); // v = 1.9, 3.8
        assert!((m.weights[0][0] - (0.9 - 0.19)).abs() < 1e-6);
        assert!((m.bias[0] + 0.2 + 0.38).abs() < 1e-6);
        assert_eq!(
            Momentum::<Dense<1, 1>>::new(0.1, 1.0),
            Err(ConfigError::Momentum)
        );
    }
}
