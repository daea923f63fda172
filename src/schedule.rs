//! Learning-rate schedules: pure functions of the update step, so they run the same in
//! firmware (no heap, no state) as in the host's `fit`.
//!
//! A [`Schedule`] is a base rate, an optional linear warm-up, and a [`Decay`] after it.
//! Apply it by setting the optimizer's rate before each update:
//!
//! ```
//! use stacknet::schedule::{Decay, Schedule};
//! use stacknet::optim::Sgd;
//! let schedule = Schedule::new(0.1).warmup(10).decay(Decay::Cosine { steps: 90, floor: 0.001 });
//! let mut opt = Sgd::new(0.1).unwrap();
//! for step in 0..100 {
//!     opt.set_lr(schedule.lr(step)).unwrap();
//!     // ... ws.step(&mut net, &mut opt, ..) ...
//! }
//! assert!((schedule.lr(0) - 0.01).abs() < 1e-8); // warm-up starts at base / warmup
//! assert_eq!(schedule.lr(9), 0.1);
//! assert!((schedule.lr(99) - 0.001).abs() < 1e-4);
//! ```
//!
//! Every rate it returns is finite and > 0 when the base is (the constructor clamps the
//! other parameters), so `set_lr` never fails on a schedule's output.

use crate::ConfigError;

/// How the rate falls after warm-up. `t` counts steps after the warm-up, from 0.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub enum Decay {
    /// The base rate throughout.
    #[default]
    Constant,
    /// `base · factor^⌊t / every⌋`: multiply by `factor` every `every` steps (PyTorch's
    /// `StepLR`). `every` 0 is taken as 1; `factor` is clamped to `(0, 1]`.
    Step {
        /// Steps between drops.
        every: u32,
        /// The multiplier at each drop.
        factor: f32,
    },
    /// `floor + (base − floor) · (1 + cos(π · t / steps)) / 2`, then `floor` from step
    /// `steps` on (PyTorch's `CosineAnnealingLR` without restarts). `floor` is clamped to
    /// `(0, base]`.
    Cosine {
        /// Steps from the base rate down to `floor`.
        steps: u32,
        /// The final rate.
        floor: f32,
    },
}

/// A learning-rate schedule: `lr(step)` for update `step` (0-based).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schedule {
    base: f32,
    warmup: u32,
    decay: Decay,
}

impl Schedule {
    /// A constant rate `base`. Use [`try_new`](Self::try_new) to check `base`; this one
    /// takes a non-finite or non-positive `base` as 1e-3 so `lr` always returns a valid rate.
    pub const fn new(base: f32) -> Self {
        let base = if base.is_finite() && base > 0.0 {
            base
        } else {
            1e-3
        };
        Self {
            base,
            warmup: 0,
            decay: Decay::Constant,
        }
    }

    /// A constant rate `base`.
    ///
    /// # Errors
    /// [`ConfigError::LearningRate`] unless `base` is finite and > 0.
    pub fn try_new(base: f32) -> Result<Self, ConfigError> {
        if base.is_finite() && base > 0.0 {
            Ok(Self::new(base))
        } else {
            Err(ConfigError::LearningRate)
        }
    }

    /// Rises linearly over the first `steps` updates: `base · (step + 1) / steps`.
    pub const fn warmup(mut self, steps: u32) -> Self {
        self.warmup = steps;
        self
    }

    /// The decay after warm-up.
    pub const fn decay(mut self, decay: Decay) -> Self {
        self.decay = decay;
        self
    }

    /// The base rate.
    pub const fn base(&self) -> f32 {
        self.base
    }

    /// The rate for update `step` (0-based): finite and > 0.
    pub fn lr(&self, step: u32) -> f32 {
        let base = self.base;
        if step < self.warmup {
            // (step + 1) / warmup in (0, 1].
            return positive(base * ((step as f32 + 1.0) / self.warmup as f32), base);
        }
        let t = step - self.warmup;
        let lr = match self.decay {
            Decay::Constant => base,
            Decay::Step { every, factor } => {
                let factor = if factor > 0.0 && factor <= 1.0 {
                    factor
                } else {
                    1.0
                };
                let drops = t / every.max(1);
                base * libm::powf(factor, drops as f32)
            }
            Decay::Cosine { steps, floor } => {
                let floor = if floor > 0.0 && floor <= base {
                    floor
                } else {
                    base
                };
                if t >= steps {
                    floor
                } else {
                    let phase = core::f32::consts::PI * (t as f32 / steps as f32);
                    floor + (base - floor) * 0.5 * (1.0 + libm::cosf(phase))
                }
            }
        };
        positive(lr, base)
    }
}

/// `lr` if it is a usable rate, else the smallest positive normal `f32` (a step decay can
/// underflow to 0 after many drops); NaN cannot occur but would give `fallback`.
fn positive(lr: f32, fallback: f32) -> f32 {
    if lr.is_nan() {
        fallback
    } else if lr > 0.0 {
        lr.min(f32::MAX)
    } else {
        f32::MIN_POSITIVE
    }
}

/// An optimizer whose learning rate can be read and changed between updates, so a
/// [`Schedule`] can drive it (the host's `fit` does, through this trait).
pub trait LearningRate {
    /// The current rate.
    fn lr(&self) -> f32;
    /// Sets the rate.
    ///
    /// # Errors
    /// [`ConfigError::LearningRate`] unless `lr` is finite and > 0; then nothing changes.
    fn set_lr(&mut self, lr: f32) -> Result<(), ConfigError>;
}

impl LearningRate for crate::optim::Sgd {
    fn lr(&self) -> f32 {
        crate::optim::Sgd::lr(self)
    }
    fn set_lr(&mut self, lr: f32) -> Result<(), ConfigError> {
        crate::optim::Sgd::set_lr(self, lr)
    }
}

impl<L: crate::Layer> LearningRate for crate::optim::Momentum<L> {
    fn lr(&self) -> f32 {
        crate::optim::Momentum::lr(self)
    }
    fn set_lr(&mut self, lr: f32) -> Result<(), ConfigError> {
        crate::optim::Momentum::set_lr(self, lr)
    }
}

impl<L: crate::Layer> LearningRate for crate::optim::Adam<L> {
    fn lr(&self) -> f32 {
        crate::optim::Adam::lr(self)
    }
    fn set_lr(&mut self, lr: f32) -> Result<(), ConfigError> {
        crate::optim::Adam::set_lr(self, lr)
    }
}

impl<O: LearningRate> LearningRate for crate::clip::ClipNorm<O> {
    fn lr(&self) -> f32 {
        self.inner().lr()
    }
    fn set_lr(&mut self, lr: f32) -> Result<(), ConfigError> {
        self.inner_mut().set_lr(lr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::{Adam, Momentum, Sgd};
    use crate::{Dense, Identity, chain};

    #[test]
    fn step_decay_and_warmup() {
        let s = Schedule::new(1.0).warmup(4).decay(Decay::Step {
            every: 10,
            factor: 0.5,
        });
        assert_eq!([s.lr(0), s.lr(1), s.lr(3)], [0.25, 0.5, 1.0]);
        assert_eq!(
            [s.lr(4), s.lr(13), s.lr(14), s.lr(24)],
            [1.0, 1.0, 0.5, 0.25]
        );
        // Thousands of halvings underflow; the rate stays a valid (tiny) one.
        let lr = s.lr(u32::MAX);
        assert!(lr > 0.0 && lr.is_finite());
        assert!(Sgd::new(1.0).unwrap().set_lr(lr).is_ok());
    }

    #[test]
    fn cosine_ends_at_the_floor() {
        let s = Schedule::new(0.1).decay(Decay::Cosine {
            steps: 100,
            floor: 0.01,
        });
        assert_eq!(s.lr(0), 0.1);
        assert!((s.lr(50) - 0.055).abs() < 1e-6);
        assert_eq!([s.lr(100), s.lr(1000)], [0.01, 0.01]);
        let mut last = f32::INFINITY;
        for step in 0..=100 {
            assert!(s.lr(step) <= last);
            last = s.lr(step);
        }
        // A bad floor is clamped to the base (constant), never to 0 or NaN.
        let s = Schedule::new(0.1).decay(Decay::Cosine {
            steps: 0,
            floor: f32::NAN,
        });
        assert_eq!([s.lr(0), s.lr(7)], [0.1, 0.1]);
    }

    #[test]
    fn bad_base_is_refused_or_replaced() {
        assert_eq!(Schedule::try_new(0.0), Err(ConfigError::LearningRate));
        assert_eq!(Schedule::try_new(f32::NAN), Err(ConfigError::LearningRate));
        assert_eq!(Schedule::new(-1.0).lr(0), 1e-3);
    }

    #[test]
    fn optimizers_take_the_rate() {
        type Net = chain![Dense<1, 1>, Identity<1>];
        let mut sgd = Sgd::new(0.1).unwrap();
        let mut momentum = Momentum::<Net>::new(0.1, 0.9).unwrap();
        let mut adam = Adam::<Net>::new(0.1).unwrap();
        let opts: [&mut dyn LearningRate; 3] = [&mut sgd, &mut momentum, &mut adam];
        for opt in opts {
            opt.set_lr(0.25).unwrap();
            assert_eq!(opt.lr(), 0.25);
            assert_eq!(opt.set_lr(f32::INFINITY), Err(ConfigError::LearningRate));
            assert_eq!(opt.set_lr(0.0), Err(ConfigError::LearningRate));
            assert_eq!(opt.lr(), 0.25);
        }
    }
}
