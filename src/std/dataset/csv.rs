//! CSV loaders (plain or gzip) for "features…, label" rows: the 8×8 digits and the MNIST
//! subset committed under `data/`.

extern crate std;

use super::{Dataset, DatasetError};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::string::String;
use std::vec::Vec;

/// `data/digits.csv.gz` in this crate's source tree: 1797 8×8 digits (UCI, CC BY 4.0).
pub const DIGITS_CSV: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv.gz");

/// `data/mnist_5k.csv.gz` in this crate's source tree: 5000 MNIST digits (CC BY-SA 3.0).
pub const MNIST_CSV: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist_5k.csv.gz");

/// How to read a CSV file of `D` feature columns followed by one integer label column.
///
/// Each feature must lie in `0..=max_value` and is stored divided by `max_value`, so
/// features come out in `[0, 1]`. No header line; fields separated by `,`; `\n` or `\r\n`
/// line ends; blank lines only at the very end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CsvFormat {
    /// The largest value a feature may take; features are divided by it.
    pub max_value: f32,
    /// The exact number of rows the file must have, if fixed.
    pub rows: Option<usize>,
}

impl CsvFormat {
    /// The 8×8 digits: pixels 0..=16, 1797 rows.
    pub const DIGITS: Self = Self {
        max_value: 16.0,
        rows: Some(1797),
    };
    /// The MNIST subset: pixels 0..=255, 5000 rows.
    pub const MNIST: Self = Self {
        max_value: 255.0,
        rows: Some(5000),
    };
}

/// Loads the 8×8 digits (64 features scaled to `[0, 1]`, labels 0–9), for example from
/// [`DIGITS_CSV`].
///
/// # Errors
/// As [`load_csv`] with [`CsvFormat::DIGITS`].
pub fn digits(path: impl AsRef<Path>) -> Result<Dataset<64, 10>, DatasetError> {
    load_csv(path, &CsvFormat::DIGITS)
}

/// Loads the MNIST subset (784 features scaled to `[0, 1]`, labels 0–9), for example from
/// [`MNIST_CSV`]. The file is sorted by label: shuffle before splitting.
///
/// # Errors
/// As [`load_csv`] with [`CsvFormat::MNIST`].
pub fn mnist(path: impl AsRef<Path>) -> Result<Dataset<784, 10>, DatasetError> {
    load_csv(path, &CsvFormat::MNIST)
}

/// Loads a CSV file, gzip-compressed or not (detected from the first two bytes).
///
/// # Errors
/// [`DatasetError::Open`] when the file cannot be opened; otherwise as [`read_csv`].
pub fn load_csv<const D: usize, const C: usize>(
    path: impl AsRef<Path>,
    format: &CsvFormat,
) -> Result<Dataset<D, C>, DatasetError> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|source| DatasetError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    read_csv(file, format)
}

/// Reads CSV rows of `D` features and a label from any reader, gzip-compressed or not.
///
/// ```
/// use stacknet::std::dataset::{read_csv, CsvFormat, Dataset};
/// let text = "0,8,16,1\n16,0,0,0\n";
/// let fmt = CsvFormat { max_value: 16.0, rows: None };
/// let d: Dataset<3, 2> = read_csv(text.as_bytes(), &fmt).unwrap();
/// assert_eq!(d.features()[0], [0.0, 0.5, 1.0]);
/// assert_eq!(d.labels(), &[1, 0]);
/// let bad = read_csv::<3, 2, _>("0,8,16,2\n".as_bytes(), &fmt).unwrap_err();
/// assert_eq!(bad.to_string(), "line 1: label \"2\" is not a class index below 2");
/// ```
///
/// # Errors
/// The first problem found, with its 1-based line: [`DatasetError::Columns`],
/// [`DatasetError::NotANumber`], [`DatasetError::ValueOutOfRange`], [`DatasetError::Label`],
/// [`DatasetError::Truncated`] (cut-off gzip stream, a last line cut mid-row, or fewer
/// rows than `format.rows`), [`DatasetError::TooManyRows`], and [`DatasetError::Read`] for other I/O failures. Nothing is returned
/// on error.
pub fn read_csv<const D: usize, const C: usize, R: Read>(
    reader: R,
    format: &CsvFormat,
) -> Result<Dataset<D, C>, DatasetError> {
    if !(format.max_value.is_finite() && format.max_value > 0.0) {
        return Err(DatasetError::Parameter("max_value must be finite and > 0"));
    }
    let mut buffered = BufReader::new(reader);
    let is_gzip = match buffered.fill_buf() {
        Ok(head) => head.starts_with(&[0x1f, 0x8b]),
        Err(source) => return Err(DatasetError::Read { line: 1, source }),
    };
    if is_gzip {
        let decoder = flate2::bufread::MultiGzDecoder::new(buffered);
        parse(BufReader::new(decoder), format)
    } else {
        parse(buffered, format)
    }
}

fn parse<const D: usize, const C: usize, R: BufRead>(
    mut reader: R,
    format: &CsvFormat,
) -> Result<Dataset<D, C>, DatasetError> {
    let mut features: Vec<[f32; D]> = Vec::with_capacity(format.rows.unwrap_or(0));
    let mut labels: Vec<usize> = Vec::with_capacity(format.rows.unwrap_or(0));
    let mut raw = Vec::new();
    let mut line = 0;
    let mut blank_line = None;
    let inv = 1.0 / format.max_value;
    loop {
        raw.clear();
        line += 1;
        match reader.read_until(b'\n', &mut raw) {
            Ok(0) => break,
            Ok(_) => {}
            Err(source) => return Err(read_error(source, line, features.len(), format)),
        }
        let ended = raw.last() == Some(&b'\n');
        let text = trim_line_end(&raw);
        if text.iter().all(u8::is_ascii_whitespace) {
            blank_line.get_or_insert(line);
            continue;
        }
        if let Some(blank) = blank_line {
            return Err(DatasetError::Columns {
                line: blank,
                expected: D + 1,
                found: 0,
            });
        }
        if let Some(expected) = format.rows
            && features.len() >= expected
        {
            return Err(DatasetError::TooManyRows { line, expected });
        }
        let found = text.split(|&b| b == b',').count();
        if found != D + 1 {
            if !ended && found < D + 1 {
                // The file stops in the middle of its last row.
                return Err(DatasetError::Truncated {
                    line,
                    rows: features.len(),
                    expected: format.rows,
                });
            }
            return Err(DatasetError::Columns {
                line,
                expected: D + 1,
                found,
            });
        }
        let mut x = [0.0f32; D];
        let mut fields = text.split(|&b| b == b',');
        for (column, (slot, field)) in x.iter_mut().zip(&mut fields).enumerate() {
            let value = parse_value(field, line, column + 1)?;
            if !(0.0..=format.max_value).contains(&value) {
                return Err(DatasetError::ValueOutOfRange {
                    line,
                    column: column + 1,
                    value,
                    max: format.max_value,
                });
            }
            *slot = value * inv;
        }
        let label_field = fields.next().unwrap_or_default();
        labels.push(parse_label(label_field, line, C)?);
        features.push(x);
    }
    if let Some(n) = format.rows
        && features.len() < n
    {
        return Err(DatasetError::Truncated {
            line,
            rows: features.len(),
            expected: Some(n),
        });
    }
    // Every row was checked above, so this cannot fail; keep the invariant in one place.
    Dataset::from_parts(features, labels)
}

fn read_error(source: io::Error, line: usize, rows: usize, format: &CsvFormat) -> DatasetError {
    if source.kind() == io::ErrorKind::UnexpectedEof {
        DatasetError::Truncated {
            line,
            rows,
            expected: format.rows,
        }
    } else {
        DatasetError::Read { line, source }
    }
}

fn trim_line_end(raw: &[u8]) -> &[u8] {
    let mut end = raw.len();
    while end > 0 && matches!(raw[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    &raw[..end]
}

fn field_text(field: &[u8]) -> String {
    String::from_utf8_lossy(field).trim().into()
}

fn parse_value(field: &[u8], line: usize, column: usize) -> Result<f32, DatasetError> {
    let text = core::str::from_utf8(field).map(str::trim).unwrap_or("");
    match text.parse::<f32>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(DatasetError::NotANumber {
            line,
            column,
            text: field_text(field),
        }),
    }
}

fn parse_label(field: &[u8], line: usize, classes: usize) -> Result<usize, DatasetError> {
    let text = core::str::from_utf8(field).map(str::trim).unwrap_or("");
    match text.parse::<usize>() {
        Ok(label) if label < classes => Ok(label),
        _ => Err(DatasetError::Label {
            line,
            text: field_text(field),
            classes,
        }),
    }
}
