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
            assert!(d.labels().iter().all(|&l| l < C), "label out of range");
            assert!(
                d.features().iter().flatten().all(|v| (0.0..=1.0).contains(v)),
                "feature outside [0, 1]"
            );
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
            max_value: 16.0,
            rows: None,
        },
    );
    check::<1, 10>(
        data,
        &CsvFormat {
            max_value: 255.0,
            rows: Some(2),
        },
    );
    check::<2, 1>(
        data,
        &CsvFormat {
            max_value: 1.0,
            rows: None,
        },
    );
});
