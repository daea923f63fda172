//! Labelled datasets for host-side training: the [`Dataset`] container with a seeded
//! shuffle and split, CSV(.gz) loaders for the committed 8×8 digits and MNIST subset, a
//! seeded two-moons generator, and a `.ts` loader ([`read_ts`], [`SeqDataset`]) for the
//! committed BasicMotions and JapaneseVowels time series.
//!
//! ```
//! use stacknet::std::dataset::{self, Dataset};
//! let mut moons: Dataset<2, 2> = dataset::two_moons(200, 0.1, 7).unwrap();
//! moons.shuffle(1);
//! let (train, test) = moons.split_fraction(0.7);
//! assert_eq!((train.len(), test.len()), (140, 60));
//! ```

mod csv;
mod error;
mod moons;
mod ts;

pub use csv::{CsvFormat, DIGITS_CSV, MNIST_CSV, digits, load_csv, mnist, read_csv};
pub use error::DatasetError;
pub use moons::two_moons;
pub use ts::{
    BASIC_MOTIONS_TEST, BASIC_MOTIONS_TRAIN, Crop, JAPANESE_VOWELS_STEPS, JAPANESE_VOWELS_TEST,
    JAPANESE_VOWELS_TRAIN, Pad, SeqDataset, TsError, TsFormat, basic_motions, japanese_vowels,
    load_ts, read_ts,
};

extern crate std;

use rand_core::Rng;
use std::vec::Vec;

/// A labelled dataset: `D` features per sample and `C` classes, both fixed at compile time
/// so samples feed a model with `Input = [f32; D]` and `Output = [f32; C]` directly.
///
/// Invariants, checked on construction: as many labels as samples, every label `< C`,
/// every feature finite.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset<const D: usize, const C: usize> {
    features: Vec<[f32; D]>,
    labels: Vec<usize>,
}

impl<const D: usize, const C: usize> Default for Dataset<D, C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const D: usize, const C: usize> Dataset<D, C> {
    /// An empty dataset.
    pub const fn new() -> Self {
        Self {
            features: Vec::new(),
            labels: Vec::new(),
        }
    }

    /// A dataset from feature vectors and their labels.
    ///
    /// # Errors
    /// [`DatasetError::LengthMismatch`] if the lengths differ, [`DatasetError::Label`] for a
    /// label `>= C`, [`DatasetError::NotANumber`] for a NaN or infinite feature. The
    /// `line` of those errors is the 1-based sample number.
    pub fn from_parts(features: Vec<[f32; D]>, labels: Vec<usize>) -> Result<Self, DatasetError> {
        if features.len() != labels.len() {
            return Err(DatasetError::LengthMismatch {
                features: features.len(),
                labels: labels.len(),
            });
        }
        for (i, (x, &label)) in features.iter().zip(&labels).enumerate() {
            check_sample::<D, C>(x, label, i + 1)?;
        }
        Ok(Self { features, labels })
    }

    /// Appends one sample.
    ///
    /// # Errors
    /// As [`from_parts`](Self::from_parts); the dataset is then unchanged.
    pub fn push(&mut self, x: [f32; D], label: usize) -> Result<(), DatasetError> {
        check_sample::<D, C>(&x, label, self.len() + 1)?;
        self.features.push(x);
        self.labels.push(label);
        Ok(())
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there are no samples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// All feature vectors, in order.
    pub fn features(&self) -> &[[f32; D]] {
        &self.features
    }

    /// All labels, in order (each `< C`).
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// Sample `i` as `(features, label)`, or `None` past the end.
    pub fn get(&self, i: usize) -> Option<(&[f32; D], usize)> {
        Some((self.features.get(i)?, *self.labels.get(i)?))
    }

    /// Iterates over `(features, label)` pairs.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&[f32; D], usize)> + '_ {
        self.features.iter().zip(self.labels.iter().copied())
    }

    /// How many samples each class has.
    pub fn class_counts(&self) -> [usize; C] {
        let mut counts = [0; C];
        for &l in &self.labels {
            counts[l] += 1;
        }
        counts
    }

    /// The one-hot target of every sample, for losses such as `Mse` or
    /// `SoftmaxCrossEntropy`.
    pub fn one_hot(&self) -> Vec<[f32; C]> {
        self.labels
            .iter()
            .map(|&l| {
                let mut t = [0.0; C];
                t[l] = 1.0;
                t
            })
            .collect()
    }

    /// Reorders the samples with a seeded Fisher–Yates shuffle (see [`shuffle_in_place`]);
    /// the same seed always gives the same order, on every platform.
    pub fn shuffle(&mut self, seed: u64) {
        let mut rng = crate::rng(seed);
        let n = self.len();
        for i in (1..n).rev() {
            let j = below(&mut rng, i + 1);
            self.features.swap(i, j);
            self.labels.swap(i, j);
        }
    }

    /// Splits into the first `n` samples and the rest. `n` larger than the dataset puts
    /// everything in the first part. Shuffle first if the file is sorted by class.
    pub fn split(mut self, n: usize) -> (Self, Self) {
        let n = n.min(self.len());
        let rest = Self {
            features: self.features.split_off(n),
            labels: self.labels.split_off(n),
        };
        (self, rest)
    }

    /// Splits off the first `round(fraction · len)` samples (fraction clamped to 0..=1;
    /// NaN counts as 0).
    pub fn split_fraction(self, fraction: f32) -> (Self, Self) {
        let f = if fraction.is_nan() {
            0.0
        } else {
            fraction.clamp(0.0, 1.0)
        };
        let n = (f64::from(f) * self.len() as f64).round() as usize;
        self.split(n)
    }
}

fn check_sample<const D: usize, const C: usize>(
    x: &[f32; D],
    label: usize,
    line: usize,
) -> Result<(), DatasetError> {
    if label >= C {
        return Err(DatasetError::Label {
            line,
            text: std::format!("{label}"),
            classes: C,
        });
    }
    if let Some(i) = x.iter().position(|v| !v.is_finite()) {
        return Err(DatasetError::NotANumber {
            line,
            column: i + 1,
            text: std::format!("{}", x[i]),
        });
    }
    Ok(())
}

/// A uniform index in `0..n` from one `u32`: `(next_u32 · n) >> 32`. The bias is below
/// `n / 2³²` (about 1e-6 for 5000 samples), and the rule is simple enough to reproduce in
/// another language (tools/mnist_reference.py does, to train PyTorch on the same split).
pub fn below<R: Rng + ?Sized>(rng: &mut R, n: usize) -> usize {
    ((u64::from(rng.next_u32()) * n as u64) >> 32) as usize
}

/// Shuffles `items` in place with Fisher–Yates driven by `stacknet::rng(seed)`:
/// for `i` from `len − 1` down to 1, swap `items[i]` with `items[below(rng, i + 1)]`.
///
/// ```
/// let mut v: Vec<usize> = (0..10).collect();
/// stacknet::std::dataset::shuffle_in_place(&mut v, 3);
/// let mut sorted = v.clone();
/// sorted.sort();
/// assert_eq!(sorted, (0..10).collect::<Vec<_>>());
/// assert_ne!(v, sorted);
/// ```
pub fn shuffle_in_place<T>(items: &mut [T], seed: u64) {
    let mut rng = crate::rng(seed);
    for i in (1..items.len()).rev() {
        let j = below(&mut rng, i + 1);
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;

    fn tiny() -> Dataset<2, 3> {
        Dataset::from_parts(
            (0..9).map(|i| [i as f32, 0.0]).collect(),
            (0..9).map(|i| i % 3).collect(),
        )
        .unwrap()
    }

    #[test]
    fn shuffle_is_seeded_and_keeps_pairs() {
        let mut a = tiny();
        let mut b = tiny();
        a.shuffle(5);
        b.shuffle(5);
        assert_eq!(a, b);
        assert_ne!(a, tiny());
        for (x, l) in a.iter() {
            assert_eq!(x[0] as usize % 3, l);
        }
        let mut idx: Vec<usize> = (0..9).collect();
        shuffle_in_place(&mut idx, 5);
        let order: Vec<usize> = a.features().iter().map(|x| x[0] as usize).collect();
        assert_eq!(idx, order);
    }

    #[test]
    fn split_and_counts() {
        let (a, b) = tiny().split_fraction(2.0 / 3.0);
        assert_eq!((a.len(), b.len()), (6, 3));
        assert_eq!(a.class_counts(), [2, 2, 2]);
        let (a, b) = tiny().split(100);
        assert_eq!((a.len(), b.len()), (9, 0));
        let (a, _) = tiny().split_fraction(f32::NAN);
        assert!(a.is_empty());
        assert_eq!(tiny().one_hot()[4], [0.0, 1.0, 0.0]);
    }

    #[test]
    fn construction_checks() {
        assert!(matches!(
            Dataset::<1, 2>::from_parts(vec![[0.0]], vec![2]),
            Err(DatasetError::Label { line: 1, .. })
        ));
        assert!(matches!(
            Dataset::<1, 2>::from_parts(vec![[0.0], [f32::NAN]], vec![0, 1]),
            Err(DatasetError::NotANumber { line: 2, .. })
        ));
        assert!(matches!(
            Dataset::<1, 2>::from_parts(vec![[0.0]], vec![]),
            Err(DatasetError::LengthMismatch { .. })
        ));
        let mut d = Dataset::<1, 2>::new();
        assert!(d.push([1.0], 5).is_err());
        assert!(d.is_empty());
        d.push([1.0], 1).unwrap();
        assert_eq!(d.get(0), Some((&[1.0], 1)));
        assert_eq!(d.get(1), None);
    }
}
