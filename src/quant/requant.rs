//! `Requant`: the per-channel fixed-point factor that rescales an int32 accumulator to the
//! output's scale, and `quantize_multiplier`, TFLite's way of computing it from a real
//! number.

use crate::quant::fixed_point::multiply_by_quantized_multiplier_single;

/// A real factor `m = multiplier · 2^shift / 2³¹` with `multiplier` in `[2³⁰, 2³¹)` (or 0),
/// stored the way TFLite stores it, so requantization is integer-only and bit-exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Requant {
    /// Q31 significand: `round(q · 2³¹)` where `m = q · 2^shift`, `q` in `[0.5, 1)`.
    pub multiplier: i32,
    /// Power-of-two exponent, in `-31..=30`: positive shifts left, negative right.
    pub shift: i32,
}

impl Requant {
    /// The factor 0 (every output becomes the output zero point).
    pub const ZERO: Self = Self {
        multiplier: 0,
        shift: 0,
    };

    /// `acc · m`, rounded as TFLite's single-rounding `MultiplyByQuantizedMultiplier`
    /// (the one LiteRT's default kernels use: `tests/int8_tflite.rs` matches them on every
    /// fixture input, while the two-step gemmlowp rounding in
    /// [`multiply_by_quantized_multiplier`](crate::quant::fixed_point::multiply_by_quantized_multiplier)
    /// differs on rare exact ties).
    #[inline]
    pub const fn apply(self, acc: i32) -> i32 {
        multiply_by_quantized_multiplier_single(acc, self.multiplier, self.clamped_shift())
    }

    /// The shift clamped to `-31..=30`, as one byte (what the layers store).
    pub const fn clamped_shift(self) -> i8 {
        if self.shift < -31 {
            -31
        } else if self.shift > 30 {
            30
        } else {
            self.shift as i8
        }
    }

    /// True when the fields are in the ranges [`apply`](Self::apply) is defined for: a
    /// non-negative multiplier and a shift in `-31..=30`.
    pub const fn is_valid(self) -> bool {
        self.multiplier >= 0 && self.shift >= -31 && self.shift <= 30
    }

    /// The factor for a real `m ≥ 0`, computed as TFLite's `QuantizeMultiplier` does
    /// (`frexp`, round half away from zero, a significand of exactly 2³¹ renormalised,
    /// factors below 2⁻³¹ flushed to zero, too-large ones saturated). Not for the hot path:
    /// it runs once per channel when a model is built or imported. Negative, NaN or
    /// infinite `m` give `None`.
    pub const fn from_real(m: f64) -> Option<Self> {
        if !m.is_finite() || m < 0.0 {
            return None;
        }
        let bits = m.to_bits();
        let biased = ((bits >> 52) & 0x7ff) as i32;
        if m == 0.0 || biased == 0 {
            // Zero or subnormal: far below 2^-31, flushed to zero as TFLite does.
            return Some(Self::ZERO);
        }
        // frexp: m = q · 2^e with q in [0.5, 1).
        let mut shift = biased - 1022;
        let q = f64::from_bits((bits & !(0x7ffu64 << 52)) | (1022u64 << 52));
        let scaled = q * 2147483648.0;
        // round half away from zero (q > 0 here)
        let whole = scaled as i64;
        // `whole` is in [2^30, 2^31): `+ 1` never overflows, but the optimizer cannot see
        // through the float conversion, so it is written without an overflow check.
        let mut fixed = if scaled - whole as f64 >= 0.5 {
            whole.saturating_add(1)
        } else {
            whole
        };
        if fixed == 1i64 << 31 {
            fixed /= 2;
            shift += 1;
        }
        if shift < -31 {
            return Some(Self::ZERO);
        }
        if shift > 30 {
            return Some(Self {
                multiplier: i32::MAX,
                shift: 30,
            });
        }
        Some(Self {
            multiplier: fixed as i32,
            shift,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_real_matches_frexp_and_rounding() {
        assert_eq!(
            Requant::from_real(0.5),
            Some(Requant {
                multiplier: 1 << 30,
                shift: 0
            })
        );
        assert_eq!(
            Requant::from_real(3.0),
            Some(Requant {
                multiplier: 3 << 29,
                shift: 2
            })
        );
        // Just below 1: the significand rounds up to 2^31 and is renormalised.
        let r = Requant::from_real(1.0 - 1e-12).unwrap();
        assert_eq!(
            r,
            Requant {
                multiplier: 1 << 30,
                shift: 1
            }
        );
        assert_eq!(Requant::from_real(1e-12), Some(Requant::ZERO));
        assert_eq!(Requant::from_real(-1.0), None);
        assert_eq!(Requant::from_real(f64::NAN), None);
        for m in [0.003_f64, 0.0417, 0.25, 0.9, 1.7, 123.4] {
            let r = Requant::from_real(m).unwrap();
            assert!(r.is_valid());
            let back = r.multiplier as f64 * (r.shift as f64).exp2() / 2147483648.0;
            assert!((back - m).abs() <= m * 1e-9, "{m}: {r:?}");
        }
    }
}
