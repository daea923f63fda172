//! Losses: mean squared error, binary cross-entropy (on probabilities or on logits), fused
//! softmax cross-entropy.
//!
//! Each loss is averaged over the `N` outputs of one sample; mini-batches then average over
//! samples (see [`Workspace`](crate::Workspace)).

use crate::layers::softmax::softmax_with;
use crate::math;

/// A loss over one sample's `N` outputs and its `N` targets.
pub trait Loss<const N: usize> {
    /// The loss value.
    fn loss(&self, y: &[f32; N], target: &[f32; N]) -> f32;
    /// The loss value and d(loss)/d(y), computed together (they share work).
    fn loss_and_grad(&self, y: &[f32; N], target: &[f32; N]) -> (f32, [f32; N]);

    /// The class a model output stands for, as this loss trains it: `argmax` for several
    /// outputs; for one output (binary classification) whether `y[0]` passes the decision
    /// threshold, 0.5 by default (a probability) and 0 for losses on logits.
    fn predict(&self, y: &[f32; N]) -> usize {
        match y.as_slice() {
            [p] => usize::from(*p > 0.5),
            _ => argmax(y),
        }
    }

    /// Class probabilities from a model output, as this loss reads it: the output itself by
    /// default (it already is a probability, or scores without a probability meaning);
    /// softmax or sigmoid for losses on logits.
    fn probabilities(&self, y: &[f32; N]) -> [f32; N] {
        *y
    }
}

/// Mean squared error: `L = (1/N) Σ (y − t)²`, `dL/dy = 2 (y − t) / N`.
/// PyTorch: `nn.MSELoss()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Mse;

impl<const N: usize> Loss<N> for Mse {
    fn loss(&self, y: &[f32; N], t: &[f32; N]) -> f32 {
        y.iter().zip(t).map(|(a, b)| (a - b) * (a - b)).sum::<f32>() / N as f32
    }
    fn loss_and_grad(&self, y: &[f32; N], t: &[f32; N]) -> (f32, [f32; N]) {
        let scale = 2.0 / N as f32;
        let mut g = [0.0; N];
        let mut sum = 0.0;
        for ((gi, a), b) in g.iter_mut().zip(y).zip(t) {
            let e = a - b;
            sum += e * e;
            *gi = scale * e;
        }
        (sum / N as f32, g)
    }
}

/// Binary cross-entropy on probabilities (after a sigmoid):
/// `L = −(1/N) Σ [t ln y + (1 − t) ln(1 − y)]`. PyTorch: `nn.BCELoss()`.
///
/// `y` is clamped to `[EPS, 1 − EPS]` so a saturated sigmoid (exactly 0 or 1 in `f32`)
/// gives a large finite loss and gradient instead of ∞ or NaN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BinaryCrossEntropy;

impl BinaryCrossEntropy {
    /// The clamp applied to probabilities before the logarithm.
    pub const EPS: f32 = 1e-7;
    fn clamp(y: f32) -> f32 {
        // f32::clamp keeps NaN as NaN, so bad values are not hidden.
        y.clamp(Self::EPS, 1.0 - Self::EPS)
    }
}

impl<const N: usize> Loss<N> for BinaryCrossEntropy {
    fn loss(&self, y: &[f32; N], t: &[f32; N]) -> f32 {
        self.loss_and_grad(y, t).0
    }
    fn loss_and_grad(&self, y: &[f32; N], t: &[f32; N]) -> (f32, [f32; N]) {
        let n = N as f32;
        let mut g = [0.0; N];
        let mut sum = 0.0;
        for ((gi, &yi), &ti) in g.iter_mut().zip(y).zip(t) {
            let p = Self::clamp(yi);
            sum -= ti * math::ln(p) + (1.0 - ti) * math::ln(1.0 - p);
            *gi = (p - ti) / (p * (1.0 - p)) / n;
        }
        (sum / n, g)
    }
}

/// Binary cross-entropy on **logits** (the model has no final sigmoid), with the sigmoid
/// fused in: `L = (1/N) Σ [max(z, 0) − t·z + ln(1 + e^(−|z|))]`, `dL/dz = (σ(z) − t) / N`.
/// PyTorch: `nn.BCEWithLogitsLoss()`.
///
/// The form above never takes the logarithm of a rounded probability, so the loss stays
/// finite and exact for any finite logit (a wrong prediction at z = ±1e30 costs 1e30, not
/// ∞ or the clamped 16 of [`BinaryCrossEntropy`]), and its gradient is always in [−1, 1].
/// A one-output model trained with it predicts class 1 when the logit is > 0.
///
/// ```
/// use stacknet::loss::{BinaryCrossEntropyWithLogits, Loss};
/// let (l, g) = BinaryCrossEntropyWithLogits.loss_and_grad(&[0.0], &[1.0]);
/// assert!((l - 2f32.ln()).abs() < 1e-6 && (g[0] + 0.5).abs() < 1e-6);
/// let (l, g) = BinaryCrossEntropyWithLogits.loss_and_grad(&[-1e30], &[1.0]);
/// assert_eq!((l, g), (1e30, [-1.0]));
/// assert_eq!(BinaryCrossEntropyWithLogits.predict(&[0.3]), 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BinaryCrossEntropyWithLogits;

impl<const N: usize> Loss<N> for BinaryCrossEntropyWithLogits {
    fn loss(&self, z: &[f32; N], t: &[f32; N]) -> f32 {
        self.loss_and_grad(z, t).0
    }
    fn loss_and_grad(&self, z: &[f32; N], t: &[f32; N]) -> (f32, [f32; N]) {
        let n = N as f32;
        let mut g = [0.0; N];
        let mut sum = 0.0;
        for ((gi, &zi), &ti) in g.iter_mut().zip(z).zip(t) {
            // max(z,0) − t·z regrouped per sign so no large terms cancel:
            // z ≥ 0: (1 − t)·z; z < 0: −t·z.
            let linear = if zi >= 0.0 { (1.0 - ti) * zi } else { -ti * zi };
            sum += linear + math::ln(1.0 + math::exp(-zi.abs()));
            *gi = (math::sigmoid(zi) - ti) / n;
        }
        (sum / n, g)
    }
    fn predict(&self, y: &[f32; N]) -> usize {
        match y.as_slice() {
            [z] => usize::from(*z > 0.0),
            _ => argmax(y),
        }
    }
    fn probabilities(&self, z: &[f32; N]) -> [f32; N] {
        z.map(math::sigmoid)
    }
}

/// Softmax followed by cross-entropy, fused, on **logits** (the model has no final
/// softmax layer): `L = logsumexp(z) · Σt − Σ t·z`, `dL/dz = softmax(z) · Σt − t`.
/// With one-hot targets that is `p − t`. PyTorch: `nn.CrossEntropyLoss()` with
/// probability targets.
///
/// Fusing avoids both the softmax Jacobian and `ln(0)`: the loss is finite for logits up
/// to ±1e30.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SoftmaxCrossEntropy;

impl<const N: usize> Loss<N> for SoftmaxCrossEntropy {
    fn loss(&self, z: &[f32; N], t: &[f32; N]) -> f32 {
        self.loss_and_grad(z, t).0
    }
    fn loss_and_grad(&self, z: &[f32; N], t: &[f32; N]) -> (f32, [f32; N]) {
        let max = z.iter().fold(
            f32::NEG_INFINITY,
            |m, &v| if v > m || v.is_nan() { v } else { m },
        );
        let sum_exp: f32 = z.iter().map(|&v| math::exp(v - max)).sum();
        let lse = max + math::ln(sum_exp);
        let p = softmax_with(z, math::exp);
        let t_sum: f32 = t.iter().sum();
        let mut g = [0.0; N];
        let mut loss = 0.0;
        for (((gi, &pi), &ti), &zi) in g.iter_mut().zip(&p).zip(t).zip(z) {
            *gi = pi * t_sum - ti;
            // Written as t·(lse − z): each term ≥ 0 and no ∞ − ∞ for huge logits.
            if ti != 0.0 {
                loss += ti * (lse - zi);
            }
        }
        (loss, g)
    }
    fn predict(&self, y: &[f32; N]) -> usize {
        match y.as_slice() {
            [z] => usize::from(*z > 0.0),
            _ => argmax(y),
        }
    }
    fn probabilities(&self, z: &[f32; N]) -> [f32; N] {
        softmax_with(z, math::exp)
    }
}

/// A one-hot target for class `label` out of `N`.
///
/// # Errors
/// [`TrainError::LabelOutOfRange`](crate::TrainError::LabelOutOfRange) when `label >= N`.
pub fn one_hot<const N: usize>(label: usize) -> Result<[f32; N], crate::TrainError> {
    let mut t = [0.0; N];
    match t.get_mut(label) {
        Some(v) => *v = 1.0,
        None => return Err(crate::TrainError::LabelOutOfRange { label, classes: N }),
    }
    Ok(t)
}

/// Index of the largest output (the predicted class). Ties go to the first; NaN never wins.
pub fn argmax<const N: usize>(y: &[f32; N]) -> usize {
    let mut best = 0;
    let mut best_value = f32::NAN;
    // `zip(0..N)`, not `enumerate()`: a range cannot overflow (tools/nopanic's proof).
    for (&v, i) in y.iter().zip(0..N) {
        if v > best_value || best_value.is_nan() && !v.is_nan() {
            best = i;
            best_value = v;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mse_by_hand() {
        let (l, g) = Mse.loss_and_grad(&[1.0, 3.0], &[0.0, 1.0]);
        assert_eq!(l, 2.5);
        assert_eq!(g, [1.0, 2.0]);
        assert_eq!(Mse.loss(&[1.0, 3.0], &[0.0, 1.0]), l);
    }

    #[test]
    fn bce_by_hand_and_saturated() {
        let (l, g) = BinaryCrossEntropy.loss_and_grad(&[0.8], &[1.0]);
        assert!((l + libm::logf(0.8)).abs() < 1e-6);
        assert!((g[0] + 1.0 / 0.8).abs() < 1e-4);
        let (l, g) = BinaryCrossEntropy.loss_and_grad(&[0.0], &[1.0]);
        assert!(l.is_finite() && g[0].is_finite() && l > 10.0);
    }

    #[test]
    fn softmax_ce_by_hand_and_extreme() {
        let (l, g) = SoftmaxCrossEntropy.loss_and_grad(&[0.0, 0.0], &[1.0, 0.0]);
        assert!((l - libm::logf(2.0)).abs() < 1e-6);
        assert!((g[0] + 0.5).abs() < 1e-6 && (g[1] - 0.5).abs() < 1e-6);
        let (l, g) = SoftmaxCrossEntropy.loss_and_grad(&[1e30, -1e30], &[0.0, 1.0]);
        assert!(l.is_finite() && l > 1e29, "{l}");
        assert!(g.iter().all(|v| v.is_finite()));
        let (l, _) = SoftmaxCrossEntropy.loss_and_grad(&[1e30, -1e30], &[1.0, 0.0]);
        assert_eq!(l, 0.0);
    }

    #[test]
    fn bce_with_logits_matches_bce_and_stays_finite() {
        for (z, t) in [(0.7f32, 1.0f32), (-2.0, 0.0), (3.0, 0.25), (-0.5, 1.0)] {
            let (l, g) = BinaryCrossEntropyWithLogits.loss_and_grad(&[z], &[t]);
            let p = math::sigmoid(z);
            let (lp, _) = BinaryCrossEntropy.loss_and_grad(&[p], &[t]);
            assert!((l - lp).abs() < 1e-5, "{z} {t}: {l} vs {lp}");
            assert!((g[0] - (p - t)).abs() < 1e-6);
        }
        for (z, t, want) in [
            (1e30f32, 0.0f32, 1e30f32),
            (-1e30, 1.0, 1e30),
            (1e30, 1.0, 0.0),
            (-1e30, 0.0, 0.0),
            (100.0, 0.0, 100.0),
        ] {
            let (l, g) = BinaryCrossEntropyWithLogits.loss_and_grad(&[z], &[t]);
            assert_eq!(l, want, "{z} {t}");
            assert!(g[0].is_finite() && g[0].abs() <= 1.0);
        }
        assert_eq!(BinaryCrossEntropyWithLogits.probabilities(&[0.0]), [0.5]);
        assert_eq!(
            Loss::<1>::predict(&BinaryCrossEntropyWithLogits, &[-0.1]),
            0
        );
        assert_eq!(Loss::<1>::predict(&Mse, &[0.6]), 1);
        assert_eq!(Loss::<1>::predict(&Mse, &[0.4]), 0);
        assert_eq!(Loss::<3>::predict(&Mse, &[0.1, 0.9, 0.2]), 1);
        let p = SoftmaxCrossEntropy.probabilities(&[0.0, 0.0]);
        assert_eq!(p, [0.5, 0.5]);
    }

    #[test]
    fn labels() {
        assert_eq!(one_hot::<3>(1), Ok([0.0, 1.0, 0.0]));
        assert!(one_hot::<3>(3).is_err());
        assert_eq!(argmax(&[0.1, 0.7, 0.7]), 1);
        assert_eq!(argmax(&[f32::NAN, 0.0, 1.0]), 2);
    }
}
