//! Why a dataset could not be loaded or built.

extern crate std;

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::string::String;

/// Why a dataset could not be loaded or built. Every variant that comes from a file names
/// the 1-based line where the problem was found, so the file can be fixed by hand.
///
/// A loader that returns this error returns no data at all: there is no half-loaded dataset.
#[derive(Debug)]
#[non_exhaustive]
pub enum DatasetError {
    /// The file could not be opened (missing, unreadable).
    Open {
        /// The path that was tried.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// Reading failed partway, for example a corrupt gzip stream.
    Read {
        /// The line being read when it failed.
        line: usize,
        /// What the reader said.
        source: io::Error,
    },
    /// The data ended early: a cut-off gzip stream, or fewer rows than the format requires.
    Truncated {
        /// The line where the data ended (one past the last complete row).
        line: usize,
        /// Complete rows read.
        rows: usize,
        /// Rows required, when the format fixes the count.
        expected: Option<usize>,
    },
    /// A row has the wrong number of comma-separated values.
    Columns {
        /// The offending line.
        line: usize,
        /// Values a row must have (features + label).
        expected: usize,
        /// Values found.
        found: usize,
    },
    /// The file has more rows than the format allows.
    TooManyRows {
        /// The first row too many.
        line: usize,
        /// Rows the format requires.
        expected: usize,
    },
    /// A value is not a number (or is NaN or infinite).
    NotANumber {
        /// The offending line.
        line: usize,
        /// The 1-based column.
        column: usize,
        /// The text found there.
        text: String,
    },
    /// A feature value is outside the range the format allows (for example a pixel > 16).
    ValueOutOfRange {
        /// The offending line (the 1-based sample number for data built in memory).
        line: usize,
        /// The 1-based column (the feature index + 1 for data built in memory).
        column: usize,
        /// The value found.
        value: f32,
        /// The largest value allowed (the smallest is 0).
        max: f32,
    },
    /// A label is not an integer class index below the number of classes.
    Label {
        /// The offending line (the 1-based sample number for data built in memory).
        line: usize,
        /// The label as written.
        text: String,
        /// The number of classes.
        classes: usize,
    },
    /// Features and labels have different lengths.
    LengthMismatch {
        /// Number of feature vectors.
        features: usize,
        /// Number of labels.
        labels: usize,
    },
    /// A generator parameter is invalid (for example a negative or NaN noise level).
    Parameter(&'static str),
    /// A line is longer than [`CsvFormat::max_line_bytes`](super::CsvFormat::max_line_bytes).
    LineTooLong {
        /// The offending line.
        line: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// The (decompressed) text is larger than the format allows (see
    /// [`CsvFormat::max_bytes`](super::CsvFormat::max_bytes)).
    TooLarge {
        /// The line being read when the limit was passed.
        line: usize,
        /// The limit in bytes.
        limit: u64,
    },
    /// The header has no column with the requested name.
    UnknownColumn {
        /// The header line.
        line: usize,
        /// The name asked for.
        name: String,
    },
    /// A sample index (in a subset or split) is past the end of the dataset.
    Index {
        /// The index.
        index: usize,
        /// The dataset's length.
        len: usize,
    },
}

impl fmt::Display for DatasetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Open { path, source } => {
                write!(f, "cannot open {}: {source}", path.display())
            }
            Self::Read { line, source } => write!(f, "line {line}: read error: {source}"),
            Self::Truncated {
                line,
                rows,
                expected: Some(n),
            } => write!(
                f,
                "line {line}: data truncated after {rows} rows, expected {n}"
            ),
            Self::Truncated {
                line,
                rows,
                expected: None,
            } => write!(f, "line {line}: data truncated after {rows} rows"),
            Self::Columns {
                line,
                expected,
                found,
            } => write!(f, "line {line}: expected {expected} columns, found {found}"),
            Self::TooManyRows { line, expected } => {
                write!(f, "line {line}: more than the expected {expected} rows")
            }
            Self::NotANumber { line, column, text } => {
                write!(f, "line {line}, column {column}: {text:?} is not a number")
            }
            Self::ValueOutOfRange {
                line,
                column,
                value,
                max,
            } => write!(
                f,
                "line {line}, column {column}: value {value} outside 0..={max}"
            ),
            Self::Label {
                line,
                text,
                classes,
            } => write!(
                f,
                "line {line}: label {text:?} is not a class index below {classes}"
            ),
            Self::LengthMismatch { features, labels } => {
                write!(f, "{features} feature vectors but {labels} labels")
            }
            Self::Parameter(what) => write!(f, "invalid parameter: {what}"),
            Self::LineTooLong { line, limit } => {
                write!(f, "line {line}: longer than the limit of {limit} bytes")
            }
            Self::TooLarge { line, limit } => write!(
                f,
                "line {line}: more than the limit of {limit} bytes of text for this format"
            ),
            Self::UnknownColumn { line, name } => {
                write!(f, "line {line}: the header has no column named {name:?}")
            }
            Self::Index { index, len } => {
                write!(f, "sample index {index} is past the end ({len} samples)")
            }
        }
    }
}

impl std::error::Error for DatasetError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Open { source, .. } | Self::Read { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl DatasetError {
    /// The 1-based line the error refers to, when it comes from a file row.
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::Read { line, .. }
            | Self::Truncated { line, .. }
            | Self::Columns { line, .. }
            | Self::TooManyRows { line, .. }
            | Self::NotANumber { line, .. }
            | Self::ValueOutOfRange { line, .. }
            | Self::Label { line, .. }
            | Self::LineTooLong { line, .. }
            | Self::TooLarge { line, .. }
            | Self::UnknownColumn { line, .. } => Some(*line),
            _ => None,
        }
    }
}
