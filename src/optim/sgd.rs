//! Plain stochastic gradient descent: `p ← p − lr · g`. No state.

use super::GradStats;
use super::{MAX_STEP, Optimizer, check_lr, rows_mut};
use crate::layer::Layer;
use crate::params::Slot;
use crate::{ConfigError, TrainError};

/// Plain SGD: `p ← p − lr · g`. Holds no state, so it costs no RAM beyond its `f32`.
/// PyTorch: `torch.optim.SGD(params, lr)`.
///
/// A step whose largest gradient value times `lr` exceeds `2^100` (≈ 1.3e30) is refused
/// with [`TrainError::GradientTooLarge`] before anything is written; every smaller step
/// keeps every finite weight finite, so SGD needs no per-weight check.
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

    /// Changes the learning rate (for a schedule, see [`crate::schedule`]).
    ///
    /// # Errors
    /// [`ConfigError::LearningRate`] unless `lr` is finite and > 0; then nothing changes.
    pub fn set_lr(&mut self, lr: f32) -> Result<(), ConfigError> {
        self.lr = check_lr(lr)?;
        Ok(())
    }
}

impl<L: Layer> Optimizer<L> for Sgd {
    fn begin(&mut self, stats: &GradStats) -> Result<(), TrainError> {
        stats.check(MAX_STEP / self.lr)
    }

    #[inline]
    fn update_slice(&mut self, _: Slot, params: &mut [f32], grads: &[f32], scale: f32) {
        let lr = self.lr;
        for (p, g) in params.iter_mut().zip(grads) {
            *p -= lr * (g * scale);
        }
    }

    #[inline]
    fn update_outer(&mut self, _: Slot, params: &mut [f32], dy: &[f32], x: &[f32], scale: f32) {
        let lr = self.lr;
        for (row, &d) in rows_mut(params, x.len()).zip(dy) {
            if scale == 1.0 {
                // The fused step's case; `g * 1.0 == g` bit for bit, so skip the multiply.
                for (p, &xi) in row.iter_mut().zip(x) {
                    *p -= lr * (d * xi);
                }
            } else {
                for (p, &xi) in row.iter_mut().zip(x) {
                    *p -= lr * (d * xi * scale);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dense;

    fn sgd_update(opt: &mut Sgd, m: &mut Dense<2, 1>, g: &Dense<2, 1>, scale: f32) {
        let stats = {
            let mut s = crate::optim::Survey::new(false);
            s.add_slice(g.weights.as_flattened(), scale);
            s.add_slice(&g.bias, scale);
            s.stats
        };
        if <Sgd as Optimizer<Dense<2, 1>>>::begin(opt, &stats).is_ok() {
            m.apply::<Dense<2, 1>, _>(g, scale, opt, 0);
        }
    }

    #[test]
    fn hand_computed_step() {
        let mut m = Dense::<2, 1>::from_parts([[1.0, 2.0]], [0.5]);
        let g = Dense::<2, 1>::from_parts([[4.0, -2.0]], [1.0]);
        let mut opt = Sgd::new(0.1).unwrap();
        sgd_update(&mut opt, &mut m, &g, 0.5);
        assert_eq!(m.weights, [[1.0 - 0.2, 2.0 + 0.1]]);
        assert_eq!(m.bias, [0.5 - 0.05]);
        assert_eq!(Sgd::new(f32::NAN), Err(ConfigError::LearningRate));
        assert_eq!(Sgd::new(0.0), Err(ConfigError::LearningRate));
        // A step too large to be safe is refused before anything is written.
        let before = m;
        let huge = Dense::<2, 1>::from_parts([[3e38, 0.0]], [0.0]);
        let mut big = Sgd::new(10.0).unwrap();
        sgd_update(&mut big, &mut m, &huge, 1.0);
        assert_eq!(m, before);
        assert_eq!(opt.set_lr(-1.0), Err(ConfigError::LearningRate));
        assert_eq!(opt.lr(), 0.1);
    }
}
