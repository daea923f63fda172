//! The single place that chooses a math backend.
//!
//! Everything goes through free functions here, never method syntax: with `std` linked,
//! `x.exp()` silently becomes the platform's `exp` and host and MCU results drift apart.
//! `libm` on both sides plus a fixed summation order gives bit-identical results.

/// e^x, exact to `libm`'s accuracy (< 1 ULP). Used in training and, without `fast-math`,
/// in inference.
#[inline]
pub fn exp(x: f32) -> f32 {
    libm::expf(x)
}

/// e^x for inference. With the `fast-math` feature this is micromath's approximation
/// (relative error about 2e-3 on [-10, 10], tested in this module); otherwise it is [`exp`].
#[inline]
pub fn exp_infer(x: f32) -> f32 {
    #[cfg(feature = "fast-math")]
    {
        // micromath's exp misbehaves far outside its range; saturate as libm would.
        if x > 88.0 {
            return f32::INFINITY;
        }
        if x < -87.0 {
            return 0.0;
        }
        micromath::F32(x).exp().0
    }
    #[cfg(not(feature = "fast-math"))]
    {
        exp(x)
    }
}

/// Natural logarithm (`libm`).
#[inline]
pub fn ln(x: f32) -> f32 {
    libm::logf(x)
}

/// Square root (`libm`; a single instruction on FPUs that have one).
#[inline]
pub fn sqrt(x: f32) -> f32 {
    libm::sqrtf(x)
}

/// Hyperbolic tangent (`libm`), saturates to ±1 for large |x|.
#[inline]
pub fn tanh(x: f32) -> f32 {
    libm::tanhf(x)
}

/// Logistic function 1 / (1 + e^-x), stable for any |x|: it never evaluates e^x for a
/// large positive x, so it returns exactly 0 or 1 at the extremes instead of NaN.
/// NaN in gives NaN out.
#[inline]
pub fn sigmoid_with(x: f32, exp: fn(f32) -> f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + exp(-x))
    } else {
        let e = exp(x);
        e / (1.0 + e)
    }
}

/// Logistic function with the exact `libm` exponential. See [`sigmoid_with`].
#[inline]
pub fn sigmoid(x: f32) -> f32 {
    sigmoid_with(x, exp)
}

/// Dot product with a fixed summation order (8 interleaved partial sums, then a fixed
/// tree), so results are the same on every target, and LLVM can keep the 8 lanes in SIMD
/// registers. Extra elements of the longer slice are ignored.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    const LANES: usize = 8;
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f32; LANES];
    let mut ca = a.chunks_exact(LANES);
    let mut cb = b.chunks_exact(LANES);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for k in 0..LANES {
            acc[k] += x[k] * y[k];
        }
    }
    let mut tail = 0.0;
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        tail += x * y;
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// `y[i] += a * x[i]` over the common length.
#[inline]
pub fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_is_stable_at_extremes() {
        assert_eq!(sigmoid(1e30), 1.0);
        assert_eq!(sigmoid(-1e30), 0.0);
        assert_eq!(sigmoid(f32::INFINITY), 1.0);
        assert_eq!(sigmoid(f32::NEG_INFINITY), 0.0);
        assert!(sigmoid(f32::NAN).is_nan());
        assert!((sigmoid(0.0) - 0.5).abs() < 1e-7);
        // Symmetry: s(-x) = 1 - s(x).
        for &x in &[0.1f32, 1.0, 3.0, 10.0] {
            assert!((sigmoid(-x) - (1.0 - sigmoid(x))).abs() < 1e-6);
        }
    }

    #[test]
    fn dot_matches_naive_sum() {
        let a: [f32; 19] = core::array::from_fn(|i| i as f32 * 0.5 - 3.0);
        let b: [f32; 19] = core::array::from_fn(|i| 1.0 - i as f32 * 0.25);
        let naive: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - naive).abs() < 1e-4);
        assert_eq!(dot(&a[..3], &b), a[0] * b[0] + a[1] * b[1] + a[2] * b[2]);
    }

    #[test]
    fn exp_infer_error_is_documented_bound() {
        // Exact without fast-math; within micromath's stated ~2e-3 relative error with it.
        let mut x = -10.0f32;
        while x <= 10.0 {
            let rel = (exp_infer(x) - exp(x)).abs() / exp(x);
            assert!(rel < 3e-3, "exp({x}): rel err {rel}");
            x += 0.01;
        }
    }
}
