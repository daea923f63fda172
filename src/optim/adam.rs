//! Adam and AdamW with bias correction, computed as PyTorch does.

use super::GradStats;
use super::{MAX_STEP, Optimizer, check_lr, check_unit, rows_mut};
use crate::layer::Layer;
use crate::math;
use crate::params::{Params, Slot, slice_at};
use crate::{ConfigError, TrainError};

/// Adam's hyper-parameters. [`AdamConfig::default`] is PyTorch's default except `lr`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamConfig {
    /// Learning rate (PyTorch default 1e-3).
    pub lr: f32,
    /// Decay of the first moment, in [0, 1) (0.9).
    pub beta1: f32,
    /// Decay of the second moment, in [0, 1) (0.999); `beta1²` must be below it.
    pub beta2: f32,
    /// Added to the denominator, > 0 (1e-8).
    pub eps: f32,
    /// Decoupled weight decay λ (AdamW): each step first scales every trained weight by
    /// `1 − lr·λ`. 0 (the default) is plain Adam; `lr·λ` must be at most 1.
    pub weight_decay: f32,
}

impl Default for AdamConfig {
    fn default() -> Self {
        Self {
            lr: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
        }
    }
}

/// Largest gradient value Adam accepts: `2^62`. Its square stays finite (`2^124`), so
/// neither moment can overflow; refusing a larger one keeps the state finite forever.
const MAX_GRAD: f32 = 4.611_686e18;

/// Adam (Kingma & Ba, 2015) with bias correction. PyTorch: `torch.optim.Adam`, and with
/// `weight_decay > 0` `torch.optim.AdamW`.
///
/// Per trained value: `m ← β1·m + (1−β1)·g`, `v ← β2·v + (1−β2)·g²`, then
/// `p ← p − (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + ε)` — the same arrangement as PyTorch,
/// so results agree to rounding. β1ᵗ and β2ᵗ are kept as running products (no `powf`).
///
/// State: two buffers shaped like what the model trains (`2 · size_of::<L::Grads>()`
/// bytes, nothing for frozen layers) plus a few scalars.
///
/// **Never non-finite.** A step whose gradient has a value above `2^62` (or NaN/∞) is
/// refused before anything changes (weights, moments and step count). Below that bound the
/// moments stay finite, and since `β1² < β2` is required, `|m̂|/√v̂` is bounded by
/// `1/√((1−β2)(1−β1²/β2))` (Cauchy–Schwarz), so with `lr` times that bound at most `2^100`
/// (checked when the optimizer is made) no weight can overflow either.
pub struct Adam<L: Layer> {
    config: AdamConfig,
    /// β1ᵗ and β2ᵗ after `t` steps.
    beta1_t: f32,
    beta2_t: f32,
    steps: u32,
    m: L::Grads,
    v: L::Grads,
    /// This step's coefficients, set by `begin`.
    coef: Coefficients,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Coefficients {
    step_size: f32,
    inv_sqrt_bc2: f32,
    decay: f32,
}

impl<L: Layer> Adam<L> {
    /// Adam with learning rate `lr` and PyTorch's other defaults.
    ///
    /// # Errors
    /// [`ConfigError::LearningRate`] unless `lr` is finite, > 0 and small enough that no
    /// step can exceed `2^100` (for the defaults, `lr ≤ 1.7e28`).
    pub fn new(lr: f32) -> Result<Self, ConfigError> {
        Self::with_config(AdamConfig {
            lr,
            ..AdamConfig::default()
        })
    }

    /// AdamW: Adam with decoupled weight decay `weight_decay` (PyTorch's `AdamW`; its
    /// default decay is 0.01).
    ///
    /// # Errors
    /// As [`Adam::with_config`].
    pub fn adamw(lr: f32, weight_decay: f32) -> Result<Self, ConfigError> {
        Self::with_config(AdamConfig {
            lr,
            weight_decay,
            ..AdamConfig::default()
        })
    }

    /// Adam with every hyper-parameter given.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first invalid field.
    pub fn with_config(config: AdamConfig) -> Result<Self, ConfigError> {
        check_config(&config)?;
        Ok(Self {
            config,
            beta1_t: 1.0,
            beta2_t: 1.0,
            steps: 0,
            m: crate::Zero::ZERO,
            v: crate::Zero::ZERO,
            coef: Coefficients {
                step_size: 0.0,
                inv_sqrt_bc2: 0.0,
                decay: 1.0,
            },
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

    /// Changes the learning rate (for a schedule, see [`crate::schedule`]); the
    /// moments and step count are kept.
    ///
    /// # Errors
    /// As [`Adam::with_config`]; unchanged then.
    pub fn set_lr(&mut self, lr: f32) -> Result<(), ConfigError> {
        let config = AdamConfig { lr, ..self.config };
        check_config(&config)?;
        self.config = config;
        Ok(())
    }

    /// Updates taken so far (saturates at `u32::MAX`).
    pub fn steps(&self) -> u32 {
        self.steps
    }

    /// The first and second moment buffers.
    pub fn moments(&self) -> (&L::Grads, &L::Grads) {
        (&self.m, &self.v)
    }

    /// Forgets the moments and the step count.
    pub fn reset(&mut self) {
        self.m.clear();
        self.v.clear();
        self.steps = 0;
        self.beta1_t = 1.0;
        self.beta2_t = 1.0;
    }
}

fn check_config(c: &AdamConfig) -> Result<(), ConfigError> {
    check_lr(c.lr)?;
    check_unit(c.beta1, ConfigError::Beta1)?;
    check_unit(c.beta2, ConfigError::Beta2)?;
    if !(c.eps.is_finite() && c.eps > 0.0) {
        return Err(ConfigError::Epsilon);
    }
    if c.beta1 * c.beta1 >= c.beta2 {
        return Err(ConfigError::BetaRatio);
    }
    let wd = c.weight_decay;
    if !(wd.is_finite() && wd >= 0.0 && c.lr * wd <= 1.0) {
        return Err(ConfigError::WeightDecay);
    }
    // The bound on |m̂|/√v̂ (see the type's docs), with a margin for rounding.
    let ratio = 1.0 - c.beta1 * c.beta1 / c.beta2;
    let bound = 2.0 / math::sqrt((1.0 - c.beta2) * ratio);
    if c.lr * bound > MAX_STEP || bound.is_nan() {
        return Err(ConfigError::LearningRate);
    }
    Ok(())
}

impl<L: Layer> Clone for Adam<L>
where
    L::Grads: Clone,
{
    fn clone(&self) -> Self {
        Self {
            config: self.config,
            beta1_t: self.beta1_t,
            beta2_t: self.beta2_t,
            steps: self.steps,
            m: self.m.clone(),
            v: self.v.clone(),
            coef: self.coef,
        }
    }
}

impl<L: Layer> core::fmt::Debug for Adam<L> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let finite =
            |p: &L::Grads| (0..<L::Grads as Params>::BLOCKS).all(|b| math::all_finite(p.block(b)));
        f.debug_struct("Adam")
            .field("config", &self.config)
            .field("steps", &self.steps)
            .field("moments_finite", &(finite(&self.m) && finite(&self.v)))
            .finish()
    }
}

impl Coefficients {
    #[inline]
    fn step(&self, c: &AdamConfig, p: &mut f32, m: &mut f32, v: &mut f32, g: f32) {
        *m = c.beta1 * *m + (1.0 - c.beta1) * g;
        *v = c.beta2 * *v + (1.0 - c.beta2) * g * g;
        let denom = math::sqrt(*v) * self.inv_sqrt_bc2 + c.eps;
        let update = self.step_size * *m / denom;
        // `decay` is exactly 1 without weight decay; skipping the multiply changes no bit.
        *p = if c.weight_decay == 0.0 {
            *p
        } else {
            *p * self.decay
        } - update;
    }
}

impl<L: Layer> Optimizer<L> for Adam<L> {
    fn begin(&mut self, stats: &GradStats) -> Result<(), TrainError> {
        stats.check(MAX_GRAD)?;
        let c = &self.config;
        self.steps = self.steps.saturating_add(1);
        self.beta1_t *= c.beta1;
        self.beta2_t *= c.beta2;
        self.coef = Coefficients {
            step_size: c.lr / (1.0 - self.beta1_t),
            inv_sqrt_bc2: 1.0 / math::sqrt(1.0 - self.beta2_t),
            decay: 1.0 - c.lr * c.weight_decay,
        };
        Ok(())
    }

    fn update_slice(&mut self, at: Slot, params: &mut [f32], grads: &[f32], scale: f32) {
        let (c, k) = (self.config, self.coef);
        let n = params.len();
        let (Some(ms), Some(vs)) = (slice_at(&mut self.m, at, n), slice_at(&mut self.v, at, n))
        else {
            return;
        };
        for (((p, m), v), g) in params.iter_mut().zip(ms).zip(vs).zip(grads) {
            k.step(&c, p, m, v, g * scale);
        }
    }

    fn update_outer(&mut self, at: Slot, params: &mut [f32], dy: &[f32], x: &[f32], scale: f32) {
        let (c, k) = (self.config, self.coef);
        let (n, w) = (params.len(), x.len());
        let (Some(ms), Some(vs)) = (slice_at(&mut self.m, at, n), slice_at(&mut self.v, at, n))
        else {
            return;
        };
        let rows = rows_mut(params, w)
            .zip(rows_mut(ms, w))
            .zip(rows_mut(vs, w));
        for (((prow, mrow), vrow), &d) in rows.zip(dy) {
            let values = prow.iter_mut().zip(mrow).zip(vrow).zip(x);
            for (((p, m), v), &xi) in values {
                // The fused step passes `scale == 1`; `g * 1.0 == g` bit for bit.
                let g = if scale == 1.0 { d * xi } else { d * xi * scale };
                k.step(&c, p, m, v, g);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dense, Zero};

    /// The largest learning rate `check_config` accepts, from the documented bound
    /// `lr · 2 / √((1 − β2)(1 − β1²/β2)) ≤ 2^100`, computed in f64.
    fn largest_lr(beta1: f64, beta2: f64) -> f64 {
        let ratio = 1.0 - beta1 * beta1 / beta2;
        2f64.powi(100) / (2.0 / ((1.0 - beta2) * ratio).sqrt())
    }

    #[test]
    fn the_learning_rate_bound_sits_where_the_docs_say() {
        for (b1, b2) in [(0.9f32, 0.999f32), (0.5, 0.9), (0.0, 0.5)] {
            let edge = largest_lr(f64::from(b1), f64::from(b2));
            let config = |lr: f64| AdamConfig {
                lr: lr as f32,
                beta1: b1,
                beta2: b2,
                ..AdamConfig::default()
            };
            assert_eq!(check_config(&config(edge * 0.999)), Ok(()), "{b1} {b2}");
            assert_eq!(
                check_config(&config(edge * 1.001)),
                Err(ConfigError::LearningRate),
                "{b1} {b2}"
            );
        }
    }

    #[test]
    fn config_and_reset_are_what_they_say() {
        let config = AdamConfig {
            lr: 0.25,
            beta1: 0.5,
            beta2: 0.75,
            eps: 1e-3,
            weight_decay: 0.5,
        };
        let mut opt = Adam::<Dense<1, 1>>::with_config(config).unwrap();
        assert_eq!(opt.config(), config);
        let mut m = Dense::<1, 1>::from_parts([[1.0]], [1.0]);
        let g = Dense::<1, 1>::from_parts([[0.5]], [-2.0]);
        opt.begin(&GradStats::ZERO).unwrap();
        m.apply::<Dense<1, 1>, _>(&g, 1.0, &mut opt, 0);
        assert_eq!(opt.steps(), 1);
        assert!(opt.moments().0.bias[0] != 0.0 && opt.moments().1.bias[0] != 0.0);
        opt.reset();
        assert_eq!(opt.steps(), 0);
        assert_eq!(opt.moments(), (&Dense::ZERO, &Dense::ZERO));
        // After a reset the first step is a first step again (bias correction from 1).
        let mut fresh = Adam::<Dense<1, 1>>::with_config(config).unwrap();
        let (mut a, mut b) = (Dense::<1, 1>::ZERO, Dense::<1, 1>::ZERO);
        for (opt, model) in [(&mut opt, &mut a), (&mut fresh, &mut b)] {
            opt.begin(&GradStats::ZERO).unwrap();
            model.apply::<Dense<1, 1>, _>(&g, 1.0, opt, 0);
        }
        assert_eq!(a, b);
    }

    #[test]
    fn hand_computed_steps_with_bias_correction() {
        // Step 1: m = 0.1 g, v = 0.001 g², m̂ = g, v̂ = g² → p −= lr · g/(|g| + ε) ≈ lr·sign(g).
        let mut m = Dense::<1, 1>::from_parts([[1.0]], [0.0]);
        let g = Dense::<1, 1>::from_parts([[0.5]], [-2.0]);
        let mut opt = Adam::<Dense<1, 1>>::new(0.01).unwrap();
        let apply = |m: &mut Dense<1, 1>, g: &Dense<1, 1>, opt: &mut Adam<Dense<1, 1>>| {
            opt.begin(&GradStats::ZERO).unwrap();
            m.apply::<Dense<1, 1>, _>(g, 1.0, opt, 0);
        };
        apply(&mut m, &g, &mut opt);
        assert!((m.weights[0][0] - 0.99).abs() < 1e-6, "{}", m.weights[0][0]);
        assert!((m.bias[0] - 0.01).abs() < 1e-6);
        // Step 2 with gradient g2 = 0.25 on the weight, by hand:
        let g2 = Dense::<1, 1>::from_parts([[0.25]], [0.0]);
        apply(&mut m, &g2, &mut opt);
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
    fn adamw_decays_weights_first() {
        let mut m = Dense::<1, 1>::from_parts([[2.0]], [0.0]);
        let mut opt = Adam::<Dense<1, 1>>::adamw(0.1, 0.5).unwrap();
        opt.begin(&GradStats::ZERO).unwrap();
        m.apply::<Dense<1, 1>, _>(&Dense::ZERO, 1.0, &mut opt, 0);
        // Zero gradient: only the decay acts, w ← w·(1 − 0.1·0.5).
        assert_eq!(m.weights[0][0], 2.0 * (1.0 - 0.1 * 0.5));
        assert_eq!(
            Adam::<Dense<1, 1>>::adamw(0.1, 11.0).err(),
            Some(ConfigError::WeightDecay)
        );
    }

    #[test]
    fn rejects_bad_hyperparameters() {
        type M = Dense<1, 1>;
        let base = AdamConfig::default();
        assert_eq!(Adam::<M>::new(0.0).err(), Some(ConfigError::LearningRate));
        assert_eq!(
            Adam::<M>::new(f32::MAX).err(),
            Some(ConfigError::LearningRate)
        );
        assert!(Adam::<M>::new(1e27).is_ok());
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
        assert_eq!(
            bad(AdamConfig {
                beta1: 0.9,
                beta2: 0.5,
                ..base
            }),
            Some(ConfigError::BetaRatio)
        );
    }
}
