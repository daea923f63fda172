//! Loader for the `.ts` text format of sktime and the UEA/UCR time-series archive
//! (plain or gzip), giving fixed-shape sequences `[[f32; T]; C]` (channels × time, the layout
//! of PyTorch's `nn.Conv1d`) with class indices.
//!
//! # The format
//!
//! ```text
//! # comment lines start with '#'
//! @problemName BasicMotions
//! @timeStamps false
//! @missing false
//! @univariate false
//! @dimensions 6
//! @equalLength true
//! @seriesLength 100
//! @classLabel true Standing Running Walking Badminton
//! @data
//! 0.1,0.2,…:0.5,0.3,…:…:Standing
//! ```
//!
//! Header keywords are case-insensitive; blank lines and `#` comments may appear anywhere in
//! the header. After `@data` each line is one case: its `C` dimensions (channels) separated by
//! `:`, the values of one dimension separated by `,`, the class label last. Blank lines are
//! allowed only at the end of the file.
//!
//! What this loader accepts, beyond the syntax:
//! - class labels are required (`@classLabel true …`) and the file must declare exactly `K`
//!   of them; a case's label maps to its position in that list;
//! - every dimension of a case has the same number of steps;
//! - `@seriesLength n` makes every series exactly `n` steps long, `@equalLength true` makes
//!   every case as long as the first;
//! - values are finite decimal numbers: missing values (`?`), NaN and infinities are refused,
//!   whatever `@missing` says, because nothing downstream could train on them;
//! - time stamps (`@timeStamps true`) and regression targets (`@targetLabel`) are not
//!   supported and refused with a clear error.
//!
//! A series of `L ≠ T` steps is fitted to `T` steps as [`TsFormat::pad`] and
//! [`TsFormat::crop`] say; the original lengths stay available in
//! [`SeqDataset::lengths`]. Any problem gives a [`TsError`] naming the 1-based line, and no
//! data at all.

extern crate std;

use super::{Dataset, DatasetError, below};
use std::boxed::Box;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::string::{String, ToString};
use std::vec::Vec;

/// `data/basicmotions_train.ts.gz`: 40 cases, 6 channels × 100 steps, 4 classes (UEA archive).
pub const BASIC_MOTIONS_TRAIN: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/data/basicmotions_train.ts.gz");
/// `data/basicmotions_test.ts.gz`: 40 cases, 6 channels × 100 steps, 4 classes (UEA archive).
pub const BASIC_MOTIONS_TEST: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/data/basicmotions_test.ts.gz");
/// `data/japanesevowels_train.ts.gz`: 270 cases, 12 channels × 7–26 steps, 9 speakers (UCI).
pub const JAPANESE_VOWELS_TRAIN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/data/japanesevowels_train.ts.gz"
);
/// `data/japanesevowels_test.ts.gz`: 370 cases, 12 channels × 7–29 steps, 9 speakers (UCI).
pub const JAPANESE_VOWELS_TEST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/data/japanesevowels_test.ts.gz"
);

/// The longest JapaneseVowels utterance in either file (29 frames, test set; the training set
/// stops at 26), so padding to it keeps every frame.
pub const JAPANESE_VOWELS_STEPS: usize = 29;

/// What to do with a series shorter than the `T` steps of the sample type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pad {
    /// Refuse the file ([`TsError::Fit`]).
    Refuse,
    /// Keep the series at the start and fill the remaining steps with zeros.
    ZerosAfter,
    /// Keep the series at the end and fill the steps before it with zeros, so a recurrent
    /// model reads the real data last (its final state is not washed out by padding).
    ZerosBefore,
    /// Keep the series at the start and repeat each channel's last value.
    RepeatLast,
}

/// What to do with a series longer than the `T` steps of the sample type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crop {
    /// Refuse the file ([`TsError::Fit`]).
    Refuse,
    /// Keep the first `T` steps.
    KeepFirst,
    /// Keep the last `T` steps.
    KeepLast,
}

/// How to read a `.ts` file into `T`-step samples, and the size limits that keep a hostile
/// file from exhausting memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TsFormat {
    /// Series shorter than `T`.
    pub pad: Pad,
    /// Series longer than `T`.
    pub crop: Crop,
    /// The most cases (data lines) accepted.
    pub max_cases: usize,
    /// The longest line accepted, in bytes (the line end included).
    pub max_line_bytes: usize,
}

impl TsFormat {
    /// Every series must have exactly `T` steps; at most 100 000 cases of 16 MiB.
    pub const EXACT: Self = Self {
        pad: Pad::Refuse,
        crop: Crop::Refuse,
        max_cases: 100_000,
        max_line_bytes: 16 << 20,
    };

    /// [`EXACT`](Self::EXACT) with other pad and crop rules.
    pub const fn fit(pad: Pad, crop: Crop) -> Self {
        Self {
            pad,
            crop,
            ..Self::EXACT
        }
    }
}

impl Default for TsFormat {
    fn default() -> Self {
        Self::EXACT
    }
}

/// Why a `.ts` file could not be loaded. Every variant that comes from the file names the
/// 1-based line where the problem was found. A loader returning this returns no data.
#[derive(Debug)]
#[non_exhaustive]
pub enum TsError {
    /// The file could not be opened.
    Open {
        /// The path that was tried.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// Reading failed partway (other than a cut-off gzip stream).
    Read {
        /// The line being read.
        line: usize,
        /// What the reader said.
        source: io::Error,
    },
    /// The data ends early: a cut-off gzip stream, or a last line cut before its label.
    Truncated {
        /// The line where the data ended.
        line: usize,
        /// Complete cases read before it.
        cases: usize,
    },
    /// A line is not UTF-8 text.
    NotText {
        /// The offending line.
        line: usize,
    },
    /// A header line is malformed or contradicts another (unknown keyword, a keyword given
    /// twice, a value that is not `true`/`false` or a count, a repeated class label).
    Header {
        /// The offending line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The file uses a part of the format this loader does not support (time stamps,
    /// regression targets, unlabelled cases).
    Unsupported {
        /// The offending line.
        line: usize,
        /// The feature.
        what: &'static str,
    },
    /// The header never reached `@data`, or a data line came before it.
    MissingData {
        /// The line where `@data` was expected (one past the end when the file ended).
        line: usize,
    },
    /// No case follows `@data`.
    NoCases {
        /// One past the last line.
        line: usize,
    },
    /// The number of classes declared by `@classLabel` is not `K`.
    Classes {
        /// The `@classLabel` line.
        line: usize,
        /// Classes the sample type has (`K`).
        expected: usize,
        /// Classes the file declares.
        found: usize,
    },
    /// A header (`@dimensions`, `@univariate`) or a case has a number of dimensions other
    /// than the `C` channels of the sample type.
    Dimensions {
        /// The offending line.
        line: usize,
        /// Channels the sample type has (`C`).
        expected: usize,
        /// Dimensions found.
        found: usize,
    },
    /// A value is not a finite number.
    NotANumber {
        /// The offending line.
        line: usize,
        /// The 1-based dimension (channel).
        dimension: usize,
        /// The 1-based time step.
        step: usize,
        /// The text found there.
        text: String,
    },
    /// A value is missing (`?`).
    Missing {
        /// The offending line.
        line: usize,
        /// The 1-based dimension (channel).
        dimension: usize,
        /// The 1-based time step.
        step: usize,
    },
    /// The dimensions of one case have different lengths.
    Ragged {
        /// The offending line.
        line: usize,
        /// The 1-based dimension whose length differs from the first's.
        dimension: usize,
        /// Its length.
        length: usize,
        /// The first dimension's length.
        first: usize,
    },
    /// A case's length contradicts `@seriesLength`, or the first case's under
    /// `@equalLength true`.
    Length {
        /// The offending line.
        line: usize,
        /// The length required.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// A series does not have `T` steps and [`TsFormat`] refuses to pad or crop it.
    Fit {
        /// The offending line.
        line: usize,
        /// The series' length.
        length: usize,
        /// The steps of the sample type (`T`).
        steps: usize,
    },
    /// A case's class label is not one `@classLabel` declared.
    Label {
        /// The offending line.
        line: usize,
        /// The label as written.
        text: String,
    },
    /// A size limit of [`TsFormat`] was exceeded.
    TooLarge {
        /// The offending line.
        line: usize,
        /// Which limit.
        what: &'static str,
        /// Its value.
        limit: usize,
    },
    /// A parameter is invalid (a zero-sized sample type, a size limit of zero).
    Parameter(&'static str),
}

impl fmt::Display for TsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Open { path, source } => write!(f, "cannot open {}: {source}", path.display()),
            Self::Read { line, source } => write!(f, "line {line}: read error: {source}"),
            Self::Truncated { line, cases } => {
                write!(
                    f,
                    "line {line}: data truncated after {cases} complete cases"
                )
            }
            Self::NotText { line } => write!(f, "line {line}: not UTF-8 text"),
            Self::Header { line, message } => write!(f, "line {line}: {message}"),
            Self::Unsupported { line, what } => write!(f, "line {line}: {what} not supported"),
            Self::MissingData { line } => write!(f, "line {line}: expected the @data line"),
            Self::NoCases { line } => write!(f, "line {line}: no cases after @data"),
            Self::Classes {
                line,
                expected,
                found,
            } => write!(
                f,
                "line {line}: {found} class labels declared, expected {expected}"
            ),
            Self::Dimensions {
                line,
                expected,
                found,
            } => write!(f, "line {line}: {found} dimensions, expected {expected}"),
            Self::NotANumber {
                line,
                dimension,
                step,
                text,
            } => write!(
                f,
                "line {line}, dimension {dimension}, step {step}: {text:?} is not a finite number"
            ),
            Self::Missing {
                line,
                dimension,
                step,
            } => write!(
                f,
                "line {line}, dimension {dimension}, step {step}: missing value '?'"
            ),
            Self::Ragged {
                line,
                dimension,
                length,
                first,
            } => write!(
                f,
                "line {line}: dimension {dimension} has {length} steps, dimension 1 has {first}"
            ),
            Self::Length {
                line,
                expected,
                found,
            } => write!(
                f,
                "line {line}: series of {found} steps, the header requires {expected}"
            ),
            Self::Fit {
                line,
                length,
                steps,
            } => write!(
                f,
                "line {line}: series of {length} steps does not fit {steps} steps \
                 (padding or cropping refused)"
            ),
            Self::Label { line, text } => {
                write!(
                    f,
                    "line {line}: class label {text:?} not declared by @classLabel"
                )
            }
            Self::TooLarge { line, what, limit } => {
                write!(f, "line {line}: {what} exceeds the limit of {limit}")
            }
            Self::Parameter(what) => write!(f, "invalid parameter: {what}"),
        }
    }
}

impl std::error::Error for TsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Open { source, .. } | Self::Read { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl TsError {
    /// The 1-based line the error refers to, when it comes from the file.
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::Open { .. } | Self::Parameter(_) => None,
            Self::Read { line, .. }
            | Self::Truncated { line, .. }
            | Self::NotText { line }
            | Self::Header { line, .. }
            | Self::Unsupported { line, .. }
            | Self::MissingData { line }
            | Self::NoCases { line }
            | Self::Classes { line, .. }
            | Self::Dimensions { line, .. }
            | Self::NotANumber { line, .. }
            | Self::Missing { line, .. }
            | Self::Ragged { line, .. }
            | Self::Length { line, .. }
            | Self::Fit { line, .. }
            | Self::Label { line, .. }
            | Self::TooLarge { line, .. } => Some(*line),
        }
    }
}

/// Labelled sequences: `C` channels × `T` steps per sample and `K` classes, all fixed at
/// compile time, so a sample feeds a model whose input is `[[f32; T]; C]` directly.
///
/// Invariants, checked on construction: as many labels and lengths as samples, every label
/// `< K`, every value finite.
#[derive(Debug, Clone, PartialEq)]
pub struct SeqDataset<const C: usize, const T: usize, const K: usize> {
    samples: Vec<[[f32; T]; C]>,
    labels: Vec<usize>,
    lengths: Vec<usize>,
    class_names: Vec<String>,
    problem_name: String,
}

impl<const C: usize, const T: usize, const K: usize> SeqDataset<C, T, K> {
    /// Sequences built in memory (for example recorded sensor windows), each `T` steps long,
    /// with class names `"0"` to `"K-1"` and no problem name.
    ///
    /// # Errors
    /// As [`Dataset::from_parts`]: [`DatasetError::LengthMismatch`],
    /// [`DatasetError::Label`] for a label `>= K`, [`DatasetError::NotANumber`] for a NaN or
    /// infinite value (its `column` is `c·T + t + 1`); `line` is the 1-based sample number.
    pub fn from_parts(
        samples: Vec<[[f32; T]; C]>,
        labels: Vec<usize>,
    ) -> Result<Self, DatasetError> {
        if samples.len() != labels.len() {
            return Err(DatasetError::LengthMismatch {
                features: samples.len(),
                labels: labels.len(),
            });
        }
        for (i, (x, &label)) in samples.iter().zip(&labels).enumerate() {
            if label >= K {
                return Err(DatasetError::Label {
                    line: i + 1,
                    text: label.to_string(),
                    classes: K,
                });
            }
            if let Some((at, v)) = x.iter().flatten().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(DatasetError::NotANumber {
                    line: i + 1,
                    column: at + 1,
                    text: v.to_string(),
                });
            }
        }
        Ok(Self {
            lengths: std::vec![T; samples.len()],
            samples,
            labels,
            class_names: (0..K).map(|k| k.to_string()).collect(),
            problem_name: String::new(),
        })
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there are no samples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// All samples, channels × time, in file order (unless shuffled).
    pub fn samples(&self) -> &[[[f32; T]; C]] {
        &self.samples
    }

    /// All class indices, each `< K`.
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// Each sample's length in the file, before padding or cropping to `T`.
    pub fn lengths(&self) -> &[usize] {
        &self.lengths
    }

    /// The class names in `@classLabel` order: label `i` is `class_names()[i]`.
    pub fn class_names(&self) -> &[String] {
        &self.class_names
    }

    /// The `@problemName` of the file (empty if it had none).
    pub fn problem_name(&self) -> &str {
        &self.problem_name
    }

    /// Sample `i` as `(channels × time, label)`, or `None` past the end.
    pub fn get(&self, i: usize) -> Option<(&[[f32; T]; C], usize)> {
        Some((self.samples.get(i)?, *self.labels.get(i)?))
    }

    /// Iterates over `(sample, label)` pairs.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&[[f32; T]; C], usize)> + '_ {
        self.samples.iter().zip(self.labels.iter().copied())
    }

    /// How many samples each class has.
    pub fn class_counts(&self) -> [usize; K] {
        let mut counts = [0; K];
        for &l in &self.labels {
            counts[l] += 1;
        }
        counts
    }

    /// The one-hot target of every sample.
    pub fn one_hot(&self) -> Vec<[f32; K]> {
        self.labels
            .iter()
            .map(|&l| {
                let mut t = [0.0; K];
                t[l] = 1.0;
                t
            })
            .collect()
    }

    /// Sample `i` transposed to time × channels (`[[f32; C]; T]`, the `batch_first` layout of
    /// PyTorch's recurrent layers), or `None` past the end.
    pub fn time_major(&self, i: usize) -> Option<[[f32; C]; T]> {
        let x = self.samples.get(i)?;
        let mut out = [[0.0; C]; T];
        for (c, channel) in x.iter().enumerate() {
            for (t, &v) in channel.iter().enumerate() {
                out[t][c] = v;
            }
        }
        Some(out)
    }

    /// Mean and standard deviation (population) of each channel over every stored step of
    /// every sample, padding included. Compute them on the training set and pass them to
    /// [`standardize`](Self::standardize) for both sets.
    pub fn channel_mean_std(&self) -> ([f32; C], [f32; C]) {
        let mut mean = [0.0f32; C];
        let mut std_dev = [0.0f32; C];
        let n = (self.len() * T) as f64;
        if n == 0.0 {
            return (mean, std_dev);
        }
        for c in 0..C {
            let values = self.samples.iter().flat_map(|x| x[c].iter());
            let m = values.clone().map(|&v| f64::from(v)).sum::<f64>() / n;
            let var = values.map(|&v| (f64::from(v) - m).powi(2)).sum::<f64>() / n;
            mean[c] = m as f32;
            std_dev[c] = var.sqrt() as f32;
        }
        (mean, std_dev)
    }

    /// Replaces every value `v` of channel `c` by `(v − mean[c]) / std_dev[c]`.
    ///
    /// # Errors
    /// [`TsError::Parameter`] if a mean is not finite or a deviation is not finite and `> 0`
    /// (a constant channel has deviation 0: pass 1 for it); the data is then unchanged.
    pub fn standardize(&mut self, mean: &[f32; C], std_dev: &[f32; C]) -> Result<(), TsError> {
        if mean.iter().any(|m| !m.is_finite())
            || std_dev.iter().any(|s| !(s.is_finite() && *s > 0.0))
        {
            return Err(TsError::Parameter(
                "standardize needs finite means and finite deviations > 0",
            ));
        }
        let mut scaled = self.samples.clone();
        for x in &mut scaled {
            for ((channel, m), s) in x.iter_mut().zip(mean).zip(std_dev) {
                for v in channel.iter_mut() {
                    *v = (*v - m) / s;
                }
            }
        }
        if scaled.iter().flatten().flatten().any(|v| !v.is_finite()) {
            return Err(TsError::Parameter(
                "standardize would make a value non-finite",
            ));
        }
        self.samples = scaled;
        Ok(())
    }

    /// Reorders the samples with the same seeded Fisher–Yates shuffle as
    /// [`Dataset::shuffle`](super::Dataset::shuffle) (same seed, same permutation).
    pub fn shuffle(&mut self, seed: u64) {
        let mut rng = crate::rng(seed);
        for i in (1..self.len()).rev() {
            let j = below(&mut rng, i + 1);
            self.samples.swap(i, j);
            self.labels.swap(i, j);
            self.lengths.swap(i, j);
        }
    }

    /// Splits into the first `n` samples and the rest (`n` past the end keeps everything
    /// in the first part). Both parts keep the class names and problem name.
    pub fn split(mut self, n: usize) -> (Self, Self) {
        let n = n.min(self.len());
        let rest = Self {
            samples: self.samples.split_off(n),
            labels: self.labels.split_off(n),
            lengths: self.lengths.split_off(n),
            class_names: self.class_names.clone(),
            problem_name: self.problem_name.clone(),
        };
        (self, rest)
    }

    /// The samples flattened channel after channel (`x[c][t]` at `c·T + t`) into a
    /// [`Dataset`] of `D = C·T` features, for models that take a flat vector.
    ///
    /// # Errors
    /// [`TsError::Parameter`] if `D ≠ C·T`.
    pub fn flatten<const D: usize>(&self) -> Result<Dataset<D, K>, TsError> {
        if C.checked_mul(T) != Some(D) {
            return Err(TsError::Parameter("flatten needs D = C·T"));
        }
        let features = self
            .samples
            .iter()
            .map(|x| {
                let mut flat = [0.0; D];
                for (slot, &v) in flat.iter_mut().zip(x.iter().flatten()) {
                    *slot = v;
                }
                flat
            })
            .collect();
        // Labels < K and finite values are this type's invariants too.
        Dataset::from_parts(features, self.labels.clone())
            .map_err(|_| TsError::Parameter("flatten: invariant broken"))
    }
}

/// Loads BasicMotions ([`BASIC_MOTIONS_TRAIN`] or [`BASIC_MOTIONS_TEST`]): 6 channels
/// (accelerometer x, y, z, gyroscope x, y, z) × 100 steps, classes Standing, Running,
/// Walking, Badminton. Every series must have exactly 100 steps.
///
/// # Errors
/// As [`load_ts`] with [`TsFormat::EXACT`].
pub fn basic_motions(path: impl AsRef<Path>) -> Result<SeqDataset<6, 100, 4>, TsError> {
    load_ts(path, &TsFormat::EXACT)
}

/// Loads JapaneseVowels ([`JAPANESE_VOWELS_TRAIN`] or [`JAPANESE_VOWELS_TEST`]): 12 LPC
/// cepstrum channels × [`JAPANESE_VOWELS_STEPS`] = 29 steps, 9 speakers. The utterances
/// last 7–29 frames; shorter ones are padded as `pad` says (nothing needs cropping).
///
/// # Errors
/// As [`load_ts`]; [`TsError::Fit`] if `pad` is [`Pad::Refuse`].
pub fn japanese_vowels(
    path: impl AsRef<Path>,
    pad: Pad,
) -> Result<SeqDataset<12, JAPANESE_VOWELS_STEPS, 9>, TsError> {
    load_ts(path, &TsFormat::fit(pad, Crop::Refuse))
}

/// Loads a `.ts` file, gzip-compressed or not (detected from the first two bytes).
///
/// # Errors
/// [`TsError::Open`] when the file cannot be opened; otherwise as [`read_ts`].
pub fn load_ts<const C: usize, const T: usize, const K: usize>(
    path: impl AsRef<Path>,
    format: &TsFormat,
) -> Result<SeqDataset<C, T, K>, TsError> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|source| TsError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    read_ts(file, format)
}

/// Reads a `.ts` file from any reader, gzip-compressed or not, into `C`-channel, `T`-step
/// samples of `K` classes.
///
/// ```
/// use stacknet::std::dataset::{read_ts, Crop, Pad, TsFormat};
/// let text = "@problemName demo\n@dimensions 2\n@classLabel true up down\n@data\n\
///             1,2,3:4,5,6:down\n7,8:9,10:up\n";
/// let d = read_ts::<2, 3, 2, _>(text.as_bytes(), &TsFormat::fit(Pad::ZerosAfter, Crop::Refuse))
///     .unwrap();
/// assert_eq!(d.samples()[1], [[7.0, 8.0, 0.0], [9.0, 10.0, 0.0]]);
/// assert_eq!((d.labels(), d.lengths()), (&[1, 0][..], &[3, 2][..]));
/// let err = read_ts::<2, 3, 2, _>(text.as_bytes(), &TsFormat::EXACT).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "line 6: series of 2 steps does not fit 3 steps (padding or cropping refused)"
/// );
/// ```
///
/// # Errors
/// The first problem found, with its line: see [`TsError`]. Nothing is returned on error.
pub fn read_ts<const C: usize, const T: usize, const K: usize, R: Read>(
    reader: R,
    format: &TsFormat,
) -> Result<SeqDataset<C, T, K>, TsError> {
    if C == 0 || T == 0 || K == 0 {
        return Err(TsError::Parameter(
            "channels, steps and classes must be at least 1",
        ));
    }
    if format.max_cases == 0 || format.max_line_bytes == 0 {
        return Err(TsError::Parameter("size limits must be at least 1"));
    }
    let mut buffered = BufReader::new(reader);
    let is_gzip = match buffered.fill_buf() {
        Ok(head) => head.starts_with(&[0x1f, 0x8b]),
        Err(source) => return Err(TsError::Read { line: 1, source }),
    };
    let mut lines = if is_gzip {
        let decoder = flate2::bufread::MultiGzDecoder::new(buffered);
        Lines::new(Box::new(BufReader::new(decoder)), format.max_line_bytes)
    } else {
        Lines::new(Box::new(buffered), format.max_line_bytes)
    };
    let header = Header::read(&mut lines)?;
    let classes = header.check::<C, K>()?;
    read_cases::<C, T, K>(&mut lines, format, &header, classes)
}

/// Physical lines with their 1-based numbers, each at most `max_bytes` long.
struct Lines<'a> {
    reader: Box<dyn BufRead + 'a>,
    raw: Vec<u8>,
    number: usize,
    max_bytes: usize,
    /// Whether the last line read ended with `\n` (false for an unterminated last line).
    ended: bool,
    /// Complete cases so far, for [`TsError::Truncated`].
    cases: usize,
}

impl<'a> Lines<'a> {
    fn new(reader: Box<dyn BufRead + 'a>, max_bytes: usize) -> Self {
        Self {
            reader,
            raw: Vec::new(),
            number: 0,
            max_bytes,
            ended: true,
            cases: 0,
        }
    }

    /// The next line without its line end, with its number and whether it ended with `\n`,
    /// or `None` at the end of the data.
    fn next_line(&mut self) -> Result<Option<(usize, bool, &str)>, TsError> {
        self.raw.clear();
        self.number += 1;
        let line = self.number;
        let limit = self.max_bytes as u64 + 1;
        let read = (&mut self.reader)
            .take(limit)
            .read_until(b'\n', &mut self.raw);
        match read {
            Ok(0) => return Ok(None),
            Ok(_) => {}
            Err(source) if source.kind() == io::ErrorKind::UnexpectedEof => {
                return Err(TsError::Truncated {
                    line,
                    cases: self.cases,
                });
            }
            Err(source) => return Err(TsError::Read { line, source }),
        }
        if self.raw.len() > self.max_bytes {
            return Err(TsError::TooLarge {
                line,
                what: "line length in bytes",
                limit: self.max_bytes,
            });
        }
        self.ended = self.raw.last() == Some(&b'\n');
        let mut end = self.raw.len();
        while end > 0 && matches!(self.raw[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        match core::str::from_utf8(&self.raw[..end]) {
            Ok(text) => Ok(Some((line, self.ended, text))),
            Err(_) => Err(TsError::NotText { line }),
        }
    }
}

/// What the header lines said.
#[derive(Default)]
struct Header {
    problem_name: Option<String>,
    univariate: Option<(usize, bool)>,
    dimensions: Option<(usize, usize)>,
    equal_length: Option<(usize, bool)>,
    series_length: Option<(usize, usize)>,
    /// The `@classLabel` line and its labels.
    class_labels: Option<(usize, Vec<String>)>,
    timestamps: Option<(usize, bool)>,
    missing: Option<(usize, bool)>,
    /// The `@data` line.
    data_line: usize,
}

fn header_error(line: usize, message: impl Into<String>) -> TsError {
    TsError::Header {
        line,
        message: message.into(),
    }
}

fn parse_bool(line: usize, keyword: &str, value: Option<&str>) -> Result<bool, TsError> {
    match value.map(str::to_ascii_lowercase).as_deref() {
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        _ => Err(header_error(
            line,
            std::format!("@{keyword} must be followed by true or false"),
        )),
    }
}

fn parse_count(line: usize, keyword: &str, value: Option<&str>) -> Result<usize, TsError> {
    match value.map(str::parse::<usize>) {
        Some(Ok(n)) if n > 0 => Ok(n),
        _ => Err(header_error(
            line,
            std::format!("@{keyword} must be followed by a whole number ≥ 1"),
        )),
    }
}

/// Stores a header value, refusing a keyword given twice.
fn set_once<V>(
    slot: &mut Option<(usize, V)>,
    line: usize,
    keyword: &str,
    value: V,
) -> Result<(), TsError> {
    if let Some((first, _)) = slot {
        return Err(header_error(
            line,
            std::format!("@{keyword} given twice (first on line {first})"),
        ));
    }
    *slot = Some((line, value));
    Ok(())
}

impl Header {
    /// Reads lines up to and including `@data`.
    fn read(lines: &mut Lines<'_>) -> Result<Self, TsError> {
        let mut h = Self::default();
        let mut problem_line = None;
        loop {
            let Some((line, _, text)) = lines.next_line()? else {
                return Err(TsError::MissingData { line: lines.number });
            };
            // A byte-order mark (some editors write one) is not part of the first line.
            let text = text.trim_start_matches('\u{feff}').trim();
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            let Some(rest) = text.strip_prefix('@') else {
                return Err(TsError::MissingData { line });
            };
            let mut words = rest.split_whitespace();
            let keyword = words.next().unwrap_or("").to_ascii_lowercase();
            let value = words.next();
            match keyword.as_str() {
                "data" => {
                    h.data_line = line;
                    return Ok(h);
                }
                "problemname" => {
                    if let Some(first) = problem_line {
                        return Err(header_error(
                            line,
                            std::format!("@problemName given twice (first on line {first})"),
                        ));
                    }
                    problem_line = Some(line);
                    // The name is the rest of the line (it may contain spaces).
                    let after = rest.trim_start();
                    let name = after.get(keyword.len()..).unwrap_or("").trim();
                    h.problem_name = Some(name.to_string());
                    continue;
                }
                "timestamps" => {
                    let v = parse_bool(line, "timeStamps", value)?;
                    set_once(&mut h.timestamps, line, "timeStamps", v)?;
                    if v {
                        return Err(TsError::Unsupported {
                            line,
                            what: "time stamps (@timeStamps true)",
                        });
                    }
                }
                "missing" => {
                    let v = parse_bool(line, "missing", value)?;
                    set_once(&mut h.missing, line, "missing", v)?;
                }
                "univariate" => {
                    let v = parse_bool(line, "univariate", value)?;
                    set_once(&mut h.univariate, line, "univariate", v)?;
                }
                "dimensions" | "dimension" => {
                    let v = parse_count(line, "dimensions", value)?;
                    set_once(&mut h.dimensions, line, "dimensions", v)?;
                }
                "equallength" => {
                    let v = parse_bool(line, "equalLength", value)?;
                    set_once(&mut h.equal_length, line, "equalLength", v)?;
                }
                "serieslength" => {
                    let v = parse_count(line, "seriesLength", value)?;
                    set_once(&mut h.series_length, line, "seriesLength", v)?;
                }
                "classlabel" => {
                    if !parse_bool(line, "classLabel", value)? {
                        return Err(TsError::Unsupported {
                            line,
                            what: "unlabelled cases (@classLabel false)",
                        });
                    }
                    let mut labels: Vec<String> = Vec::new();
                    for label in words {
                        if labels.iter().any(|l| l == label) {
                            return Err(header_error(
                                line,
                                std::format!("class label {label:?} declared twice"),
                            ));
                        }
                        labels.push(label.to_string());
                    }
                    if labels.is_empty() {
                        return Err(header_error(line, "@classLabel true lists no labels"));
                    }
                    set_once(&mut h.class_labels, line, "classLabel", labels)?;
                    continue;
                }
                "targetlabel" => {
                    return Err(TsError::Unsupported {
                        line,
                        what: "regression targets (@targetLabel)",
                    });
                }
                _ => {
                    return Err(header_error(
                        line,
                        std::format!(
                            "unknown header keyword {:?}",
                            text.split_whitespace().next().unwrap_or("")
                        ),
                    ));
                }
            }
            if words.next().is_some() {
                return Err(header_error(
                    line,
                    std::format!("unexpected text after @{keyword} {}", value.unwrap_or("")),
                ));
            }
        }
    }

    /// Checks the header against the sample type and returns the class names.
    fn check<const C: usize, const K: usize>(&self) -> Result<Vec<String>, TsError> {
        if let Some((line, true)) = self.univariate
            && C != 1
        {
            return Err(TsError::Dimensions {
                line,
                expected: C,
                found: 1,
            });
        }
        if let (Some((line, true)), Some((_, d))) = (self.univariate, self.dimensions)
            && d != 1
        {
            return Err(header_error(
                line,
                std::format!("@univariate true contradicts @dimensions {d}"),
            ));
        }
        if let Some((line, found)) = self.dimensions
            && found != C
        {
            return Err(TsError::Dimensions {
                line,
                expected: C,
                found,
            });
        }
        if let (Some((line, false)), Some((_, n))) = (self.equal_length, self.series_length) {
            return Err(header_error(
                line,
                std::format!("@equalLength false contradicts @seriesLength {n}"),
            ));
        }
        let Some((line, names)) = &self.class_labels else {
            return Err(header_error(
                self.data_line,
                "no @classLabel line before @data",
            ));
        };
        if names.len() != K {
            return Err(TsError::Classes {
                line: *line,
                expected: K,
                found: names.len(),
            });
        }
        Ok(names.clone())
    }
}

/// Reads the data lines after `@data`.
fn read_cases<const C: usize, const T: usize, const K: usize>(
    lines: &mut Lines<'_>,
    format: &TsFormat,
    header: &Header,
    class_names: Vec<String>,
) -> Result<SeqDataset<C, T, K>, TsError> {
    let mut samples: Vec<[[f32; T]; C]> = Vec::new();
    let mut labels = Vec::new();
    let mut lengths = Vec::new();
    let mut blank_line = None;
    let required_length = header.series_length.map(|(_, n)| n);
    let equal_length = matches!(header.equal_length, Some((_, true)));
    // One buffer per channel, reused from case to case.
    let mut series: Vec<Vec<f32>> = (0..C).map(|_| Vec::new()).collect();
    while let Some((line, ended, text)) = lines.next_line()? {
        if text.trim().is_empty() {
            blank_line.get_or_insert(line);
            continue;
        }
        if let Some(blank) = blank_line {
            return Err(TsError::Dimensions {
                line: blank,
                expected: C,
                found: 0,
            });
        }
        if samples.len() >= format.max_cases {
            return Err(TsError::TooLarge {
                line,
                what: "number of cases",
                limit: format.max_cases,
            });
        }
        let found = text.split(':').count() - 1;
        if found != C {
            if !ended && found < C {
                return Err(TsError::Truncated {
                    line,
                    cases: samples.len(),
                });
            }
            return Err(TsError::Dimensions {
                line,
                expected: C,
                found,
            });
        }
        let mut fields = text.split(':');
        for (d, (values, field)) in series.iter_mut().zip(&mut fields).enumerate() {
            parse_series(field, values, line, d + 1)?;
        }
        let length = series[0].len();
        if let Some((d, other)) = series.iter().enumerate().find(|(_, s)| s.len() != length) {
            return Err(TsError::Ragged {
                line,
                dimension: d + 1,
                length: other.len(),
                first: length,
            });
        }
        let expected = required_length.or(if equal_length {
            lengths.first().copied()
        } else {
            None
        });
        if let Some(expected) = expected
            && expected != length
        {
            return Err(TsError::Length {
                line,
                expected,
                found: length,
            });
        }
        let label_text = fields.next().unwrap_or("").trim();
        let Some(label) = class_names.iter().position(|n| n == label_text) else {
            return Err(TsError::Label {
                line,
                text: label_text.to_string(),
            });
        };
        let mut x = [[0.0f32; T]; C];
        for (slot, values) in x.iter_mut().zip(&series) {
            fit(values, slot, format, line)?;
        }
        samples.push(x);
        labels.push(label);
        lengths.push(length);
        lines.cases = samples.len();
    }
    if samples.is_empty() {
        return Err(TsError::NoCases { line: lines.number });
    }
    Ok(SeqDataset {
        samples,
        labels,
        lengths,
        class_names,
        problem_name: header.problem_name.clone().unwrap_or_default(),
    })
}

/// Parses one dimension's comma-separated values into `values`.
fn parse_series(
    field: &str,
    values: &mut Vec<f32>,
    line: usize,
    dimension: usize,
) -> Result<(), TsError> {
    values.clear();
    for (i, text) in field.split(',').enumerate() {
        let text = text.trim();
        let step = i + 1;
        if text == "?" {
            return Err(TsError::Missing {
                line,
                dimension,
                step,
            });
        }
        match text.parse::<f32>() {
            Ok(v) if v.is_finite() => values.push(v),
            _ => {
                return Err(TsError::NotANumber {
                    line,
                    dimension,
                    step,
                    text: text.to_string(),
                });
            }
        }
    }
    Ok(())
}

/// Copies a series of any length into `T` steps as `format` says.
fn fit<const T: usize>(
    values: &[f32],
    out: &mut [f32; T],
    format: &TsFormat,
    line: usize,
) -> Result<(), TsError> {
    let length = values.len();
    let refuse = TsError::Fit {
        line,
        length,
        steps: T,
    };
    if length >= T {
        let start = match format.crop {
            _ if length == T => 0,
            Crop::Refuse => return Err(refuse),
            Crop::KeepFirst => 0,
            Crop::KeepLast => length - T,
        };
        out.copy_from_slice(&values[start..start + T]);
        return Ok(());
    }
    let (data, rest) = match format.pad {
        Pad::Refuse => return Err(refuse),
        Pad::ZerosBefore => {
            let (zeros, data) = out.split_at_mut(T - length);
            zeros.fill(0.0);
            (data, None)
        }
        Pad::ZerosAfter => {
            let (data, zeros) = out.split_at_mut(length);
            zeros.fill(0.0);
            (data, None)
        }
        Pad::RepeatLast => {
            let (data, tail) = out.split_at_mut(length);
            (data, Some(tail))
        }
    };
    data.copy_from_slice(values);
    if let (Some(tail), Some(&last)) = (rest, values.last()) {
        tail.fill(last);
    }
    Ok(())
}
