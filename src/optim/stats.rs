//! What an optimizer learns about a step's whole gradient before writing anything.

use super::Optimizer;
use crate::TrainError;
use crate::layer::Layer;
use crate::math;
use crate::params::Slot;

/// A Euclidean norm kept as `scale · sqrt(ssq)` so it never overflows, however large the
/// values (the plain `sqrt(Σ g²)` overflows once an element passes about 1.8e19).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Norm {
    /// The largest magnitude seen (every value divided by it is at most 1).
    pub scale: f32,
    /// Sum of squares of the values divided by `scale`.
    pub ssq: f32,
}

impl Norm {
    /// The norm of nothing.
    pub const ZERO: Self = Self {
        scale: 0.0,
        ssq: 0.0,
    };

    /// The norm of `values[i] * factor` (two passes: largest magnitude, then the sum).
    pub fn of(values: &[f32], factor: f32) -> Self {
        let factor = factor.abs();
        let top = values.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let scale = top * factor;
        if scale.is_nan() || scale <= 0.0 || !scale.is_finite() {
            return Self { scale, ssq: 1.0 };
        }
        // 1/top overflows for subnormal `top`: divide then (rare, and only when clipping).
        let ssq = if top >= f32::MIN_POSITIVE {
            let inv = 1.0 / top;
            values.iter().fold(0.0f32, |s, v| {
                let r = v * inv;
                s + r * r
            })
        } else {
            values.iter().fold(0.0f32, |s, v| {
                let r = v / top;
                s + r * r
            })
        };
        Self { scale, ssq }
    }

    /// The norm of two disjoint sets of values together.
    pub fn join(self, other: Self) -> Self {
        let (big, small) = if self.scale >= other.scale {
            (self, other)
        } else {
            (other, self)
        };
        if big.scale.is_nan() || big.scale <= 0.0 {
            return big;
        }
        let r = small.scale / big.scale;
        Self {
            scale: big.scale,
            ssq: big.ssq + small.ssq * r * r,
        }
    }

    /// The norm of an outer product `a ⊗ b` times `factor`: `‖a‖·‖b‖·|factor|`.
    pub fn outer(a: Self, b: Self, factor: f32) -> Self {
        Self {
            scale: a.scale * b.scale * factor.abs(),
            ssq: a.ssq * b.ssq,
        }
    }

    /// `max_norm / norm`, computed without forming the (possibly overflowing) norm.
    /// `≥ 1` when the norm is within `max_norm`.
    pub fn factor_to(self, max_norm: f32) -> f32 {
        if self.scale.is_nan() || self.scale <= 0.0 {
            return f32::INFINITY;
        }
        (max_norm / self.scale) / math::sqrt(self.ssq)
    }

    /// The norm as one `f32` (`+∞` if it exceeds `f32::MAX`).
    pub fn value(self) -> f32 {
        self.scale * math::sqrt(self.ssq)
    }
}

/// Statistics of one step's scaled gradient, gathered before any weight is written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradStats {
    /// No gradient value is NaN or infinite.
    pub finite: bool,
    /// An upper bound on every |gradient value| (exact for buffered gradients).
    pub max_abs: f32,
    /// The global norm, if the optimizer asked for it (else [`Norm::ZERO`]).
    pub norm: Norm,
}

impl GradStats {
    /// Statistics of an all-zero gradient.
    pub const ZERO: Self = Self {
        finite: true,
        max_abs: 0.0,
        norm: Norm::ZERO,
    };

    /// The statistics after multiplying every gradient value by `factor` (≥ 0).
    pub fn scaled(self, factor: f32) -> Self {
        Self {
            finite: self.finite,
            max_abs: self.max_abs * factor,
            norm: Norm {
                scale: self.norm.scale * factor,
                ssq: self.norm.ssq,
            },
        }
    }

    /// Refuses non-finite gradients and gradients above `limit`.
    ///
    /// # Errors
    /// [`TrainError::NonFiniteGradient`] or [`TrainError::GradientTooLarge`].
    pub fn check(&self, limit: f32) -> Result<(), TrainError> {
        if !self.finite || !self.max_abs.is_finite() {
            Err(TrainError::NonFiniteGradient)
        } else if self.max_abs > limit {
            Err(TrainError::GradientTooLarge)
        } else {
            Ok(())
        }
    }
}

/// An "optimizer" that writes nothing and only gathers [`GradStats`]: a layer's `update` or
/// `apply` run with it first visits every gradient slice the real step will use.
#[derive(Debug)]
pub(crate) struct Survey {
    pub stats: GradStats,
    with_norm: bool,
}

impl Survey {
    pub fn new(with_norm: bool) -> Self {
        Self {
            stats: GradStats::ZERO,
            with_norm,
        }
    }

    #[inline]
    fn add_max(&mut self, m: f32, finite: bool) {
        let s = &mut self.stats;
        s.finite &= finite & (m <= f32::MAX);
        if m > s.max_abs {
            s.max_abs = m;
        }
    }

    /// Adds the gradient values `grads[i] * scale`.
    #[inline]
    pub fn add_slice(&mut self, grads: &[f32], scale: f32) {
        let (top, finite) = top_and_finite(grads);
        self.add_max(top * scale.abs(), finite);
        if self.with_norm && finite {
            self.stats.norm = self.stats.norm.join(Norm::of(grads, scale));
        }
    }
}

/// The largest magnitude in `values` and whether all are finite, in one branch-free pass
/// (a compare and a select per value: cheap on cores without a `max` instruction).
#[inline]
fn top_and_finite(values: &[f32]) -> (f32, bool) {
    let mut top = 0.0f32;
    let mut finite = true;
    for v in values {
        let a = v.abs();
        finite &= a <= f32::MAX;
        top = if a > top { a } else { top };
    }
    (top, finite)
}

impl<L: Layer> Optimizer<L> for Survey {
    fn begin(&mut self, _: &GradStats) -> Result<(), TrainError> {
        Ok(())
    }

    #[inline]
    fn update_slice(&mut self, _: Slot, _: &mut [f32], grads: &[f32], scale: f32) {
        self.add_slice(grads, scale);
    }

    #[inline]
    fn update_outer(&mut self, _: Slot, _: &mut [f32], dy: &[f32], x: &[f32], scale: f32) {
        let (top_dy, finite_dy) = top_and_finite(dy);
        let (top_x, finite_x) = top_and_finite(x);
        let finite = finite_dy & finite_x;
        // |dy[o]·x[i]·scale| ≤ max|dy|·max|x|·|scale|, and rounding is monotonic, so this is
        // a true bound on every value the real update computes.
        self.add_max(top_dy * top_x * scale.abs(), finite);
        if self.with_norm && finite {
            let norm = Norm::outer(Norm::of(dy, 1.0), Norm::of(x, 1.0), scale);
            self.stats.norm = self.stats.norm.join(norm);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factor_to_says_no_clip_for_no_norm() {
        assert_eq!(Norm::ZERO.factor_to(1.0), f32::INFINITY);
        let nan = Norm {
            scale: f32::NAN,
            ssq: 1.0,
        };
        assert_eq!(nan.factor_to(1.0), f32::INFINITY);
        assert_eq!(Norm::of(&[3.0, 4.0], 1.0).factor_to(10.0), 2.0);
    }

    #[test]
    fn check_refuses_non_finite_and_too_large_and_accepts_the_limit() {
        let stats = |finite, max_abs| GradStats {
            finite,
            max_abs,
            norm: Norm::ZERO,
        };
        assert_eq!(stats(true, 2.0).check(2.0), Ok(()));
        assert_eq!(
            stats(true, 2.5).check(2.0),
            Err(TrainError::GradientTooLarge)
        );
        assert_eq!(
            stats(false, 1.0).check(2.0),
            Err(TrainError::NonFiniteGradient)
        );
        assert_eq!(
            stats(true, f32::INFINITY).check(f32::INFINITY),
            Err(TrainError::NonFiniteGradient)
        );
        let scaled = stats(true, 6.0).scaled(0.5);
        assert_eq!(scaled.max_abs, 3.0);
        let with_norm = GradStats {
            norm: Norm::of(&[3.0, 4.0], 1.0),
            ..stats(true, 4.0)
        };
        assert_eq!(with_norm.scaled(0.5).norm.value(), 2.5);
        assert_eq!(with_norm.scaled(4.0).norm.value(), 20.0);
    }

    /// The survey is what keeps a bad gradient from the weights in the fused step: it must
    /// see a NaN or ∞ in any slice, in either factor of an outer product, or one that only
    /// appears once scaled, and record the largest scaled magnitude.
    #[test]
    fn the_survey_sees_every_bad_value_and_the_largest() {
        type M = crate::Dense<1, 1>;
        let at = Slot::block(0);
        let survey = |f: &dyn Fn(&mut Survey)| {
            let mut s = Survey::new(true);
            f(&mut s);
            s.stats
        };
        let ok = survey(&|s| {
            Optimizer::<M>::update_slice(s, at, &mut [], &[1.0, -2.0], 3.0);
            Optimizer::<M>::update_outer(s, at, &mut [], &[0.5, -4.0], &[2.0], 0.25);
        });
        assert!(ok.finite);
        assert_eq!(ok.max_abs, 6.0);
        // Norm: slice ‖(3, −6)‖ joined with the outer ‖(0.25, −2)‖.
        let want = (9.0f32 + 36.0 + 0.0625 + 4.0).sqrt();
        assert!((ok.norm.value() - want).abs() < 1e-5, "{}", ok.norm.value());
        let outer = survey(&|s| Optimizer::<M>::update_outer(s, at, &mut [], &[3.0], &[5.0], 2.0));
        assert_eq!(outer.max_abs, 30.0);
        for bad in [
            survey(&|s| Optimizer::<M>::update_slice(s, at, &mut [], &[1.0, f32::NAN], 1.0)),
            survey(&|s| Optimizer::<M>::update_slice(s, at, &mut [], &[f32::INFINITY], 1.0)),
            survey(&|s| Optimizer::<M>::update_slice(s, at, &mut [], &[3e38], 10.0)),
            survey(&|s| Optimizer::<M>::update_outer(s, at, &mut [], &[1.0], &[f32::NAN], 1.0)),
            survey(&|s| {
                Optimizer::<M>::update_outer(s, at, &mut [], &[f32::INFINITY], &[1.0], 1.0);
            }),
            survey(&|s| Optimizer::<M>::update_outer(s, at, &mut [], &[1e30], &[1e30], 1.0)),
            survey(&|s| {
                Optimizer::<M>::update_slice(s, at, &mut [], &[f32::NAN], 1.0);
                Optimizer::<M>::update_slice(s, at, &mut [], &[1.0], 1.0);
            }),
        ] {
            assert!(!bad.finite || !bad.max_abs.is_finite(), "{bad:?}");
            assert!(bad.check(f32::MAX).is_err());
        }
    }

    #[test]
    fn norm_never_overflows_and_joins() {
        let n = Norm::of(&[3e38, 3e38], 1.0);
        assert!((n.scale - 3e38).abs() < 1e32 && (n.ssq - 2.0).abs() < 1e-6);
        assert_eq!(n.value(), f32::INFINITY);
        let f = n.factor_to(1.0);
        assert!((f * 3e38 * 2f32.sqrt() - 1.0).abs() < 1e-5, "{f}");
        let j = Norm::of(&[3.0], 1.0).join(Norm::of(&[4.0], 1.0));
        assert!((j.value() - 5.0).abs() < 1e-6);
        let o = Norm::outer(Norm::of(&[3.0, 4.0], 1.0), Norm::of(&[1.0], 1.0), 2.0);
        assert!((o.value() - 10.0).abs() < 1e-5);
    }
}
