//! `OutputStage`: what follows requantization in every int8 kernel: adding the output
//! zero point and clamping to the fused activation's range.

/// The activation TFLite fuses into the preceding layer: it only narrows the int8 clamp
/// range, so it costs nothing at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FusedActivation {
    /// No activation: the full int8 range.
    None,
    /// `max(x, 0)`.
    Relu,
    /// `min(max(x, 0), 6)`.
    Relu6,
}

/// Zero point and clamp range of a quantized layer's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputStage {
    /// The int8 value that represents 0.0, as an `i32` so the kernels add it directly.
    pub zero_point: i32,
    /// Smallest output value (the fused activation's lower bound).
    pub min: i8,
    /// Largest output value (the fused activation's upper bound).
    pub max: i8,
}

impl OutputStage {
    /// The output stage for an output quantized with `scale` and `zero_point` and a fused
    /// `activation`, with the clamp range TFLite's `CalculateActivationRangeQuantized`
    /// gives (bounds rounded half away from zero in `f32`). `None` when `zero_point` is
    /// outside `-128..=127` or `scale` is not a positive finite number.
    pub fn new(scale: f32, zero_point: i32, activation: FusedActivation) -> Option<Self> {
        if !(scale.is_finite() && scale > 0.0 && (-128..=127).contains(&zero_point)) {
            return None;
        }
        let quantize = |v: f32| zero_point.saturating_add(round_half_away(v / scale));
        let (lo, hi) = match activation {
            FusedActivation::None => (-128, 127),
            FusedActivation::Relu => (quantize(0.0).max(-128), 127),
            FusedActivation::Relu6 => (quantize(0.0).max(-128), quantize(6.0).min(127)),
        };
        let (min, max) = (lo.clamp(-128, 127) as i8, hi.clamp(-128, 127) as i8);
        Some(Self {
            zero_point,
            min,
            max,
        })
    }

    /// The full int8 range around `zero_point` (no activation); usable in `const` items.
    pub const fn plain(zero_point: i32) -> Self {
        Self {
            zero_point,
            min: -128,
            max: 127,
        }
    }

    /// True when the zero point is an int8 value and `min <= max`.
    pub const fn is_valid(self) -> bool {
        self.zero_point >= -128 && self.zero_point <= 127 && self.min <= self.max
    }

    /// `clamp(scaled + zero_point, min, max)` as an int8 value.
    #[inline]
    pub const fn finish(self, scaled: i32) -> i8 {
        let v = scaled.saturating_add(self.zero_point);
        if v < self.min as i32 {
            self.min
        } else if v > self.max as i32 {
            self.max
        } else {
            v as i8
        }
    }
}

/// `f32` → nearest `i32`, ties away from zero (C's `round`), saturating; NaN gives 0.
pub(crate) fn round_half_away(v: f32) -> i32 {
    if v.is_nan() {
        return 0;
    }
    let whole = v as i32; // truncates toward zero, saturates
    let frac = v - whole as f32;
    if frac >= 0.5 {
        whole.saturating_add(1)
    } else if frac <= -0.5 {
        whole.saturating_sub(1)
    } else {
        whole
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relu_bounds_follow_the_zero_point() {
        let s = OutputStage::new(0.05, -20, FusedActivation::Relu).unwrap();
        assert_eq!((s.min, s.max), (-20, 127));
        // 6 / 0.05 = 120 → −20 + 120 = 100
        let s6 = OutputStage::new(0.05, -20, FusedActivation::Relu6).unwrap();
        assert_eq!((s6.min, s6.max), (-20, 100));
        assert_eq!(s6.finish(500), 100);
        assert_eq!(s6.finish(-500), -20);
        assert_eq!(s6.finish(7), -13);
        assert!(OutputStage::new(0.0, 0, FusedActivation::None).is_none());
        assert!(OutputStage::new(0.1, 200, FusedActivation::None).is_none());
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(round_half_away(2.5), 3);
        assert_eq!(round_half_away(-2.5), -3);
        assert_eq!(round_half_away(2.49), 2);
        assert_eq!(round_half_away(-0.2), 0);
        assert_eq!(round_half_away(f32::NAN), 0);
    }
}
