//! The `.ts` time-series loader: the committed BasicMotions and JapaneseVowels files load
//! completely with the right shapes and class counts, pad/crop rules do what they say, and
//! every kind of bad file gives its own error naming the right line (and no data).
#![cfg(feature = "std")]

use stacknet::std::dataset::{
    self, BASIC_MOTIONS_TEST, BASIC_MOTIONS_TRAIN, Crop, DatasetError, JAPANESE_VOWELS_STEPS,
    JAPANESE_VOWELS_TEST, JAPANESE_VOWELS_TRAIN, Pad, SeqDataset, TsError, TsFormat, load_ts,
    read_ts,
};
use std::io::Write;

/// Two channels, three classes, series of exactly 3 steps.
fn parse(text: &str) -> Result<SeqDataset<2, 3, 3>, TsError> {
    read_ts::<2, 3, 3, _>(text.as_bytes(), &TsFormat::EXACT)
}

const HEAD: &str = "# a comment\n@problemName tiny test\n@timeStamps false\n@missing false\n\
@univariate false\n@dimensions 2\n@equalLength true\n@seriesLength 3\n\
@classLabel true a b c\n@data\n";

/// The header above is 10 lines, so the first case is on line 11.
fn with_cases(cases: &str) -> String {
    format!("{HEAD}{cases}")
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn gunzip(path: &str) -> Vec<u8> {
    let mut out = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap()),
        &mut out,
    )
    .unwrap();
    out
}

#[test]
fn a_valid_file_parses_exactly() {
    let d = parse(&with_cases(
        "1,2,3:4,5,6:b\n-1.5e1, 0 ,7:8,9,10:c\n\n# not a comment but a blank end\n",
    ));
    // The trailing "# ..." line after a blank line is a data line after a blank: refused.
    assert!(
        matches!(d, Err(TsError::Dimensions { line: 13, .. })),
        "{d:?}"
    );

    let d = parse(&with_cases(
        "1,2,3:4,5,6:b\r\n-1.5e1, 0 ,7:8,9,10:c\r\n\n\n",
    ))
    .unwrap();
    assert_eq!(d.len(), 2);
    assert_eq!(d.samples()[0], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]);
    assert_eq!(d.samples()[1], [[-15.0, 0.0, 7.0], [8.0, 9.0, 10.0]]);
    assert_eq!(d.labels(), &[1, 2]);
    assert_eq!(d.lengths(), &[3, 3]);
    assert_eq!(d.class_names(), &["a", "b", "c"]);
    assert_eq!(d.problem_name(), "tiny test");
    assert_eq!(d.class_counts(), [0, 1, 1]);
    assert_eq!(d.one_hot()[1], [0.0, 0.0, 1.0]);
    assert_eq!(d.time_major(0), Some([[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]));
    assert_eq!(d.time_major(2), None);
    // Same bytes gzipped: same result.
    let text = with_cases("1,2,3:4,5,6:b\r\n-1.5e1, 0 ,7:8,9,10:c\r\n\n\n");
    let z = read_ts::<2, 3, 3, _>(gzip(text.as_bytes()).as_slice(), &TsFormat::EXACT).unwrap();
    assert_eq!(z, d);
    // A byte-order mark and a spaced-out problem name.
    let bom = format!("\u{feff}{}", with_cases("1,2,3:4,5,6:a\n"))
        .replace("@problemName tiny test", "@  problemName   tiny  test ");
    assert_eq!(parse(&bom).unwrap().problem_name(), "tiny  test");
    // No final newline is fine when the line is complete.
    let d = parse(&with_cases("1,2,3:4,5,6:b")).unwrap();
    assert_eq!(d.labels(), &[1]);
}

#[test]
fn committed_basic_motions_load_completely() {
    for (path, first_label) in [(BASIC_MOTIONS_TRAIN, 0), (BASIC_MOTIONS_TEST, 0)] {
        let d = dataset::basic_motions(path).expect(path);
        assert_eq!(d.len(), 40);
        assert_eq!(d.class_counts(), [10; 4]);
        assert_eq!(
            d.class_names(),
            &["Standing", "Running", "Walking", "Badminton"]
        );
        assert_eq!(d.problem_name(), "BasicMotions");
        assert!(d.lengths().iter().all(|&l| l == 100));
        assert_eq!(d.labels()[0], first_label);
        assert!(
            d.samples()
                .iter()
                .flatten()
                .flatten()
                .all(|v| v.is_finite())
        );
    }
    let d = dataset::basic_motions(BASIC_MOTIONS_TRAIN).unwrap();
    // First case of the file: channel 1 starts 0.079106, 0.079106 and ends -0.20515;
    // channel 2 starts 0.394032, channel 3 0.551444.
    let x = &d.samples()[0];
    assert_eq!((x[0][0], x[0][1], x[0][99]), (0.079106, 0.079106, -0.20515));
    assert_eq!((x[1][0], x[2][0]), (0.394032, 0.551444));
    // Every tenth case starts a new class: Standing, Running, Walking, Badminton.
    let every_tenth: Vec<usize> = d.labels().iter().step_by(10).copied().collect();
    assert_eq!(every_tenth, [0, 1, 2, 3]);
    // The gzip and the plain text give the same data.
    let plain =
        read_ts::<6, 100, 4, _>(gunzip(BASIC_MOTIONS_TRAIN).as_slice(), &TsFormat::EXACT).unwrap();
    assert_eq!(plain, d);
}

#[test]
fn committed_japanese_vowels_load_completely() {
    let train = dataset::japanese_vowels(JAPANESE_VOWELS_TRAIN, Pad::ZerosAfter).unwrap();
    let test = dataset::japanese_vowels(JAPANESE_VOWELS_TEST, Pad::ZerosAfter).unwrap();
    assert_eq!((train.len(), test.len()), (270, 370));
    assert_eq!(train.class_counts(), [30; 9]);
    assert_eq!(test.class_counts(), [31, 35, 88, 44, 29, 24, 40, 50, 29]);
    assert_eq!(
        train.class_names(),
        &["1", "2", "3", "4", "5", "6", "7", "8", "9"]
    );
    let range = |d: &SeqDataset<12, 29, 9>| {
        (
            *d.lengths().iter().min().unwrap(),
            *d.lengths().iter().max().unwrap(),
        )
    };
    assert_eq!(range(&train), (7, 26));
    assert_eq!(range(&test), (7, 29));
    assert_eq!(JAPANESE_VOWELS_STEPS, 29);
    // First training case: 20 frames, channel 1 = 1.860936, 1.891651, …, 1.261441.
    let (x, label) = train.get(0).unwrap();
    assert_eq!((label, train.lengths()[0]), (0, 20));
    assert_eq!((x[0][0], x[0][1], x[0][19]), (1.860936, 1.891651, 1.261441));
    assert_eq!(x[1][0], -0.207383);
    // Zero padding after every series, data untouched before it.
    for (x, &len) in train.samples().iter().zip(train.lengths()) {
        assert!(x.iter().all(|ch| ch[len..].iter().all(|&v| v == 0.0)));
        assert!(x.iter().any(|ch| ch[len - 1] != 0.0));
    }
}

#[test]
fn pad_and_crop_rules() {
    let after = dataset::japanese_vowels(JAPANESE_VOWELS_TRAIN, Pad::ZerosAfter).unwrap();
    let before = dataset::japanese_vowels(JAPANESE_VOWELS_TRAIN, Pad::ZerosBefore).unwrap();
    let repeat = dataset::japanese_vowels(JAPANESE_VOWELS_TRAIN, Pad::RepeatLast).unwrap();
    const T: usize = JAPANESE_VOWELS_STEPS;
    for i in 0..after.len() {
        let len = after.lengths()[i];
        for c in 0..12 {
            let a = &after.samples()[i][c];
            let b = &before.samples()[i][c];
            let r = &repeat.samples()[i][c];
            assert_eq!(&a[..len], &b[T - len..]);
            assert!(b[..T - len].iter().all(|&v| v == 0.0));
            assert_eq!(&a[..len], &r[..len]);
            assert!(r[len..].iter().all(|&v| v == a[len - 1]));
        }
    }
    // Refusing to pad names the first short case (line 16, 20 frames).
    let err = dataset::japanese_vowels(JAPANESE_VOWELS_TRAIN, Pad::Refuse).unwrap_err();
    assert!(
        matches!(
            err,
            TsError::Fit {
                line: 16,
                length: 20,
                steps: 29
            }
        ),
        "{err:?}"
    );
    // Cropping to the 7 shortest steps: first or last 7 of each series.
    let first: SeqDataset<12, 7, 9> = load_ts(
        JAPANESE_VOWELS_TRAIN,
        &TsFormat::fit(Pad::Refuse, Crop::KeepFirst),
    )
    .unwrap();
    let last: SeqDataset<12, 7, 9> = load_ts(
        JAPANESE_VOWELS_TRAIN,
        &TsFormat::fit(Pad::Refuse, Crop::KeepLast),
    )
    .unwrap();
    for i in 0..after.len() {
        let len = after.lengths()[i];
        assert_eq!(first.lengths()[i], len);
        for c in 0..12 {
            assert_eq!(first.samples()[i][c][..], after.samples()[i][c][..7]);
            assert_eq!(
                last.samples()[i][c][..],
                after.samples()[i][c][len - 7..len]
            );
        }
    }
    let err = load_ts::<12, 7, 9>(JAPANESE_VOWELS_TRAIN, &TsFormat::EXACT).unwrap_err();
    assert!(matches!(err, TsError::Fit { line: 16, .. }), "{err:?}");
}

/// `(file text, expected line, predicate on the error)`: each bad file gives its own error.
#[test]
fn every_bad_file_names_its_line() {
    type Check = fn(&TsError) -> bool;
    let cases: Vec<(String, usize, Check)> = vec![
        // No @data at all: the line past the end.
        (HEAD.replace("@data\n", ""), 10, |e| {
            matches!(e, TsError::MissingData { .. })
        }),
        // A data line before @data.
        (HEAD.replace("@data\n", "1,2,3:4,5,6:a\n@data\n"), 10, |e| {
            matches!(e, TsError::MissingData { .. })
        }),
        // Header dimensions differ from the type's channels.
        (HEAD.replace("@dimensions 2", "@dimensions 3"), 6, |e| {
            matches!(
                e,
                TsError::Dimensions {
                    expected: 2,
                    found: 3,
                    ..
                }
            )
        }),
        (
            HEAD.replace("@univariate false", "@univariate true"),
            5,
            |e| matches!(e, TsError::Dimensions { found: 1, .. }),
        ),
        // Wrong number of classes.
        (HEAD.replace("true a b c", "true a b"), 9, |e| {
            matches!(
                e,
                TsError::Classes {
                    expected: 3,
                    found: 2,
                    ..
                }
            )
        }),
        (HEAD.replace("true a b c", "true a b a"), 9, |e| {
            matches!(e, TsError::Header { .. })
        }),
        (HEAD.replace("true a b c", "false"), 9, |e| {
            matches!(e, TsError::Unsupported { .. })
        }),
        (HEAD.replace("@classLabel true a b c\n", ""), 9, |e| {
            matches!(e, TsError::Header { .. })
        }),
        (
            HEAD.replace("@timeStamps false", "@timeStamps true"),
            3,
            |e| matches!(e, TsError::Unsupported { .. }),
        ),
        (HEAD.replace("@missing false", "@missing maybe"), 4, |e| {
            matches!(e, TsError::Header { .. })
        }),
        (HEAD.replace("@missing false", "@colour blue"), 4, |e| {
            matches!(e, TsError::Header { .. })
        }),
        (HEAD.replace("@missing false", "@dimensions 2"), 6, |e| {
            matches!(e, TsError::Header { .. })
        }),
        (
            HEAD.replace("@seriesLength 3", "@seriesLength three"),
            8,
            |e| matches!(e, TsError::Header { .. }),
        ),
        (
            HEAD.replace("@missing false", "@targetLabel true"),
            4,
            |e| matches!(e, TsError::Unsupported { .. }),
        ),
        // Wrong dimension count in a case (too many, too few with a newline).
        (
            with_cases("1,2,3:4,5,6:b\n1,2,3:4,5,6:7,8,9:a\n"),
            12,
            |e| {
                matches!(
                    e,
                    TsError::Dimensions {
                        expected: 2,
                        found: 3,
                        ..
                    }
                )
            },
        ),
        (with_cases("1,2,3:a\n"), 11, |e| {
            matches!(e, TsError::Dimensions { found: 1, .. })
        }),
        // Non-numeric, empty, non-finite, out-of-range values.
        (
            with_cases("1,2,3:4,x5,6:b\n"),
            11,
            |e| matches!(e, TsError::NotANumber { dimension: 2, step: 2, text, .. } if text == "x5"),
        ),
        (with_cases("1,,3:4,5,6:b\n"), 11, |e| {
            matches!(
                e,
                TsError::NotANumber {
                    dimension: 1,
                    step: 2,
                    ..
                }
            )
        }),
        (with_cases("1,2,NaN:4,5,6:b\n"), 11, |e| {
            matches!(e, TsError::NotANumber { step: 3, .. })
        }),
        (with_cases("1,2,3:inf,5,6:b\n"), 11, |e| {
            matches!(
                e,
                TsError::NotANumber {
                    dimension: 2,
                    step: 1,
                    ..
                }
            )
        }),
        (with_cases("1,2,3:4,5,1e39:b\n"), 11, |e| {
            matches!(e, TsError::NotANumber { step: 3, .. })
        }),
        // Missing values.
        (with_cases("1,2,3:4,5,6:b\n1,?,3:4,5,6:b\n"), 12, |e| {
            matches!(
                e,
                TsError::Missing {
                    dimension: 1,
                    step: 2,
                    ..
                }
            )
        }),
        // Inconsistent lengths: within a case, against @seriesLength.
        (with_cases("1,2,3:4,5:b\n"), 11, |e| {
            matches!(
                e,
                TsError::Ragged {
                    dimension: 2,
                    length: 2,
                    first: 3,
                    ..
                }
            )
        }),
        (with_cases("1,2,3:4,5,6:b\n1,2,3,4:4,5,6,7:b\n"), 12, |e| {
            matches!(
                e,
                TsError::Length {
                    expected: 3,
                    found: 4,
                    ..
                }
            )
        }),
        // Unknown label.
        (
            with_cases("1,2,3:4,5,6:d\n"),
            11,
            |e| matches!(e, TsError::Label { text, .. } if text == "d"),
        ),
        // A blank line in the middle of the data.
        (with_cases("1,2,3:4,5,6:b\n\n1,2,3:4,5,6:b\n"), 12, |e| {
            matches!(e, TsError::Dimensions { found: 0, .. })
        }),
        // Nothing after @data.
        (with_cases("\n\n"), 13, |e| {
            matches!(e, TsError::NoCases { .. })
        }),
        // The last line cut before its label.
        (with_cases("1,2,3:4,5,6:b\n1,2,3:4,5"), 12, |e| {
            matches!(e, TsError::Truncated { cases: 1, .. })
        }),
    ];
    for (text, line, check) in &cases {
        let err = parse(text).expect_err(text);
        assert!(check(&err), "wrong error {err:?} for\n{text}");
        assert_eq!(err.line(), Some(*line), "{err} for\n{text}");
        assert!(
            err.to_string().starts_with(&format!("line {line}")),
            "{err}"
        );
    }
}

#[test]
fn equal_length_without_series_length() {
    let head = HEAD.replace("@seriesLength 3\n", "");
    let fmt = TsFormat::fit(Pad::ZerosAfter, Crop::Refuse);
    let ok = read_ts::<2, 3, 3, _>(format!("{head}1,2:3,4:a\n5,6:7,8:a\n").as_bytes(), &fmt);
    assert_eq!(ok.unwrap().lengths(), &[2, 2]);
    let err = read_ts::<2, 3, 3, _>(format!("{head}1,2:3,4:a\n5,6,7:8,9,0:a\n").as_bytes(), &fmt)
        .unwrap_err();
    assert!(
        matches!(
            err,
            TsError::Length {
                line: 11,
                expected: 2,
                found: 3
            }
        ),
        "{err:?}"
    );
    let unequal = head.replace("@equalLength true", "@equalLength false");
    let ok = read_ts::<2, 3, 3, _>(
        format!("{unequal}1,2:3,4:a\n5,6,7:8,9,0:c\n").as_bytes(),
        &fmt,
    )
    .unwrap();
    assert_eq!(ok.lengths(), &[2, 3]);
    // @equalLength false with a @seriesLength contradicts itself.
    let err =
        parse(&with_cases("1,2,3:4,5,6:a\n").replace("@equalLength true", "@equalLength false"))
            .unwrap_err();
    assert!(matches!(err, TsError::Header { line: 7, .. }), "{err:?}");
}

#[test]
fn size_limits_and_parameters() {
    let text = with_cases("1,2,3:4,5,6:a\n1,2,3:4,5,6:b\n1,2,3:4,5,6:c\n");
    let small = TsFormat {
        max_cases: 2,
        ..TsFormat::EXACT
    };
    let err = read_ts::<2, 3, 3, _>(text.as_bytes(), &small).unwrap_err();
    assert!(
        matches!(
            err,
            TsError::TooLarge {
                line: 13,
                limit: 2,
                ..
            }
        ),
        "{err:?}"
    );
    let short_lines = TsFormat {
        max_line_bytes: 10,
        ..TsFormat::EXACT
    };
    let err = read_ts::<2, 3, 3, _>(text.as_bytes(), &short_lines).unwrap_err();
    // "# a comment\n" on line 1 is already 12 bytes.
    assert!(matches!(err, TsError::TooLarge { line: 1, .. }), "{err:?}");
    let err = read_ts::<2, 3, 3, _>(
        text.as_bytes(),
        &TsFormat {
            max_line_bytes: 20,
            ..TsFormat::EXACT
        },
    )
    .unwrap_err();
    // "@problemName tiny test\n" on line 2 is 23 bytes.
    assert!(matches!(err, TsError::TooLarge { line: 2, .. }), "{err:?}");
    let zero = TsFormat {
        max_cases: 0,
        ..TsFormat::EXACT
    };
    assert!(matches!(
        read_ts::<2, 3, 3, _>(text.as_bytes(), &zero),
        Err(TsError::Parameter(_))
    ));
    assert!(matches!(
        read_ts::<2, 0, 3, _>(text.as_bytes(), &TsFormat::EXACT),
        Err(TsError::Parameter(_))
    ));
}

#[test]
fn bytes_that_are_not_text() {
    let mut bytes = with_cases("1,2,3:4,5,6:a\n").into_bytes();
    bytes.extend_from_slice(b"1,2,3:4,\xff5,6:a\n");
    let err = read_ts::<2, 3, 3, _>(bytes.as_slice(), &TsFormat::EXACT).unwrap_err();
    assert!(matches!(err, TsError::NotText { line: 12 }), "{err:?}");
}

#[test]
fn truncated_gzip_stream() {
    let bytes = std::fs::read(JAPANESE_VOWELS_TRAIN).unwrap();
    let half = &bytes[..bytes.len() / 2];
    let err =
        read_ts::<12, 29, 9, _>(half, &TsFormat::fit(Pad::ZerosAfter, Crop::Refuse)).unwrap_err();
    assert!(matches!(err, TsError::Truncated { .. }), "{err:?}");
    let line = err.line().unwrap();
    assert!(line > 16, "truncated at line {line}");
}

#[test]
fn missing_file() {
    let err = dataset::basic_motions("data/no-such-file.ts.gz").unwrap_err();
    assert!(matches!(err, TsError::Open { .. }), "{err:?}");
    assert!(err.to_string().contains("no-such-file.ts.gz"));
    assert!(std::error::Error::source(&err).is_some());
    assert_eq!(err.line(), None);
}

#[test]
fn shuffle_split_flatten_standardize() {
    let d = dataset::basic_motions(BASIC_MOTIONS_TRAIN).unwrap();
    let mut s = d.clone();
    s.shuffle(3);
    assert_ne!(s.labels(), d.labels());
    assert_eq!(s.class_counts(), d.class_counts());
    // The shuffle is the Dataset one: same permutation for the same seed.
    let mut order: Vec<usize> = (0..d.len()).collect();
    dataset::shuffle_in_place(&mut order, 3);
    for (i, &j) in order.iter().enumerate() {
        assert_eq!(s.samples()[i], d.samples()[j]);
        assert_eq!(s.labels()[i], d.labels()[j]);
    }
    let (a, b) = s.split(30);
    assert_eq!((a.len(), b.len()), (30, 10));
    assert_eq!(b.class_names(), d.class_names());

    let flat = d.flatten::<600>().unwrap();
    assert_eq!(flat.len(), 40);
    assert_eq!(flat.features()[0][100], d.samples()[0][1][0]);
    assert_eq!(flat.labels(), d.labels());
    assert!(matches!(d.flatten::<599>(), Err(TsError::Parameter(_))));

    let (mean, std_dev) = d.channel_mean_std();
    let mut z = d.clone();
    z.standardize(&mean, &std_dev).unwrap();
    let (m2, s2) = z.channel_mean_std();
    for c in 0..6 {
        assert!(std_dev[c] > 0.0);
        assert!(m2[c].abs() < 1e-4, "channel {c} mean {}", m2[c]);
        assert!(
            (s2[c] - 1.0).abs() < 1e-4,
            "channel {c} deviation {}",
            s2[c]
        );
    }
    let mut unchanged = d.clone();
    let mut bad = std_dev;
    bad[2] = 0.0;
    assert!(unchanged.standardize(&mean, &bad).is_err());
    assert_eq!(unchanged, d);
}

#[test]
fn sequences_built_in_memory() {
    let d = SeqDataset::<2, 3, 2>::from_parts(
        vec![[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [[0.0; 3]; 2]],
        vec![1, 0],
    )
    .unwrap();
    assert_eq!((d.len(), d.lengths()), (2, &[3, 3][..]));
    assert_eq!(d.class_names(), &["0", "1"]);
    assert_eq!(d.class_counts(), [1, 1]);
    let bad_label = SeqDataset::<2, 3, 2>::from_parts(vec![[[0.0; 3]; 2]], vec![2]);
    assert!(matches!(
        bad_label,
        Err(DatasetError::Label { line: 1, .. })
    ));
    let mut nan = [[0.0; 3]; 2];
    nan[1][2] = f32::NAN;
    let bad_value = SeqDataset::<2, 3, 2>::from_parts(vec![[[0.0; 3]; 2], nan], vec![0, 1]);
    assert!(
        matches!(
            bad_value,
            Err(DatasetError::NotANumber {
                line: 2,
                column: 6,
                ..
            })
        ),
        "{bad_value:?}"
    );
    let mismatch = SeqDataset::<2, 3, 2>::from_parts(vec![], vec![0]);
    assert!(matches!(mismatch, Err(DatasetError::LengthMismatch { .. })));
}
