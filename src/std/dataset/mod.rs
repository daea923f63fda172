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

pub use csv::{
    BREAST_CANCER_CSV, Column, CsvFormat, DEFAULT_MAX_BYTES, DEFAULT_MAX_LINE_BYTES, DIGITS_CSV,
    IRIS_CSV, MNIST_CSV, WINE_CSV, digits, load_csv, load_csv_targets, mnist, read_csv,
    read_csv_targets,
};
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
/// `C == 1` is binary classification with one output (a logit, or a probability after a
/// sigmoid): labels are 0 or 1 and the target is `[label]`. See [`classes`](Self::classes).
///
/// Invariants, checked on construction: as many labels as samples, every label below
/// [`classes`](Self::classes), every feature finite. [`features_mut`](Self::features_mut)
/// hands the last one to the caller (training skips a non-finite sample and counts it).
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

    /// The number of distinct labels: `C`, or 2 when `C == 1` (one-output binary
    /// classification: labels 0 and 1).
    pub const fn classes() -> usize {
        if C == 1 { 2 } else { C }
    }

    /// The training target for `label`: one-hot over `C` outputs, or `[label]` when
    /// `C == 1`. A label out of range gives all zeros.
    pub fn target(label: usize) -> [f32; C] {
        let mut t = [0.0; C];
        if C == 1 {
            t[0] = if label == 1 { 1.0 } else { 0.0 };
        } else if let Some(v) = t.get_mut(label) {
            *v = 1.0;
        }
        t
    }

    /// Takes the dataset apart into its features and labels.
    pub fn into_parts(self) -> (Vec<[f32; D]>, Vec<usize>) {
        (self.features, self.labels)
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

    /// All feature vectors, mutable (to scale or clip them in place). Labels cannot change
    /// this way, so they stay valid; a feature made NaN or infinite here is the caller's
    /// doing, and [`fit`](crate::std::fit::fit) skips (and counts) such samples.
    pub fn features_mut(&mut self) -> &mut [[f32; D]] {
        &mut self.features
    }

    /// All labels, in order (each below [`classes`](Self::classes)).
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// The samples at `indices`, in that order (an index may repeat, as in a bootstrap).
    ///
    /// # Errors
    /// [`DatasetError::Index`] for an index `>= len()`; nothing is built then.
    pub fn subset(&self, indices: &[usize]) -> Result<Self, DatasetError> {
        if let Some(&index) = indices.iter().find(|&&i| i >= self.len()) {
            return Err(DatasetError::Index {
                index,
                len: self.len(),
            });
        }
        Ok(Self {
            features: indices.iter().map(|&i| self.features[i]).collect(),
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
        })
    }

    /// Splits into a shuffled `round(fraction · len)` samples and the rest (fraction
    /// clamped to 0..=1, NaN as 0), leaving `self` as it is. Both parts keep the seeded
    /// random order. The indices come from [`shuffled_indices`].
    pub fn shuffled_split(&self, fraction: f32, seed: u64) -> (Self, Self) {
        let order = shuffled_indices(self.len(), seed);
        let n = fraction_of(fraction, self.len());
        self.parts(&order[..n], &order[n..])
    }

    /// Splits into about `fraction` of each class and the rest, so both parts keep the class
    /// proportions (scikit-learn's `train_test_split(.., stratify=y)`). Seeded; the indices
    /// come from [`stratified_indices`].
    ///
    /// ```
    /// use stacknet::std::dataset::Dataset;
    /// let d = Dataset::<1, 2>::from_parts(
    ///     (0..100).map(|i| [i as f32]).collect(),
    ///     (0..100).map(|i| usize::from(i < 20)).collect(),
    /// ).unwrap();
    /// let (train, test) = d.stratified_split(0.75, 3);
    /// assert_eq!((train.class_counts(), test.class_counts()), (vec![60, 15], vec![20, 5]));
    /// ```
    pub fn stratified_split(&self, fraction: f32, seed: u64) -> (Self, Self) {
        let (first, rest) = stratified_indices(&self.labels, Self::classes(), fraction, seed);
        self.parts(&first, &rest)
    }

    /// `k` (training, validation) pairs for k-fold cross-validation: the samples are
    /// shuffled once with `seed` and cut into `k` folds of sizes differing by at most one;
    /// pair `i` validates on fold `i` and trains on the others. `k` is clamped to
    /// `2..=len()` (an empty or one-sample dataset gives no folds).
    pub fn k_folds(&self, k: usize, seed: u64) -> Vec<(Self, Self)> {
        let n = self.len();
        if n < 2 {
            return Vec::new();
        }
        let k = k.clamp(2, n);
        let order = shuffled_indices(n, seed);
        (0..k)
            .map(|i| {
                let (start, end) = (i * n / k, (i + 1) * n / k);
                let train: Vec<usize> = order[..start]
                    .iter()
                    .chain(&order[end..])
                    .copied()
                    .collect();
                self.parts(&train, &order[start..end])
            })
            .collect()
    }

    /// Two subsets from valid index lists (internal: the indices are known in range).
    fn parts(&self, first: &[usize], rest: &[usize]) -> (Self, Self) {
        let pick = |idx: &[usize]| Self {
            features: idx.iter().map(|&i| self.features[i]).collect(),
            labels: idx.iter().map(|&i| self.labels[i]).collect(),
        };
        (pick(first), pick(rest))
    }

    /// Sample `i` as `(features, label)`, or `None` past the end.
    pub fn get(&self, i: usize) -> Option<(&[f32; D], usize)> {
        Some((self.features.get(i)?, *self.labels.get(i)?))
    }

    /// Iterates over `(features, label)` pairs.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&[f32; D], usize)> + '_ {
        self.features.iter().zip(self.labels.iter().copied())
    }

    /// How many samples each class has ([`classes`](Self::classes) counts).
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = std::vec![0; Self::classes()];
        for &l in &self.labels {
            if let Some(c) = counts.get_mut(l) {
                *c += 1;
            }
        }
        counts
    }

    /// The training target of every sample (see [`target`](Self::target)): one-hot, for
    /// losses such as `Mse` or `SoftmaxCrossEntropy`, or `[0.0]`/`[1.0]` when `C == 1`.
    pub fn one_hot(&self) -> Vec<[f32; C]> {
        self.labels.iter().map(|&l| Self::target(l)).collect()
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
        let n = fraction_of(fraction, self.len());
        self.split(n)
    }
}

/// `round(fraction · n)` with the fraction clamped to 0..=1 and NaN taken as 0.
fn fraction_of(fraction: f32, n: usize) -> usize {
    let f = if fraction.is_nan() {
        0.0
    } else {
        fraction.clamp(0.0, 1.0)
    };
    ((f64::from(f) * n as f64).round() as usize).min(n)
}

/// `0..n` in the order of [`shuffle_in_place`] with `seed`: the sample order behind
/// [`Dataset::shuffled_split`] and [`Dataset::k_folds`].
pub fn shuffled_indices(n: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    shuffle_in_place(&mut order, seed);
    order
}

/// The indices behind [`Dataset::stratified_split`], `(first, rest)`, for `labels` below
/// `classes`. The rule, simple enough to reproduce in another language
/// (tools/sklearn_reference.py does):
/// 1. shuffle `0..len` with [`shuffle_in_place`] and `seed`;
/// 2. walking that order, the first `round(fraction · count[c])` samples of each class `c`
///    go to `first`, the others to `rest`; both keep the shuffled order.
pub fn stratified_indices(
    labels: &[usize],
    classes: usize,
    fraction: f32,
    seed: u64,
) -> (Vec<usize>, Vec<usize>) {
    let mut quota: Vec<usize> = std::vec![0; classes];
    for &l in labels {
        if let Some(q) = quota.get_mut(l) {
            *q += 1;
        }
    }
    for q in &mut quota {
        *q = fraction_of(fraction, *q);
    }
    let (mut first, mut rest) = (Vec::new(), Vec::new());
    for i in shuffled_indices(labels.len(), seed) {
        match quota.get_mut(labels[i]) {
            Some(q) if *q > 0 => {
                *q -= 1;
                first.push(i);
            }
            _ => rest.push(i),
        }
    }
    (first, rest)
}

fn check_sample<const D: usize, const C: usize>(
    x: &[f32; D],
    label: usize,
    line: usize,
) -> Result<(), DatasetError> {
    if label >= Dataset::<D, C>::classes() {
        return Err(DatasetError::Label {
            line,
            text: std::format!("{label}"),
            classes: Dataset::<D, C>::classes(),
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
        let d = tiny();
        let (a, b) = d.stratified_split(1.0 / 3.0, 4);
        assert_eq!(
            (a.class_counts(), b.class_counts()),
            (vec![1; 3], vec![2; 3])
        );
        let (a, b) = d.shuffled_split(0.5, 4);
        assert_eq!((a.len(), b.len()), (5, 4));
        let mut seen: Vec<f32> = a.iter().chain(b.iter()).map(|(x, _)| x[0]).collect();
        seen.sort_by(f32::total_cmp);
        assert_eq!(seen, (0..9).map(|i| i as f32).collect::<Vec<_>>());
        assert_eq!(d.subset(&[8, 0]).unwrap().labels(), &[2, 0]);
        assert!(matches!(
            d.subset(&[9]),
            Err(DatasetError::Index { index: 9, len: 9 })
        ));
        let folds = d.k_folds(4, 1);
        assert_eq!(folds.len(), 4);
        let held: usize = folds.iter().map(|(_, v)| v.len()).sum();
        assert_eq!(held, 9);
        assert!(folds.iter().all(|(t, v)| t.len() + v.len() == 9));
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
