//! SGD with (heavy-ball) momentum, PyTorch's convention.

use super::GradStats;
use super::{MAX_STEP, Optimizer, check_lr, check_unit, rows_mut};
use crate::layer::Layer;
use crate::params::{Params, Slot, slice_at};
use crate::{ConfigError, TrainError};

/// SGD with momentum, as PyTorch computes it: `v ← μ·v + g`, `p ← p − lr·v`.
/// The velocity `v` is shaped like what the model trains (`L::Grads`).
/// PyTorch: `SGD(params, lr, momentum=μ)`.
///
/// Refuses (changing nothing) a step whose largest gradient value exceeds
/// `(1 − μ) · 2^99 / lr`: that keeps `|lr·v| ≤ 2^100` forever, so no velocity and no
/// weight can overflow.
pub struct Momentum<L: Layer> {
    lr: f32,
    momentum: f32,
    velocity: L::Grads,
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
            velocity: crate::Zero::ZERO,
        })
    }

    /// Forgets the velocity (for example when restarting training).
    pub fn reset(&mut self) {
        self.velocity.clear();
    }

    /// The learning rate.
    pub fn lr(&self) -> f32 {
        self.lr
    }

    /// Changes the learning rate; the velocity is kept (for a schedule, see
    /// [`crate::schedule`]). The no-overflow guarantee holds for any schedule that raises
    /// the rate at most 8-fold above the rate the velocity was built with (the margin
    /// between the 2^100 step bound and overflow); schedules lower it.
    ///
    /// # Errors
    /// [`ConfigError::LearningRate`] unless `lr` is finite and > 0; unchanged then.
    pub fn set_lr(&mut self, lr: f32) -> Result<(), ConfigError> {
        self.lr = check_lr(lr)?;
        Ok(())
    }

    /// The velocity buffer.
    pub fn velocity(&self) -> &L::Grads {
        &self.velocity
    }
}

impl<L: Layer> Clone for Momentum<L>
where
    L::Grads: Clone,
{
    fn clone(&self) -> Self {
        Self {
            lr: self.lr,
            momentum: self.momentum,
            velocity: self.velocity.clone(),
        }
    }
}

impl<L: Layer> core::fmt::Debug for Momentum<L> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let v = &self.velocity;
        let finite = (0..<L::Grads as Params>::BLOCKS).all(|b| crate::math::all_finite(v.block(b)));
        f.debug_struct("Momentum")
            .field("lr", &self.lr)
            .field("momentum", &self.momentum)
            .field("velocity_finite", &finite)
            .finish()
    }
}

#[inline]
fn step(p: &mut f32, v: &mut f32, g: f32, mu: f32, lr: f32) {
    *v = mu * *v + g;
    *p -= lr * *v;
}

impl<L: Layer> Optimizer<L> for Momentum<L> {
    fn begin(&mut self, stats: &GradStats) -> Result<(), TrainError> {
        stats.check((1.0 - self.momentum) * (MAX_STEP * 0.5) / self.lr)
    }

    fn update_slice(&mut self, at: Slot, params: &mut [f32], grads: &[f32], scale: f32) {
        let (mu, lr) = (self.momentum, self.lr);
        let Some(vel) = slice_at(&mut self.velocity, at, params.len()) else {
            return;
        };
        for ((p, v), g) in params.iter_mut().zip(vel).zip(grads) {
            step(p, v, g * scale, mu, lr);
        }
    }

    fn update_outer(&mut self, at: Slot, params: &mut [f32], dy: &[f32], x: &[f32], scale: f32) {
        let (mu, lr) = (self.momentum, self.lr);
        let Some(vel) = slice_at(&mut self.velocity, at, params.len()) else {
            return;
        };
        let rows = rows_mut(params, x.len()).zip(rows_mut(vel, x.len()));
        for ((prow, vrow), &d) in rows.zip(dy) {
            for ((p, v), &xi) in prow.iter_mut().zip(vrow).zip(x) {
                step(p, v, d * xi * scale, mu, lr);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dense, Workspace, loss::Mse};

    #[test]
    fn hand_computed_steps() {
        // One weight, y = w·x, x = 1, target 0: g = 2w (MSE over one output).
        let mut m = Dense::<1, 1>::from_parts([[1.0]], [0.0]);
        let mut opt = Momentum::<Dense<1, 1>>::new(0.1, 0.9).unwrap();
        let mut ws = Workspace::<Dense<1, 1>>::new();
        ws.step(&mut m, &mut opt, &Mse, &[1.0], &[0.0]).unwrap();
        // v = 2, w = 1 - 0.2 = 0.8.
        assert!((m.weights[0][0] - 0.8).abs() < 1e-6);
        ws.step(&mut m, &mut opt, &Mse, &[1.0], &[0.0]).unwrap();
        // y = 0.8 − 0.2 (the bias moved too), g = 1.2, v = 0.9·2 + 1.2 = 3, w = 0.5.
        assert!((m.weights[0][0] - 0.5).abs() < 1e-6, "{}", m.weights[0][0]);
        assert!((opt.velocity().weights[0][0] - 3.0).abs() < 1e-6);
        assert!(Momentum::<Dense<1, 1>>::new(0.1, 1.0).is_err());
    }
}
