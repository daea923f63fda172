//! Fuzzes the `.ts` time-series loader, `stacknet::std::dataset::read_ts`, with arbitrary
//! bytes (plain text, and gzip streams grown from the gzip seed in `seeds/ts/`).
//!
//! Checked properties, for several sample shapes and pad/crop rules:
//! - no input makes the loader panic;
//! - an accepted file gives at least one case, as many labels and lengths as samples, every
//!   label below the class count, every value finite, and no series longer than `T` unless
//!   cropping was allowed, none shorter unless padding was;
//! - with zero padding after the data, every step past a case's length is 0;
//! - a refused file gives an error whose message is not empty and starts with its line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stacknet::std::dataset::{Crop, Pad, TsFormat, read_ts};

fn check<const C: usize, const T: usize, const K: usize>(data: &[u8], format: &TsFormat) {
    match read_ts::<C, T, K, _>(data, format) {
        Ok(d) => {
            assert!(!d.is_empty(), "an accepted file has cases");
            assert_eq!(d.samples().len(), d.labels().len());
            assert_eq!(d.samples().len(), d.lengths().len());
            assert!(d.len() <= format.max_cases);
            assert_eq!(d.class_names().len(), K);
            assert!(d.labels().iter().all(|&l| l < K), "label out of range");
            assert!(
                d.samples().iter().flatten().flatten().all(|v| v.is_finite()),
                "non-finite value accepted"
            );
            for (x, &len) in d.samples().iter().zip(d.lengths()) {
                assert!(len >= 1);
                if format.crop == Crop::Refuse {
                    assert!(len <= T, "series cropped against the rules");
                }
                if format.pad == Pad::Refuse {
                    assert!(len >= T, "series padded against the rules");
                }
                if format.pad == Pad::ZerosAfter && len < T {
                    assert!(x.iter().all(|ch| ch[len..].iter().all(|&v| v == 0.0)));
                }
            }
        }
        Err(e) => {
            let message = e.to_string();
            assert!(!message.is_empty());
            if let Some(line) = e.line() {
                assert!(line >= 1, "lines count from 1");
                assert!(message.starts_with(&format!("line {line}")), "{message}");
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let small = TsFormat {
        max_cases: 64,
        max_line_bytes: 4096,
        ..TsFormat::EXACT
    };
    check::<2, 3, 3>(data, &small);
    check::<2, 3, 3>(
        data,
        &TsFormat {
            pad: Pad::ZerosAfter,
            crop: Crop::KeepLast,
            ..small
        },
    );
    check::<1, 4, 2>(
        data,
        &TsFormat {
            pad: Pad::RepeatLast,
            crop: Crop::KeepFirst,
            ..small
        },
    );
    check::<3, 2, 1>(
        data,
        &TsFormat {
            pad: Pad::ZerosBefore,
            crop: Crop::Refuse,
            ..small
        },
    );
});
