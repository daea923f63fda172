//! TensorFlow Lite's fixed-point requantization arithmetic, written from its specification:
//! the single-rounding `MultiplyByQuantizedMultiplier` that LiteRT's default kernels use
//! (and the layers here), and gemmlowp's two-step `SaturatingRoundingDoublingHighMul` +
//! `RoundingDivideByPOT`, which some reference kernels (and CMSIS-NN by default) use; the
//! two differ only on rare exact ties. Integer only: these run once per output value.

/// `round(a · b / 2³¹)` (ties: positive away from zero, negative toward zero, exactly as
/// gemmlowp's nudge-then-truncate does), saturating the single overflowing case
/// (`a = b = i32::MIN`) to `i32::MAX`: the high half of the doubled 64-bit product.
#[inline]
pub const fn saturating_rounding_doubling_high_mul(a: i32, b: i32) -> i32 {
    if a == i32::MIN && b == i32::MIN {
        return i32::MAX;
    }
    let ab = a as i64 * b as i64;
    let nudge: i64 = if ab >= 0 { 1 << 30 } else { 1 - (1 << 30) };
    // Division truncating toward zero (C semantics), not an arithmetic shift: the nudge
    // above was chosen for exactly this.
    ((ab + nudge) / (1i64 << 31)) as i32
}

/// `x / 2^exponent` rounded to nearest, ties away from zero, for `exponent` in `0..=31`
/// (larger exponents are treated as 31).
#[inline]
pub const fn rounding_divide_by_pot(x: i32, exponent: u32) -> i32 {
    let exponent = if exponent > 31 { 31 } else { exponent };
    let mask = ((1i64 << exponent) - 1) as i32;
    let remainder = x & mask;
    let threshold = (mask >> 1) + if x < 0 { 1 } else { 0 };
    // Never overflows (`remainder > threshold` needs `exponent >= 1`, so `x >> exponent`
    // is below 2^30), but the optimizer cannot prove it: saturating, so no panic path.
    (x >> exponent).saturating_add(if remainder > threshold { 1 } else { 0 })
}

/// TFLite's `MultiplyByQuantizedMultiplier`: `x · multiplier · 2^shift / 2³¹`, rounded the
/// way TFLite's reference kernels round (a left shift first, then the rounding high
/// multiply, then a rounding right shift).
#[inline]
pub const fn multiply_by_quantized_multiplier(x: i32, multiplier: i32, shift: i32) -> i32 {
    let left = if shift > 0 { shift as u32 } else { 0 };
    let right = if shift > 0 { 0 } else { shift.unsigned_abs() };
    let shifted = x.wrapping_mul(1i32.wrapping_shl(left));
    rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(shifted, multiplier),
        right,
    )
}

/// TFLite's single-rounding `MultiplyByQuantizedMultiplier` (`TFLITE_SINGLE_ROUNDING`):
/// `(x · multiplier + 2^(30 − shift)) >> (31 − shift)` in 64 bits, one rounding (ties
/// toward +∞) instead of two. `shift` must be in `-31..=30` ([`Requant::is_valid`]); the
/// result is exact for every `i32` input (the product fits in 63 bits).
///
/// [`Requant::is_valid`]: crate::quant::Requant::is_valid
#[inline]
pub const fn multiply_by_quantized_multiplier_single(x: i32, multiplier: i32, shift: i8) -> i32 {
    // 1..=62 for shift in -31..=30; clamped so a bad shift cannot overflow the shifts.
    let total = 31 - shift as i32;
    let total = if total < 1 {
        1
    } else if total > 62 {
        62
    } else {
        total as u32
    };
    let round = 1i64 << (total - 1);
    ((x as i64 * multiplier as i64).wrapping_add(round) >> total) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn high_mul_rounds_half_away_from_zero() {
        // 2^30 is one half in Q31: 3 · ½ = 1.5 → 2, but −1.5 → −1 (the negative nudge is
        // one short of a half), −2.5 → −2, −2.6 → −3.
        assert_eq!(saturating_rounding_doubling_high_mul(3, 1 << 30), 2);
        assert_eq!(saturating_rounding_doubling_high_mul(-3, 1 << 30), -1);
        assert_eq!(saturating_rounding_doubling_high_mul(-5, 1 << 30), -2);
        assert_eq!(saturating_rounding_doubling_high_mul(-26, 214748365), -3);
        assert_eq!(saturating_rounding_doubling_high_mul(5, 1 << 30), 3);
        assert_eq!(
            saturating_rounding_doubling_high_mul(i32::MIN, i32::MIN),
            i32::MAX
        );
        assert_eq!(
            saturating_rounding_doubling_high_mul(i32::MAX, i32::MAX),
            i32::MAX - 1
        );
    }

    #[test]
    fn single_rounding_rounds_ties_up_once() {
        // 79895 · 2105575826 · 2^-10 / 2^31 = 76.49986…: one rounding gives 76, the
        // two-step rounding 77 (78335.86 → 78336, then 76.5 → 77). LiteRT says 76.
        assert_eq!(
            multiply_by_quantized_multiplier_single(79895, 2105575826, -10),
            76
        );
        assert_eq!(multiply_by_quantized_multiplier(79895, 2105575826, -10), 77);
        // exact ties go up: 3 · ½ = 1.5 → 2, −1.5 → −1
        assert_eq!(multiply_by_quantized_multiplier_single(3, 1 << 30, 0), 2);
        assert_eq!(multiply_by_quantized_multiplier_single(-3, 1 << 30, 0), -1);
        assert_eq!(multiply_by_quantized_multiplier_single(10, 3 << 29, 2), 30);
        assert_eq!(
            multiply_by_quantized_multiplier_single(i32::MIN, i32::MAX, -31),
            -1
        );
    }

    #[test]
    fn divide_by_power_of_two_rounds_ties_away() {
        assert_eq!(rounding_divide_by_pot(5, 1), 3);
        assert_eq!(rounding_divide_by_pot(-5, 1), -3);
        assert_eq!(rounding_divide_by_pot(7, 2), 2);
        assert_eq!(rounding_divide_by_pot(-7, 2), -2);
        assert_eq!(rounding_divide_by_pot(6, 2), 2);
        assert_eq!(rounding_divide_by_pot(-6, 2), -2);
        assert_eq!(rounding_divide_by_pot(-5, 2), -1);
        assert_eq!(rounding_divide_by_pot(123, 0), 123);
        assert_eq!(rounding_divide_by_pot(i32::MIN, 31), -1);
    }

    #[test]
    fn multiplier_matches_real_scaling_on_a_sweep() {
        // 0.75 = 0.75 · 2^0: multiplier round(0.75 · 2^31), shift 0.
        let m = (0.75f64 * 2147483648.0) as i32;
        for x in -1000..1000 {
            let exact = x as f64 * 0.75;
            // Ties of negative values round toward zero (see the high multiply).
            let want = if exact < 0.0 && exact.fract() == -0.5 {
                exact.ceil()
            } else {
                exact.round()
            } as i32;
            assert_eq!(multiply_by_quantized_multiplier(x, m, 0), want, "x = {x}");
        }
        // 3.0 = 0.75 · 2^2 and 0.1875 = 0.75 · 2^-2.
        assert_eq!(multiply_by_quantized_multiplier(10, m, 2), 30);
        assert_eq!(multiply_by_quantized_multiplier(10, m, -2), 2);
    }
}
