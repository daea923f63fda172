//! CSV loaders (plain or gzip) for rows of numeric features and a label (or regression
//! targets): any numeric table, such as scikit-learn's bundled CSVs, as well as the 8×8
//! digits and the MNIST subset committed under `data/`.
//!
//! Every loader reads the whole input before returning, checks every row, and returns
//! either the complete data or an error naming the 1-based line: never part of a file.
//! Input size is bounded (see [`CsvFormat::max_line_bytes`] and [`CsvFormat::max_bytes`]),
//! so a hostile or broken file (a gzip bomb, one endless line) costs bounded memory.

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

/// `data/iris.csv`: scikit-learn's iris (150 × 4 features, 3 classes; CC BY 4.0). Its first
/// line is a header: load with `CsvFormat::new().with_header()`.
pub const IRIS_CSV: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/iris.csv");

/// `data/wine_data.csv`: scikit-learn's wine (178 × 13 features, 3 classes; CC BY 4.0),
/// with a header line.
pub const WINE_CSV: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/wine_data.csv");

/// `data/breast_cancer.csv`: scikit-learn's breast cancer Wisconsin (569 × 30 features,
/// 0 malignant / 1 benign; CC BY 4.0), with a header line.
pub const BREAST_CANCER_CSV: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/breast_cancer.csv");

/// Default [`CsvFormat::max_line_bytes`]: 1 MiB, enough for 100 000 numeric columns.
pub const DEFAULT_MAX_LINE_BYTES: usize = 1 << 20;

/// Default [`CsvFormat::max_bytes`]: 256 MiB of (decompressed) text. The loaded data
/// takes at most about three times that in memory.
pub const DEFAULT_MAX_BYTES: u64 = 256 << 20;

/// Which column holds the label (or the first of the regression targets).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Column {
    /// The last column (the last `T` columns for `T` regression targets).
    #[default]
    Last,
    /// The column with this 0-based index.
    Index(usize),
    /// The column with this name in the header row (needs [`CsvFormat::header`]).
    Named(String),
}

/// How to read a CSV file of `D` numeric feature columns and one label column (or `T`
/// regression target columns).
///
/// Start from [`CsvFormat::new`] (no header, label last, values as written) and change
/// what differs:
///
/// ```
/// use stacknet::std::dataset::{CsvFormat, Dataset, read_csv};
/// let text = "height,weight,species\n1.5,-20e3,1\n0.25,7,0\n";
/// let format = CsvFormat::new().with_header().label_named("species");
/// let d: Dataset<2, 2> = read_csv(text.as_bytes(), &format).unwrap();
/// assert_eq!(d.features(), &[[1.5, -20e3], [0.25, 7.0]]);
/// assert_eq!(d.labels(), &[1, 0]);
/// ```
///
/// Fields are separated by `,`; lines end in `\n` or `\r\n`; blank lines may only come at
/// the very end. A UTF-8 byte-order mark before the first line is ignored.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvFormat {
    /// The first line is a header (column names, or any text): it is not data.
    pub header: bool,
    /// Where the label (or the first regression target) is.
    pub label: Column,
    /// `Some(max)`: every feature must lie in `0..=max` and is stored divided by `max`
    /// (pixels: 16 for the digits, 255 for MNIST). `None`: any finite value, as written.
    pub max_value: Option<f32>,
    /// The exact number of data rows the file must have, if fixed. It also bounds the text
    /// read: at most `(rows + 2) · max_line_bytes` bytes.
    pub rows: Option<usize>,
    /// The longest line accepted, in bytes without the line end. A longer line is refused
    /// as soon as this many bytes are read ([`DatasetError::LineTooLong`]).
    pub max_line_bytes: usize,
    /// The most (decompressed) bytes read in total ([`DatasetError::TooLarge`]).
    pub max_bytes: u64,
}

impl Default for CsvFormat {
    fn default() -> Self {
        Self::new()
    }
}

impl CsvFormat {
    /// No header, label in the last column, features as written (any sign and magnitude),
    /// any number of rows, default size limits.
    pub const fn new() -> Self {
        Self {
            header: false,
            label: Column::Last,
            max_value: None,
            rows: None,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }

    /// The 8×8 digits: pixels 0..=16 scaled to `[0, 1]`, 1797 rows.
    pub const DIGITS: Self = Self {
        header: false,
        label: Column::Last,
        max_value: Some(16.0),
        rows: Some(1797),
        max_line_bytes: DEFAULT_MAX_LINE_BYTES,
        max_bytes: DEFAULT_MAX_BYTES,
    };

    /// The MNIST subset: pixels 0..=255 scaled to `[0, 1]`, 5000 rows.
    pub const MNIST: Self = Self {
        header: false,
        label: Column::Last,
        max_value: Some(255.0),
        rows: Some(5000),
        max_line_bytes: DEFAULT_MAX_LINE_BYTES,
        max_bytes: DEFAULT_MAX_BYTES,
    };

    /// The first line is a header, not data.
    pub fn with_header(mut self) -> Self {
        self.header = true;
        self
    }

    /// The label is in column `index` (0-based).
    pub fn label_index(mut self, index: usize) -> Self {
        self.label = Column::Index(index);
        self
    }

    /// The label is the column called `name` in the header (turns the header on).
    pub fn label_named(mut self, name: &str) -> Self {
        self.label = Column::Named(name.into());
        self.header = true;
        self
    }

    /// Features must lie in `0..=max` and are divided by it.
    pub fn scaled_from(mut self, max: f32) -> Self {
        self.max_value = Some(max);
        self
    }

    /// The file must have exactly `rows` data rows.
    pub fn exact_rows(mut self, rows: usize) -> Self {
        self.rows = Some(rows);
        self
    }

    /// The longest accepted line, in bytes.
    pub fn max_line_bytes(mut self, bytes: usize) -> Self {
        self.max_line_bytes = bytes;
        self
    }

    /// The most bytes of text read in total.
    pub fn max_bytes(mut self, bytes: u64) -> Self {
        self.max_bytes = bytes;
        self
    }

    /// The byte budget actually applied: `max_bytes`, and when the row count is fixed at
    /// most `(rows + 2)` lines of `max_line_bytes` (plus line ends), so a small request
    /// cannot be made to read a huge stream.
    fn byte_budget(&self) -> u64 {
        let per_line = (self.max_line_bytes as u64).saturating_add(2);
        match self.rows {
            Some(rows) => (rows as u64)
                .saturating_add(2)
                .saturating_mul(per_line)
                .min(self.max_bytes),
            None => self.max_bytes,
        }
    }

    fn check(&self) -> Result<(), DatasetError> {
        if let Some(max) = self.max_value {
            // A subnormal max would make 1/max infinite and every feature NaN.
            if !(max.is_normal() && max > 0.0 && (1.0 / max).is_finite()) {
                return Err(DatasetError::Parameter(
                    "max_value must be a normal, finite number > 0",
                ));
            }
        }
        if self.max_line_bytes == 0 || self.max_bytes == 0 {
            return Err(DatasetError::Parameter(
                "max_line_bytes and max_bytes must be > 0",
            ));
        }
        if matches!(self.label, Column::Named(_)) && !self.header {
            return Err(DatasetError::Parameter(
                "a label column chosen by name needs a header row",
            ));
        }
        Ok(())
    }
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

fn open(path: &Path) -> Result<File, DatasetError> {
    File::open(path).map_err(|source| DatasetError::Open {
        path: path.to_path_buf(),
        source,
    })
}

/// Loads a CSV file, gzip-compressed or not (detected from its first two bytes).
///
/// # Errors
/// [`DatasetError::Open`] when the file cannot be opened; otherwise as [`read_csv`].
pub fn load_csv<const D: usize, const C: usize>(
    path: impl AsRef<Path>,
    format: &CsvFormat,
) -> Result<Dataset<D, C>, DatasetError> {
    read_csv(open(path.as_ref())?, format)
}

/// Reads CSV rows of `D` features and an integer class label below `C` (0 or 1 when
/// `C == 1`, a one-output binary classifier) from any reader, gzip-compressed or not.
///
/// ```
/// use stacknet::std::dataset::{read_csv, CsvFormat, Dataset};
/// let text = "0,8,16,1\n16,0,0,0\n";
/// let fmt = CsvFormat::new().scaled_from(16.0);
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
/// [`DatasetError::UnknownColumn`], [`DatasetError::Truncated`] (cut-off gzip stream, a last
/// line cut mid-row, or fewer rows than `format.rows`), [`DatasetError::TooManyRows`],
/// [`DatasetError::LineTooLong`], [`DatasetError::TooLarge`], [`DatasetError::Parameter`]
/// for an invalid format, and [`DatasetError::Read`] for other I/O failures (including
/// bytes after the end of a gzip stream). Nothing is returned on error.
pub fn read_csv<const D: usize, const C: usize, R: Read>(
    reader: R,
    format: &CsvFormat,
) -> Result<Dataset<D, C>, DatasetError> {
    let classes = Dataset::<D, C>::classes();
    let mut labels = Vec::new();
    let features = read_rows::<D, 1, _>(reader, format, |[field], line, _| {
        let label = parse_label(field, line, classes)?;
        labels.push(label);
        Ok(())
    })?;
    // Every row was checked above, so this cannot fail; keep the invariant in one place.
    Dataset::from_parts(features, labels)
}

/// Loads a CSV file of `D` features and `T` regression targets; see [`read_csv_targets`].
///
/// # Errors
/// [`DatasetError::Open`] when the file cannot be opened; otherwise as [`read_csv`].
#[allow(clippy::type_complexity)]
pub fn load_csv_targets<const D: usize, const T: usize>(
    path: impl AsRef<Path>,
    format: &CsvFormat,
) -> Result<(Vec<[f32; D]>, Vec<[f32; T]>), DatasetError> {
    read_csv_targets(open(path.as_ref())?, format)
}

/// Reads CSV rows of `D` features and `T` numeric regression targets (the `T` consecutive
/// columns starting at `format.label`; with [`Column::Last`], the last `T`). Targets are
/// taken as written (never scaled). Ready for [`Workspace::batch`](crate::Workspace::batch)
/// with an `Mse` loss.
///
/// ```
/// use stacknet::std::dataset::{read_csv_targets, CsvFormat};
/// let text = "x,y\n1,-2.5\n2,3e2\n";
/// let (x, y) = read_csv_targets::<1, 1, _>(text.as_bytes(), &CsvFormat::new().with_header())
///     .unwrap();
/// assert_eq!((x, y), (vec![[1.0], [2.0]], vec![[-2.5], [300.0]]));
/// ```
///
/// # Errors
/// As [`read_csv`] (a target that is not a finite number is [`DatasetError::NotANumber`]).
#[allow(clippy::type_complexity)]
pub fn read_csv_targets<const D: usize, const T: usize, R: Read>(
    reader: R,
    format: &CsvFormat,
) -> Result<(Vec<[f32; D]>, Vec<[f32; T]>), DatasetError> {
    let mut targets = Vec::new();
    let features = read_rows::<D, T, _>(reader, format, |fields, line, column| {
        let mut t = [0.0; T];
        for (k, (slot, field)) in t.iter_mut().zip(fields).enumerate() {
            *slot = parse_value(field, line, column + k + 1)?;
        }
        targets.push(t);
        Ok(())
    })?;
    Ok((features, targets))
}

/// Decompresses (when gzip) and splits into checked rows; `on_target` receives each row's
/// `T` target fields, its line and the 0-based column of the first target, after the
/// features parsed cleanly. Returns the features.
fn read_rows<const D: usize, const T: usize, F>(
    reader: impl Read,
    format: &CsvFormat,
    on_target: F,
) -> Result<Vec<[f32; D]>, DatasetError>
where
    F: FnMut([&[u8]; T], usize, usize) -> Result<(), DatasetError>,
{
    format.check()?;
    let columns = D + T;
    if let Column::Index(i) = format.label
        && i.checked_add(T).is_none_or(|end| end > columns)
    {
        return Err(DatasetError::Parameter(
            "the label column index is past the last column",
        ));
    }
    let (head, reader) = sniff(reader)?;
    let is_gzip = head.starts_with(&[0x1f, 0x8b]);
    let stream = io::Cursor::new(head).chain(reader);
    if is_gzip {
        let decoder = GzMembers::new(BufReader::new(stream));
        Rows::<D, T, _, _>::new(BufReader::new(decoder), format, on_target).run()
    } else {
        Rows::<D, T, _, _>::new(BufReader::new(stream), format, on_target).run()
    }
}

/// Reads the first two bytes however few bytes each `read` returns, so gzip detection
/// does not depend on the reader's chunking.
fn sniff<R: Read>(mut reader: R) -> Result<(Vec<u8>, R), DatasetError> {
    let mut head = [0u8; 2];
    let mut filled = 0;
    while filled < head.len() {
        match reader.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(source) => return Err(DatasetError::Read { line: 1, source }),
        }
    }
    Ok((head[..filled].to_vec(), reader))
}

/// A gzip stream of one or more members (like `gzip -c a b`), and nothing else: bytes after
/// the last member that do not start another member are an error, not ignored and not
/// reported as truncation.
struct GzMembers<R: BufRead> {
    decoder: Option<flate2::bufread::GzDecoder<R>>,
}

impl<R: BufRead> GzMembers<R> {
    fn new(inner: R) -> Self {
        Self {
            decoder: Some(flate2::bufread::GzDecoder::new(inner)),
        }
    }
}

impl<R: BufRead> Read for GzMembers<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let Some(decoder) = self.decoder.as_mut() else {
                return Ok(0);
            };
            let n = decoder.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            // This member ended (its CRC and length checked by the decoder): is there more?
            let Some(decoder) = self.decoder.take() else {
                return Ok(0);
            };
            let mut inner = decoder.into_inner();
            let next = loop {
                match inner.fill_buf() {
                    Ok(rest) => break rest.first().copied(),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            };
            match next {
                None => return Ok(0),
                Some(0x1f) => self.decoder = Some(flate2::bufread::GzDecoder::new(inner)),
                Some(_) => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "bytes after the end of the gzip stream",
                    ));
                }
            }
        }
    }
}

/// The row-by-row parser state.
struct Rows<'f, const D: usize, const T: usize, R, F> {
    reader: R,
    format: &'f CsvFormat,
    on_target: F,
    features: Vec<[f32; D]>,
    raw: Vec<u8>,
    line: usize,
    read: u64,
    /// 0-based column of the first target.
    target_column: usize,
}

impl<'f, const D: usize, const T: usize, R, F> Rows<'f, D, T, R, F>
where
    R: BufRead,
    F: FnMut([&[u8]; T], usize, usize) -> Result<(), DatasetError>,
{
    fn new(reader: R, format: &'f CsvFormat, on_target: F) -> Self {
        // Reserve for the expected rows, but never more than a modest amount up front: a
        // huge `rows` must not allocate (or abort) before a single line has been read.
        let reserve = format.rows.unwrap_or(0).min(1 << 14);
        Self {
            reader,
            format,
            on_target,
            features: Vec::with_capacity(reserve),
            raw: Vec::new(),
            line: 0,
            read: 0,
            target_column: match format.label {
                Column::Index(i) => i,
                _ => D,
            },
        }
    }

    /// Reads the next line into `raw`: `Ok(false)` at the end of the data. Enforces the
    /// line and total size limits before the line is kept.
    fn next_line(&mut self) -> Result<bool, DatasetError> {
        self.raw.clear();
        self.line += 1;
        let max_line = self.format.max_line_bytes;
        // Room for the line end, plus one byte to tell "exactly at the limit" from "over".
        let cap = (max_line as u64).saturating_add(3);
        let got = match (&mut self.reader)
            .take(cap)
            .read_until(b'\n', &mut self.raw)
        {
            Ok(n) => n,
            Err(source) => return Err(self.read_error(source)),
        };
        if got == 0 {
            return Ok(false);
        }
        self.read = self.read.saturating_add(got as u64);
        if trim_line_end(&self.raw).len() > max_line {
            return Err(DatasetError::LineTooLong {
                line: self.line,
                limit: max_line,
            });
        }
        let budget = self.format.byte_budget();
        if self.read > budget {
            return Err(DatasetError::TooLarge {
                line: self.line,
                limit: budget,
            });
        }
        if self.line == 1 && self.raw.starts_with(b"\xef\xbb\xbf") {
            self.raw.drain(..3);
        }
        Ok(true)
    }

    fn read_error(&self, source: io::Error) -> DatasetError {
        if source.kind() == io::ErrorKind::UnexpectedEof {
            DatasetError::Truncated {
                line: self.line,
                rows: self.features.len(),
                expected: self.format.rows,
            }
        } else {
            DatasetError::Read {
                line: self.line,
                source,
            }
        }
    }

    fn header(&mut self) -> Result<(), DatasetError> {
        if !self.format.header {
            return Ok(());
        }
        let columns = D + T;
        if !self.next_line()? {
            return Err(DatasetError::Truncated {
                line: 1,
                rows: 0,
                expected: self.format.rows,
            });
        }
        let text = trim_line_end(&self.raw);
        if let Column::Named(name) = &self.format.label {
            let names: Vec<String> = text.split(|&b| b == b',').map(header_name).collect();
            let Some(i) = names.iter().position(|n| n == name.trim()) else {
                return Err(DatasetError::UnknownColumn {
                    line: 1,
                    name: name.clone(),
                });
            };
            if names.len() != columns {
                return Err(DatasetError::Columns {
                    line: 1,
                    expected: columns,
                    found: names.len(),
                });
            }
            if i + T > columns {
                return Err(DatasetError::UnknownColumn {
                    line: 1,
                    name: name.clone(),
                });
            }
            self.target_column = i;
        }
        Ok(())
    }

    fn run(mut self) -> Result<Vec<[f32; D]>, DatasetError> {
        self.header()?;
        let columns = D + T;
        let mut blank_line = None;
        while self.next_line()? {
            let line = self.line;
            let ended = self.raw.last() == Some(&b'\n');
            let text = trim_line_end(&self.raw);
            if text.iter().all(u8::is_ascii_whitespace) {
                blank_line.get_or_insert(line);
                continue;
            }
            if let Some(blank) = blank_line {
                return Err(DatasetError::Columns {
                    line: blank,
                    expected: columns,
                    found: 0,
                });
            }
            if let Some(expected) = self.format.rows
                && self.features.len() >= expected
            {
                return Err(DatasetError::TooManyRows { line, expected });
            }
            let found = text.split(|&b| b == b',').count();
            if found != columns {
                if !ended && found < columns {
                    // The file stops in the middle of its last row.
                    return Err(DatasetError::Truncated {
                        line,
                        rows: self.features.len(),
                        expected: self.format.rows,
                    });
                }
                return Err(DatasetError::Columns {
                    line,
                    expected: columns,
                    found,
                });
            }
            let mut x = [0.0f32; D];
            let mut targets: [&[u8]; T] = [&[]; T];
            let mut next_feature = x.iter_mut();
            let first_target = self.target_column;
            for (column, field) in text.split(|&b| b == b',').enumerate() {
                if (first_target..first_target + T).contains(&column) {
                    if let Some(slot) = targets.get_mut(column - first_target) {
                        *slot = field;
                    }
                    continue;
                }
                let value = parse_value(field, line, column + 1)?;
                let value = match self.format.max_value {
                    Some(max) if !(0.0..=max).contains(&value) => {
                        return Err(DatasetError::ValueOutOfRange {
                            line,
                            column: column + 1,
                            value,
                            max,
                        });
                    }
                    Some(max) => value / max,
                    None => value,
                };
                if let Some(slot) = next_feature.next() {
                    *slot = value;
                }
            }
            (self.on_target)(targets, line, first_target)?;
            self.features.push(x);
        }
        if let Some(n) = self.format.rows
            && self.features.len() < n
        {
            return Err(DatasetError::Truncated {
                line: self.line,
                rows: self.features.len(),
                expected: Some(n),
            });
        }
        Ok(self.features)
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

/// A header cell as a name: trimmed, surrounding double quotes removed.
fn header_name(field: &[u8]) -> String {
    let text = field_text(field);
    let unquoted = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(&text);
    unquoted.trim().into()
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
