//! Fuzzes the dataset CSV loader, `stacknet::std::dataset::read_csv`, with arbitrary bytes
//! (plain text, and gzip streams grown from the gzip seeds in `seeds/csv/`).
//!
//! Checked properties, for several shapes and formats:
//! - no input makes the loader panic;
//! - an accepted file gives as many labels as feature rows, every label below the class
//!   count, every feature in `[0, 1]`, and exactly `rows` rows when the format fixes it;
//! - a refused file gives an error whose message is not empty and names a line when it
//!   has one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stacknet::std::dataset::{CsvFormat, read_csv};

fn check<const D: usize, const C: usize>(data: &[u8], format: &CsvFormat) {
    match read_csv::<D, C, _>(data, format) {
        Ok(d) => {
            assert_eq!(d.features().len(), d.labels().len());
            if let Some(rows) = format.rows {
                assert_eq!(d.len(), rows, "row count not enforced");
            }
            let classes = stacknet::std::dataset::Dataset::<D, C>::classes();
            assert!(d.labels().iter().all(|&l| l < classes), "label out of range");
            if format.max_value.is_some() {
                assert!(
                    d.features().iter().flatten().all(|v| (0.0..=1.0).contains(v)),
                    "feature outside [0, 1]"
                );
            } else {
                assert!(d.features().iter().flatten().all(|v| v.is_finite()));
            }
        }
        Err(e) => {
            let message = e.to_string();
            assert!(!message.is_empty());
            if let Some(line) = e.line() {
                assert!(line >= 1, "lines count from 1");
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    check::<3, 2>(
        data,
        &CsvFormat {
            max_value: Some(16.0),
            rows: None,
            ..CsvFormat::new()
        },
    );
    check::<1, 10>(
        data,
        &CsvFormat {
            max_value: Some(255.0),
            rows: Some(2),
            ..CsvFormat::new()
        },
    );
    check::<2, 1>(
        data,
        &CsvFormat {
            max_value: Some(1.0),
            rows: None,
            ..CsvFormat::new()
        },
    );
    check::<2, 3>(data, &CsvFormat::new().label_named("y").max_line_bytes(64));
    check::<1, 1>(data, &CsvFormat::new().with_header().label_index(0).max_bytes(4096));
});
