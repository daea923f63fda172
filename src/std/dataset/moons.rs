//! The two-moons toy problem: two interleaving half circles with Gaussian noise.

extern crate std;

use super::{Dataset, DatasetError};
use rand_core::Rng;
use std::vec::Vec;

/// `n` points on two interleaving half circles, with Gaussian noise of standard deviation
/// `noise` added to both coordinates, in a seeded random order. The same semantics as
/// scikit-learn's `make_moons(n, noise=noise)`:
///
/// - class 0, `n / 2` points (rounded down): `(cos t, sin t)` for `t` evenly spaced over
///   `[0, π]` (the upper moon);
/// - class 1, the other `n − n / 2`: `(1 − cos t, 1 − sin t − 0.5)` (the lower moon).
///
/// Noise is drawn with Box–Muller from `stacknet::rng(seed)`, then the points are shuffled
/// with the same generator, so `(n, noise, seed)` fixes the result. This is host data
/// generation (f64 `std` trigonometry), not model math.
///
/// ```
/// let d = stacknet::std::dataset::two_moons(100, 0.0, 1).unwrap();
/// assert_eq!(d.class_counts(), [50, 50]);
/// // Without noise every class-0 point is on the unit circle.
/// for (x, _) in d.iter().filter(|(_, l)| *l == 0) {
///     assert!((x[0] * x[0] + x[1] * x[1] - 1.0).abs() < 1e-5);
/// }
/// ```
///
/// # Errors
/// [`DatasetError::Parameter`] if `noise` is negative, NaN or infinite, or if `n` points
/// cannot be allocated (checked before any work; the process never aborts for a huge `n`).
pub fn two_moons(n: usize, noise: f32, seed: u64) -> Result<Dataset<2, 2>, DatasetError> {
    if !(noise.is_finite() && noise >= 0.0) {
        return Err(DatasetError::Parameter(
            "two_moons noise must be finite and >= 0",
        ));
    }
    let n_upper = n / 2;
    let n_lower = n - n_upper;
    let mut rng = crate::rng(seed);
    let mut features: Vec<[f32; 2]> = Vec::new();
    let mut labels: Vec<usize> = Vec::new();
    // `try_reserve_exact`, not `with_capacity`: an impossible size is an error, not a
    // "capacity overflow" panic or an allocation-failure abort.
    if features.try_reserve_exact(n).is_err() || labels.try_reserve_exact(n).is_err() {
        return Err(DatasetError::Parameter(
            "two_moons: n points cannot be allocated",
        ));
    }
    let sigma = f64::from(noise);
    for (count, label) in [(n_upper, 0usize), (n_lower, 1)] {
        for i in 0..count {
            let t = if count > 1 {
                core::f64::consts::PI * i as f64 / (count - 1) as f64
            } else {
                0.0
            };
            let (x, y) = if label == 0 {
                (t.cos(), t.sin())
            } else {
                (1.0 - t.cos(), 1.0 - t.sin() - 0.5)
            };
            let (gx, gy) = gaussian_pair(&mut rng);
            features.push([(x + sigma * gx) as f32, (y + sigma * gy) as f32]);
            labels.push(label);
        }
    }
    for i in (1..n).rev() {
        let j = super::below(&mut rng, i + 1);
        features.swap(i, j);
        labels.swap(i, j);
    }
    Dataset::from_parts(features, labels)
}

/// Two independent standard normal draws (Box–Muller).
fn gaussian_pair<R: Rng + ?Sized>(rng: &mut R) -> (f64, f64) {
    // u1 in (0, 1] so ln(u1) is finite; u2 in [0, 1).
    let u1 = (f64::from(rng.next_u32()) + 1.0) / 4_294_967_296.0;
    let u2 = f64::from(rng.next_u32()) / 4_294_967_296.0;
    let r = (-2.0 * u1.ln()).sqrt();
    let theta = 2.0 * core::f64::consts::PI * u2;
    (r * theta.cos(), r * theta.sin())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_balanced_and_noisy() {
        let a = two_moons(2000, 0.2, 42).unwrap();
        let b = two_moons(2000, 0.2, 42).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, two_moons(2000, 0.2, 43).unwrap());
        assert_eq!(a.class_counts(), [1000, 1000]);
        // Shuffled: the first 100 labels are not all one class.
        assert!(a.labels()[..100].contains(&0));
        assert!(a.labels()[..100].contains(&1));
        // Class means: upper moon around (0, 0.64), lower around (1, -0.14).
        let mean = |c: usize| {
            let pts: Vec<_> = a.iter().filter(|(_, l)| *l == c).map(|(x, _)| *x).collect();
            let k = pts.len() as f32;
            (
                pts.iter().map(|p| p[0]).sum::<f32>() / k,
                pts.iter().map(|p| p[1]).sum::<f32>() / k,
            )
        };
        let (x0, y0) = mean(0);
        let (x1, y1) = mean(1);
        assert!(x0.abs() < 0.05 && (y0 - 0.636).abs() < 0.05, "{x0} {y0}");
        assert!(
            (x1 - 1.0).abs() < 0.05 && (y1 + 0.136).abs() < 0.05,
            "{x1} {y1}"
        );
    }

    #[test]
    fn odd_sizes_and_bad_noise() {
        assert_eq!(two_moons(5, 0.1, 0).unwrap().class_counts(), [2, 3]);
        assert_eq!(two_moons(1, 0.1, 0).unwrap().class_counts(), [0, 1]);
        assert!(two_moons(0, 0.1, 0).unwrap().is_empty());
        assert!(two_moons(10, -0.1, 0).is_err());
        assert!(two_moons(10, f32::NAN, 0).is_err());
    }
}
