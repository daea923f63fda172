//! Dataset loaders: the committed files load completely, and every kind of bad file gives
//! its own error with the right line number (and no data).
#![cfg(feature = "std")]

use stacknet::std::dataset::{
    self, CsvFormat, DIGITS_CSV, Dataset, DatasetError, MNIST_CSV, load_csv, read_csv,
};

fn fmt3() -> CsvFormat {
    CsvFormat::new().scaled_from(16.0)
}

fn parse(text: &str) -> Result<Dataset<3, 4>, DatasetError> {
    read_csv::<3, 4, _>(text.as_bytes(), &fmt3())
}

#[test]
fn committed_digits_load_completely() {
    let d = dataset::digits(DIGITS_CSV).expect("data/digits.csv.gz");
    assert_eq!(d.len(), 1797);
    assert_eq!(
        d.class_counts(),
        [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    );
    let flat = d.features().iter().flatten();
    assert!(flat.clone().all(|v| (0.0..=1.0).contains(v)));
    assert!(flat.clone().any(|&v| v == 1.0));
    // First row of the file: 0,0,5,13,9,1,0,0,... label 0.
    assert_eq!(d.labels()[0], 0);
    assert_eq!(&d.features()[0][..4], &[0.0, 0.0, 5.0 / 16.0, 13.0 / 16.0]);
}

#[test]
fn committed_mnist_loads_completely() {
    let d = dataset::mnist(MNIST_CSV).expect("data/mnist_5k.csv.gz");
    assert_eq!(d.len(), 5000);
    assert_eq!(d.class_counts(), [500; 10]);
    // Sorted by label in the file.
    assert!(d.labels().windows(2).all(|w| w[0] <= w[1]));
    let flat = d.features().iter().flatten();
    assert!(flat.clone().all(|v| (0.0..=1.0).contains(v)));
    assert!(flat.clone().any(|&v| v == 1.0));
}

#[test]
fn missing_file() {
    let err = dataset::digits("data/no-such-file.csv.gz").unwrap_err();
    assert!(matches!(err, DatasetError::Open { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("no-such-file.csv.gz"), "{msg}");
    assert!(std::error::Error::source(&err).is_some());
    assert_eq!(err.line(), None);
}

#[test]
fn truncated_gzip_stream() {
    let bytes = std::fs::read(DIGITS_CSV).unwrap();
    let half = &bytes[..bytes.len() / 2];
    let err = read_csv::<64, 10, _>(half, &CsvFormat::DIGITS).unwrap_err();
    match err {
        DatasetError::Truncated {
            line,
            rows,
            expected,
        } => {
            assert!(rows > 100 && rows < 1797, "{rows}");
            assert_eq!(line, rows + 1);
            assert_eq!(expected, Some(1797));
        }
        other => panic!("expected Truncated, got {other:?}"),
    }
}

#[test]
fn corrupt_gzip_stream() {
    let mut bytes = std::fs::read(DIGITS_CSV).unwrap();
    let n = bytes.len();
    for b in &mut bytes[n / 3..n / 3 + 64] {
        *b ^= 0x5a;
    }
    let err = read_csv::<64, 10, _>(bytes.as_slice(), &CsvFormat::DIGITS).unwrap_err();
    // Depending on where the damage lands the inflater reports bad data, a bad row comes
    // out, or the stream ends early; it must never load.
    let line = err.line().expect("error names a line");
    assert!(line > 1, "{err}");
}

#[test]
fn too_few_rows() {
    let fmt = CsvFormat {
        rows: Some(5),
        ..fmt3()
    };
    let err = read_csv::<3, 4, _>("1,2,3,0\n4,5,6,1\n7,8,9,2\n".as_bytes(), &fmt).unwrap_err();
    assert!(
        matches!(
            err,
            DatasetError::Truncated {
                line: 4,
                rows: 3,
                expected: Some(5)
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "line 4: data truncated after 3 rows, expected 5"
    );
}

#[test]
fn too_many_rows() {
    let fmt = CsvFormat {
        rows: Some(2),
        ..fmt3()
    };
    let err = read_csv::<3, 4, _>("1,2,3,0\n4,5,6,1\n7,8,9,2\n".as_bytes(), &fmt).unwrap_err();
    assert!(
        matches!(
            err,
            DatasetError::TooManyRows {
                line: 3,
                expected: 2
            }
        ),
        "{err:?}"
    );
}

#[test]
fn last_row_cut_off() {
    let err = parse("1,2,3,0\n4,5,6,1\n7,8").unwrap_err();
    assert!(
        matches!(
            err,
            DatasetError::Truncated {
                line: 3,
                rows: 2,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn wrong_column_count() {
    let err = parse("1,2,3,0\n4,5,6,7,1\n").unwrap_err();
    assert!(
        matches!(
            err,
            DatasetError::Columns {
                line: 2,
                expected: 4,
                found: 5
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "line 2: expected 4 columns, found 5");
    // A short row that does end with a newline is a column error, not a truncation.
    let err = parse("1,2,3,0\n4,5\n").unwrap_err();
    assert!(
        matches!(
            err,
            DatasetError::Columns {
                line: 2,
                found: 2,
                ..
            }
        ),
        "{err:?}"
    );
    // A blank line followed by more data.
    let err = parse("1,2,3,0\n\n4,5,6,1\n").unwrap_err();
    assert!(
        matches!(
            err,
            DatasetError::Columns {
                line: 2,
                found: 0,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn label_out_of_range_or_not_an_integer() {
    for (text, bad) in [
        ("1,2,3,0\n1,2,3,4\n", "4"),
        ("1,2,3,0\n1,2,3,-1\n", "-1"),
        ("1,2,3,0\n1,2,3,1.5\n", "1.5"),
        ("1,2,3,0\n1,2,3,\n", ""),
    ] {
        let err = parse(text).unwrap_err();
        match &err {
            DatasetError::Label {
                line: 2,
                text,
                classes: 4,
            } => assert_eq!(text, bad),
            other => panic!("{text:?}: expected Label, got {other:?}"),
        }
    }
}

#[test]
fn non_numeric_value() {
    let err = parse("1,2,3,0\n4,x5,6,1\n").unwrap_err();
    assert!(
        matches!(&err, DatasetError::NotANumber { line: 2, column: 2, text } if text == "x5"),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "line 2, column 2: \"x5\" is not a number");
    for bad in ["NaN", "inf", ""] {
        let err = parse(&format!("1,{bad},3,0\n")).unwrap_err();
        assert!(
            matches!(
                err,
                DatasetError::NotANumber {
                    line: 1,
                    column: 2,
                    ..
                }
            ),
            "{bad}: {err:?}"
        );
    }
    let err = read_csv::<3, 4, _>(&b"1,\xff,3,0\n"[..], &fmt3()).unwrap_err();
    assert!(
        matches!(
            err,
            DatasetError::NotANumber {
                line: 1,
                column: 2,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn value_out_of_range() {
    let err = parse("1,2,3,0\n4,5,17,1\n").unwrap_err();
    assert!(
        matches!(err, DatasetError::ValueOutOfRange { line: 2, column: 3, value, max } if value == 17.0 && max == 16.0),
        "{err:?}"
    );
    assert!(parse("-1,0,0,0\n").is_err());
}

#[test]
fn tolerated_formatting() {
    // CRLF line ends, spaces around values, blank lines at the end, no final newline.
    let d = parse("1, 2 ,3,0\r\n16,0,8,3\r\n\r\n\n").unwrap();
    assert_eq!(d.len(), 2);
    assert_eq!(d.features()[1], [1.0, 0.0, 0.5]);
    assert_eq!(d.labels(), &[0, 3]);
    assert_eq!(parse("1,2,3,0").unwrap().len(), 1);
    assert!(parse("").unwrap().is_empty());
    // Plain (not gzipped) files load through the same path.
    let path = std::env::temp_dir().join(format!("stacknet-plain-{}.csv", std::process::id()));
    std::fs::write(&path, "1,2,3,0\n").unwrap();
    let d = load_csv::<3, 4>(&path, &fmt3()).unwrap();
    let _ = std::fs::remove_file(&path);
    assert_eq!(d.len(), 1);
}

#[test]
fn bad_format_parameter() {
    let fmt = CsvFormat::new().scaled_from(0.0);
    assert!(matches!(
        read_csv::<3, 4, _>("1,2,3,0\n".as_bytes(), &fmt),
        Err(DatasetError::Parameter(_))
    ));
}
