//! The CSV loader on ordinary tabular data (headers, any sign and magnitude, label column by
//! name or index, regression targets, one-output binary labels) and the bounds of issue 13:
//! caller parameters and hostile inputs give errors, never a panic, an abort or unbounded
//! memory.
#![cfg(feature = "std")]

use flate2::{Compression, write::GzEncoder};
use stacknet::std::dataset::{
    self, Column, CsvFormat, Dataset, DatasetError, read_csv, read_csv_targets,
};
use std::io::{Read, Write};

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// A reader that returns at most one byte per `read`.
struct OneByte<'a>(&'a [u8]);

impl Read for OneByte<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match (self.0.split_first(), buf.first_mut()) {
            (Some((&b, rest)), Some(slot)) => {
                *slot = b;
                self.0 = rest;
                Ok(1)
            }
            _ => Ok(0),
        }
    }
}

#[test]
fn sklearn_style_header_negative_values_and_label_last() {
    // scikit-learn's bundled CSVs start with "n_samples,n_features,class names..".
    let text = "3,2,neg,pos\n-1.5,2e3,0\n0.25,-7,1\n1e-3,0,1\n";
    let d: Dataset<2, 2> = read_csv(text.as_bytes(), &CsvFormat::new().with_header()).unwrap();
    assert_eq!(d.features(), &[[-1.5, 2000.0], [0.25, -7.0], [1e-3, 0.0]]);
    assert_eq!(d.labels(), &[0, 1, 1]);
    // Without the header option line 1 is data, and the error says so.
    let err = read_csv::<2, 2, _>(text.as_bytes(), &CsvFormat::new()).unwrap_err();
    assert!(
        matches!(err, DatasetError::Columns { line: 1, .. }),
        "{err:?}"
    );
}

#[test]
fn label_by_name_or_index() {
    let text = "\u{feff}class, \"a\" ,b\n2,1,-1\n0,3,4\n";
    let by_name = CsvFormat::new().label_named("class");
    let d: Dataset<2, 3> = read_csv(text.as_bytes(), &by_name).unwrap();
    assert_eq!(d.features(), &[[1.0, -1.0], [3.0, 4.0]]);
    assert_eq!(d.labels(), &[2, 0]);
    let by_index = CsvFormat::new().with_header().label_index(0);
    assert_eq!(read_csv::<2, 3, _>(text.as_bytes(), &by_index).unwrap(), d);
    // A name in quotes in the header matches too; a missing one is an error naming line 1.
    let d2: Dataset<2, 5> = read_csv(text.as_bytes(), &CsvFormat::new().label_named("a")).unwrap();
    assert_eq!(d2.features(), &[[2.0, -1.0], [0.0, 4.0]]);
    let err = read_csv::<2, 3, _>(text.as_bytes(), &CsvFormat::new().label_named("z"));
    assert!(matches!(
        err,
        Err(DatasetError::UnknownColumn { line: 1, .. })
    ));
    // By name without a header, or an index past the row: refused before reading.
    let no_header = CsvFormat {
        label: Column::Named("class".into()),
        ..CsvFormat::new()
    };
    assert!(matches!(
        read_csv::<2, 3, _>(text.as_bytes(), &no_header),
        Err(DatasetError::Parameter(_))
    ));
    assert!(matches!(
        read_csv::<2, 3, _>(text.as_bytes(), &CsvFormat::new().label_index(3)),
        Err(DatasetError::Parameter(_))
    ));
}

#[test]
fn regression_targets() {
    let text = "x1,y1,x2,y2\n1,10.5,2,-1\n3,0,4,1e10\n";
    let fmt = CsvFormat::new().with_header().label_index(1);
    // Targets at columns 1 and 2; features are columns 0 and 3.
    let (x, y) = read_csv_targets::<2, 2, _>(text.as_bytes(), &fmt).unwrap();
    assert_eq!(x, vec![[1.0, -1.0], [3.0, 1e10]]);
    assert_eq!(y, vec![[10.5, 2.0], [0.0, 4.0]]);
    let err = read_csv_targets::<2, 2, _>("1,x,2,3\n".as_bytes(), &CsvFormat::new().label_index(1))
        .unwrap_err();
    assert!(
        matches!(&err, DatasetError::NotANumber { line: 1, column: 2, text } if text == "x"),
        "{err:?}"
    );
}

#[test]
fn one_output_binary_labels() {
    let d: Dataset<2, 1> = read_csv("1,2,1\n3,4,0\n".as_bytes(), &CsvFormat::new()).unwrap();
    assert_eq!(d.labels(), &[1, 0]);
    assert_eq!(d.one_hot(), vec![[1.0], [0.0]]);
    assert_eq!(d.class_counts(), [1, 1]);
    let err = read_csv::<2, 1, _>("1,2,2\n".as_bytes(), &CsvFormat::new()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 1: label \"2\" is not a class index below 2"
    );
}

// ---- issue 13, item 4: caller parameters must not abort the host ----

#[test]
fn huge_expected_row_counts_are_errors_not_aborts() {
    for rows in [usize::MAX, 1 << 44] {
        let fmt = CsvFormat::new().exact_rows(rows);
        let err = read_csv::<1, 2, _>("1,0\n".as_bytes(), &fmt).unwrap_err();
        assert!(
            matches!(err, DatasetError::Truncated { rows: 1, expected: Some(r), .. } if r == rows),
            "{err:?}"
        );
    }
}

#[test]
fn two_moons_of_impossible_size_is_an_error() {
    for n in [usize::MAX, 1 << 60] {
        assert!(matches!(
            dataset::two_moons(n, 0.1, 1),
            Err(DatasetError::Parameter(_))
        ));
    }
}

// ---- issue 13, item 5: bounded line length and decompressed size ----

#[test]
fn an_endless_line_is_refused_at_the_limit() {
    // 16 MiB of digits without a newline, about 16 KiB gzipped.
    let line = vec![b'1'; 16 << 20];
    let packed = gzip(&line);
    let err = read_csv::<1, 2, _>(packed.as_slice(), &CsvFormat::new()).unwrap_err();
    assert!(
        matches!(
            err,
            DatasetError::LineTooLong {
                line: 1,
                limit: dataset::DEFAULT_MAX_LINE_BYTES
            }
        ),
        "{err:?}"
    );
    // The limit is configurable, and a line exactly at it is fine.
    let fmt = CsvFormat::new().max_line_bytes(5);
    assert!(read_csv::<2, 2, _>("1,2,1\n".as_bytes(), &fmt).is_ok());
    let err = read_csv::<2, 2, _>("1,2,1\n10,2,1\n".as_bytes(), &fmt).unwrap_err();
    assert!(
        matches!(err, DatasetError::LineTooLong { line: 2, limit: 5 }),
        "{err:?}"
    );
}

#[test]
fn decompressed_size_is_bounded_by_what_was_asked() {
    // One row asked for, followed by a million blank lines: a tiny gzip, a big text.
    let mut text = b"1,0\n".to_vec();
    text.extend(std::iter::repeat_n(b'\n', 1 << 20));
    let packed = gzip(&text);
    let fmt = CsvFormat::new().exact_rows(1).max_line_bytes(64);
    let err = read_csv::<1, 2, _>(packed.as_slice(), &fmt).unwrap_err();
    assert!(
        matches!(err, DatasetError::TooLarge { limit: 198, .. }),
        "{err:?}"
    );
    // And the overall cap applies when the row count is open.
    let fmt = CsvFormat::new().max_bytes(1000);
    let err = read_csv::<1, 2, _>(packed.as_slice(), &fmt).unwrap_err();
    assert!(
        matches!(err, DatasetError::TooLarge { limit: 1000, .. }),
        "{err:?}"
    );
}

// ---- issue 13, item 6 (std): gzip detection and trailing bytes, max_value ----

#[test]
fn gzip_is_detected_with_one_byte_reads() {
    let packed = gzip(b"1,2,1\n3,4,0\n");
    let d: Dataset<2, 2> = read_csv(OneByte(&packed), &CsvFormat::new()).unwrap();
    assert_eq!(d.labels(), &[1, 0]);
    // And plain text through the same reader.
    let d: Dataset<2, 2> = read_csv(OneByte(b"1,2,1\n"), &CsvFormat::new()).unwrap();
    assert_eq!(d.len(), 1);
}

#[test]
fn garbage_after_gzip_is_not_truncation() {
    let mut packed = gzip(b"1,2,1\n3,4,0\n");
    packed.extend_from_slice(b"garbage that is not gzip");
    let err = read_csv::<2, 2, _>(packed.as_slice(), &CsvFormat::new()).unwrap_err();
    match &err {
        DatasetError::Read { source, .. } => {
            assert!(
                source.to_string().contains("after the end of the gzip"),
                "{err}"
            )
        }
        other => panic!("expected a read error, got {other:?}"),
    }
    // Two members back to back are one stream (like `cat a.gz b.gz`).
    let mut two = gzip(b"1,2,1\n");
    two.extend(gzip(b"3,4,0\n"));
    let d: Dataset<2, 2> = read_csv(two.as_slice(), &CsvFormat::new()).unwrap();
    assert_eq!(d.labels(), &[1, 0]);
}

#[test]
fn subnormal_max_value_is_refused() {
    for max in [1e-39, 0.0, -1.0, f32::INFINITY, f32::NAN] {
        let err = read_csv::<1, 2, _>("0,0\n".as_bytes(), &CsvFormat::new().scaled_from(max))
            .unwrap_err();
        assert!(matches!(err, DatasetError::Parameter(_)), "{max}: {err:?}");
    }
    assert!(read_csv::<1, 2, _>("0,0\n".as_bytes(), &CsvFormat::new().scaled_from(1e-30)).is_ok());
}
