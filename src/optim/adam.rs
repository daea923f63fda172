//! Adam with bias correction, computed as PyTorch does.

use super::{Optimizer, check_lr, check_unit};
use crate::layer::Layer;
use crate::math;
use crate::{ConfigError, TrainError};

/// Adam's hyper-parameters. [`AdamConfig::default`] is PyTorch's default except `lr`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamConfig {
    /// Learning rate (PyTorch default 1e-3).
    pub lr: f32,
    /// Decay of the first moment, in [0, 1) (0.9).
    pub beta1: f32,
    /// Decay of the second moment, in [0, 1) (0.999).
    pub beta2: f32,
    /// Added to the denominator, > 0 (1e-8).
    pub eps: f32,
}

impl Default for AdamConfig {
    fn default() -> Self {
        Self {
            lr: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        }
    }
}

/// Adam (Kingma & Ba, 2015) with bias correction. PyTorch: `torch.optim.Adam`.
///
/// Per parameter: `m ← β1·m + (1−β1)·g`, `v ← β2·v + (1−β2)·g²`, then
/// `p ← p − (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + ε)` — the same arrangement as PyTorch,
/// so results agree to rounding. β1ᵗ and β2ᵗ are kept as running products (no `powf`).
///
/// State: two model-shaped buffers, `2 · size_of::<L>()` bytes, plus a few scalars.
#[derive(Debug, Clone, PartialEq)]
pub struct Adam<L> {
    config: AdamConfig,
    /// β1ᵗ and β2ᵗ after `t` steps.
    beta1_t: f32,
    beta2_t: f32,
    steps: u32,
    m: L,
    v: L,
}

impl<L: Layer> Adam<L> {
    /// Adam with learning rate `lr` and PyTorch's other defaults.
    ///
    /// # Errors
    /// [`ConfigError::LearningRate`] unless `lr` is finite and > 0.
    pub fn new(lr: f32) -> Result<Self, ConfigError> {
        Self::with_config(AdamConfig {
            lr,
            ..AdamConfig::default()
        })
    }

    /// Adam with every hyper-parameter given.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first invalid field.
    pub fn with_config(config: AdamConfig) -> Result<Self, ConfigError> {
        check_lr(config.lr)?;
        check_unit(config.beta1, ConfigError::Beta1)?;
        check_unit(config.beta2, ConfigError::Beta2)?;
        if !(config.eps.is_finite() && config.eps > 0.0) {
            return Err(ConfigError::Epsilon);
        }
        Ok(Self {
            config,
            beta1_t: 1.0,
            beta2_t: 1.0,
            steps: 0,
            m: L::ZERO,
            v: L::ZERO,
        })
    }

    /// The hyper-parameters.
    pub fn config(&self) -> AdamConfig {
        self.config
    }

    /// The learning rate.
    pub fn lr(&self) -> f32 {
        self.config.lr
    }

    /// Changes the learning rate; moments and step count are kept (for a schedule, see
    /// [`crate::schedule`]).
    ///
    /// # Errors
    /// [`ConfigError::LearningRate`] unless `lr` is finite and > 0; then nothing changes.
    pub fn set_lr(&mut self, lr: f32) -> Result<(), ConfigError> {
        self.config.lr = check_lr(lr)?;
        Ok(())
    }

    /// Updates taken so far (saturates at `u32::MAX`).
    pub fn steps(&self) -> u32 {
        self.steps
    }

    /// Forgets the moments and the step count.
    pub fn reset(&mut self) {
        self.m = L::ZERO;
        self.v = L::ZERO;
        self.steps = 0;
        self.beta1_t = 1.0;
        self.beta2_t = 1.0;
    }
}

impl<L: Layer> Optimizer<L> for Adam<L> {
    /// Adam's step is scale-free (about `lr` per weight), so it overflows only with an
    /// absurd learning rate or weights already near `f32::MAX`. Checking first would cost
    /// a second pass with a `sqrt` per weight, so instead a weight whose new value would
    /// not be finite keeps its old value (its moments still advance) and the call reports
    /// [`TrainError::NonFiniteUpdate`]: no non-finite weight is ever written.
    fn update(&mut self, model: &mut L, grads: &L, scale: f32) -> Result<(), TrainError> {
        let AdamConfig {
            lr,
            beta1,
            beta2,
            eps,
        } = self.config;
        self.steps = self.steps.saturating_add(1);
        self.beta1_t *= beta1;
        self.beta2_t *= beta2;
        let step_size = lr / (1.0 - self.beta1_t);
        let inv_sqrt_bc2 = 1.0 / math::sqrt(1.0 - self.beta2_t);
        let mut all_finite = true;
        for b in 0..L::PARAM_BLOCKS {
            let params = model.param_block_mut(b);
            let ms = self.m.param_block_mut(b);
            let vs = self.v.param_block_mut(b);
            let gs = grads.param_block(b);
            for (((p, m), v), g) in params.iter_mut().zip(ms).zip(vs).zip(gs) {
                let g = g * scale;
                *m = beta1 * *m + (1.0 - beta1) * g;
                *v = beta2 * *v + (1.0 - beta2) * g * g;
                let denom = math::sqrt(*v) * inv_sqrt_bc2 + eps;
                let new = *p - step_size * *m / denom;
                if new.is_finite() {
                    *p = new;
                } else {
                    all_finite = false;
                }
            }
        }
        if all_finite {
            Ok(())
        } else {
            Err(TrainError::NonFiniteUpdate)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dense;

    #[test]
    fn hand_computed_steps_with_bias_correction() {
        // Step 1: m = 0.1 g, v = 0.001 g², m̂ = g, v̂ = g² → p −= lr · g/(|g| + ε) ≈ lr·sign(g).
        let mut m = Dense::<1, 1>::from_parts([[1.0]], [0.0]);
        let g = Dense::<1, 1>::from_parts([[0.5]], [-2.0]);
        let mut opt = Adam::new(0.01).unwrap();
        opt.update(&mut m, &g, 1.0).unwrap();
        assert!((m.weights[0][0] - 0.99).abs() < 1e-6, "{}", m.weights[0][0]);
        assert!((m.bias[0] - 0.01).abs() < 1e-6);
        // Step 2 with gradient g2 = 0.25 on the weight, by hand:
        let g2 = Dense::<1, 1>::from_parts([[0.25]], [0.0]);
        opt.update(&mut m, &g2, 1.0).unwrap();
        let m1 = 0.9 * 0.05 + 0.1 * 0.25;
        let v1 = 0.999 * 0.00025 + 0.001 * 0.0625;
        let (bc1, bc2) = (1.0 - 0.81f64, 1.0 - 0.998001f64);
        let expect = 0.99 - 0.01 * (m1 / bc1) / ((v1 / bc2).sqrt() + 1e-8);
        assert!(
            (m.weights[0][0] as f64 - expect).abs() < 1e-6,
            "{} vs {expect}",
            m.weights[0][0]
        );
        assert_eq!(opt.steps(), 2);
    }

    #[test]
    fn rejects_bad_hyperparameters() {
        type M = Dense<1, 1>;
        let base = AdamConfig::default();
        assert_eq!(Adam::<M>::new(0.0).err(), Some(ConfigError::LearningRate));
        let bad = |c| Adam::<M>::with_config(c).err();
        assert_eq!(
            bad(AdamConfig { beta1: 1.0, ..base }),
            Some(ConfigError::Beta1)
        );
        assert_eq!(
            bad(AdamConfig {
                beta2: -0.1,
                ..base
            }),
            Some(ConfigError::Beta2)
        );
        assert_eq!(
            bad(AdamConfig { eps: 0.0, ..base }),
            Some(ConfigError::Epsilon)
        );
        assert_eq!(
            bad(AdamConfig {
                beta1: f32::NAN,
                ..base
            }),
            Some(ConfigError::Beta1)
        );
    }
}
