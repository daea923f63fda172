//! The weight format through the public API: a golden image written by the Python tools,
//! refusals of foreign or damaged images (with the model left unchanged), and bounded
//! property tests over random, truncated and bit-flipped images.

use proptest::prelude::*;
use stacknet::format::{self, Header, LoadError, SaveError};
use stacknet::{Dense, Init, Layer, Relu, Sigmoid, Softmax, Tanh, Zero, chain};

type Xor = chain![Dense<2, 4>, Sigmoid<4>, Dense<4, 1>, Sigmoid<1>];
type Wider = chain![Dense<2, 5>, Sigmoid<5>, Dense<5, 1>, Sigmoid<1>];

/// Written by `tools/stacknet_format.py` from the weights in `golden()` (see
/// tools/test_stacknet_format.py): Rust and Python must agree on every byte.
const GOLDEN: &[u8] = include_bytes!("fixtures/format/xor_v1.snet");

fn golden() -> Xor {
    stacknet::model![
        Dense::from_parts(
            [[0.5, -1.25], [2.0, 0.75], [-0.125, 1.5], [3.0, -2.5]],
            [0.1, -0.2, 0.3, -0.4],
        ),
        Sigmoid::new(),
        Dense::from_parts([[1.0, -1.0, 0.5, -0.5]], [0.25]),
        Sigmoid::new(),
    ]
}

fn seeded(seed: u64) -> Xor {
    let mut m = Xor::ZERO;
    m.init(Init::XavierUniform, &mut stacknet::rng(seed));
    m
}

/// The parameters as bit patterns: "unchanged" and "loaded exactly" mean bit-identical,
/// which `f32 ==` cannot check (it equates −0.0 and 0.0, and never equates NaN).
fn bits<L: Layer>(m: &L) -> Vec<u32> {
    (0..L::PARAM_BLOCKS)
        .flat_map(|b| m.param_block(b).iter().map(|v| v.to_bits()))
        .collect()
}

fn image(m: &Xor) -> [u8; format::encoded_len::<Xor>()] {
    let mut buf = [0u8; format::encoded_len::<Xor>()];
    assert_eq!(format::save(m, &mut buf), Ok(buf.len()));
    buf
}

/// Replaces the CRC so a deliberately edited image passes the checksum.
fn reseal(buf: &mut [u8]) {
    let n = buf.len() - 4;
    let crc = format::crc32(&buf[..n]);
    buf[n..].copy_from_slice(&crc.to_le_bytes());
}

#[test]
fn rust_writes_the_same_bytes_as_python() {
    assert_eq!(image(&golden()).as_slice(), GOLDEN);
    assert_eq!(
        bits(&format::from_bytes::<Xor>(GOLDEN).unwrap()),
        bits(&golden())
    );
    let h = format::verify(GOLDEN).unwrap();
    assert_eq!(
        h,
        Header {
            version: 1,
            signature: 0xa97f_d775_bc28_d26f,
            params: 17
        }
    );
    assert_eq!(Xor::SIGNATURE, 0xa97f_d775_bc28_d26f);
}

#[test]
fn another_architecture_is_refused() {
    let mut wider = Wider::ZERO;
    assert_eq!(
        format::load(&mut wider, GOLDEN),
        Err(LoadError::ShapeMismatch {
            expected: Wider::SIGNATURE,
            found: Xor::SIGNATURE
        })
    );
    assert_eq!(bits(&wider), bits(&Wider::ZERO));

    // Same parameter count and image length, different activation: still refused.
    type A = chain![Dense<3, 3>, Tanh<3>];
    type B = chain![Dense<3, 3>, Relu<3>];
    let mut buf = [0u8; format::encoded_len::<A>()];
    let mut a = A::ZERO;
    a.init(Init::HeUniform, &mut stacknet::rng(1));
    format::save(&a, &mut buf).unwrap();
    assert!(matches!(
        format::from_bytes::<B>(&buf),
        Err(LoadError::ShapeMismatch { .. })
    ));
    // Layer order matters too.
    type C = chain![Dense<3, 3>, Softmax<3>, Relu<3>];
    type D = chain![Dense<3, 3>, Relu<3>, Softmax<3>];
    assert_ne!(C::SIGNATURE, D::SIGNATURE);
}

#[test]
fn each_error_is_reported_and_leaves_the_model_alone() {
    let before = seeded(9);
    let good = image(&golden());
    type Expect = fn(&LoadError) -> bool;
    let cases: [(Vec<u8>, Expect); 7] = [
        (b"PK\x03\x04 not ours".to_vec(), |e| {
            *e == LoadError::BadMagic
        }),
        (
            {
                let mut b = good.to_vec();
                b[4] = 2;
                b
            },
            |e| *e == LoadError::UnsupportedVersion { found: 2 },
        ),
        (good[..50].to_vec(), |e| {
            *e == LoadError::WrongLength {
                expected: 92,
                found: 50,
            }
        }),
        ([&good[..], &[0xFF]].concat(), |e| {
            matches!(e, LoadError::WrongLength { found: 93, .. })
        }),
        (
            {
                let mut b = good.to_vec();
                b[40] ^= 1;
                b
            },
            |e| matches!(e, LoadError::Checksum { .. }),
        ),
        (
            {
                let mut b = good.to_vec();
                b[20 + 4 * 5..20 + 4 * 6].copy_from_slice(&f32::NAN.to_le_bytes());
                reseal(&mut b);
                b
            },
            |e| *e == LoadError::NonFinite { index: 5 },
        ),
        (Vec::new(), |e| {
            matches!(e, LoadError::WrongLength { found: 0, .. })
        }),
    ];
    for (bytes, expected) in cases {
        let mut m = before;
        let err = format::load(&mut m, &bytes).unwrap_err();
        assert!(expected(&err), "{err:?} for {bytes:02x?}");
        assert_eq!(
            bits(&m),
            bits(&before),
            "model changed by a failed load ({err})"
        );
        // Display gives a readable message; Error is implemented.
        let e: &dyn core::error::Error = &err;
        assert!(!e.to_string().is_empty());
    }
}

#[test]
fn save_errors() {
    let mut small = [0u8; 10];
    assert_eq!(
        format::save(&golden(), &mut small),
        Err(SaveError::BufferTooSmall {
            needed: 92,
            got: 10
        })
    );
    let mut bad = golden();
    bad.1.1.0.weights[0][3] = f32::INFINITY;
    let mut buf = [0u8; 92];
    assert_eq!(
        format::save(&bad, &mut buf),
        Err(SaveError::NonFinite { index: 15 })
    );
    assert!(buf.iter().all(|&b| b == 0), "a failed save wrote bytes");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Structurally valid images with one targeted corruption each, so every check of
    /// `load` is reached (magic, version, header length, image length, CRC, signature,
    /// parameter count, NaN/∞ payload, and the copy of an intact image). Each case has
    /// exactly one expected outcome, computed here independently of the loader; a refused
    /// image leaves the model bit-identical, an accepted one is loaded bit for bit.
    #[test]
    fn targeted_corruption_gives_the_exact_error(
        seed in 0u64..1000,
        kind in 0u8..11,
        at in any::<usize>(),
        value in any::<u32>(),
        cut in 0usize..92,
    ) {
        let model = seeded(seed);
        let good = image(&model);
        let mut bytes = good.to_vec();
        let word = |b: &[u8], i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let expected: Result<(), LoadError> = match kind {
            // Intact: loads, and the model is exactly the saved one.
            0 => Ok(()),
            // One magic byte changed.
            1 => {
                let i = at % 4;
                bytes[i] = bytes[i].wrapping_add(1 + (value % 255) as u8);
                Err(LoadError::BadMagic)
            }
            // Any other version.
            2 => {
                let v = if value == 1 { 2 } else { value };
                bytes[4..8].copy_from_slice(&v.to_le_bytes());
                Err(LoadError::UnsupportedVersion { found: v })
            }
            // Truncated: shorter than a header, or shorter than the image.
            3 => {
                bytes.truncate(cut);
                match cut {
                    // Not even a header: the minimum image length is expected.
                    0..20 => Err(LoadError::WrongLength { expected: 24, found: cut }),
                    _ => Err(LoadError::WrongLength { expected: 92, found: cut }),
                }
            }
            // Trailing bytes.
            4 => {
                let extra = 1 + at % 16;
                bytes.extend(std::iter::repeat_n(value as u8, extra));
                Err(LoadError::WrongLength { expected: 92, found: 92 + extra })
            }
            // One signature or payload bit flipped, not resealed: the CRC catches it.
            5 => {
                let i = if at % 2 == 0 { 8 + (at / 2) % 8 } else { 20 + (at / 2) % 68 };
                bytes[i] ^= 1 << (value % 8);
                let stored = word(&bytes, 88);
                Err(LoadError::Checksum { stored, computed: format::crc32(&bytes[..88]) })
            }
            // The stored CRC itself corrupted.
            6 => {
                let stored = word(&bytes, 88) ^ value.max(1);
                bytes[88..].copy_from_slice(&stored.to_le_bytes());
                Err(LoadError::Checksum { stored, computed: format::crc32(&bytes[..88]) })
            }
            // Another architecture's signature, resealed.
            7 => {
                let sig = Xor::SIGNATURE ^ u64::from(value.max(1));
                bytes[8..16].copy_from_slice(&sig.to_le_bytes());
                reseal(&mut bytes);
                Err(LoadError::ShapeMismatch { expected: Xor::SIGNATURE, found: sig })
            }
            // Another parameter count, image resized to match and resealed: the header is
            // self-consistent, but not for this model.
            8 => {
                let params = 1 + (value % 40);
                let params = if params == 17 { 18 } else { params };
                bytes[16..20].copy_from_slice(&params.to_le_bytes());
                bytes.resize(24 + 4 * params as usize, 0);
                reseal(&mut bytes);
                Err(LoadError::ShapeMismatch { expected: Xor::SIGNATURE, found: Xor::SIGNATURE })
            }
            // Another parameter count, length left alone: the image length is wrong.
            9 => {
                let params = if value == 17 { 16 } else { value };
                bytes[16..20].copy_from_slice(&params.to_le_bytes());
                reseal(&mut bytes);
                let expected = (params as usize).checked_mul(4).and_then(|n| n.checked_add(24));
                Err(LoadError::WrongLength { expected: expected.unwrap_or(usize::MAX), found: 92 })
            }
            // A NaN or ±∞ parameter, resealed.
            _ => {
                let index = at % 17;
                let bad = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY][value as usize % 3];
                bytes[20 + 4 * index..24 + 4 * index].copy_from_slice(&bad.to_le_bytes());
                reseal(&mut bytes);
                Err(LoadError::NonFinite { index })
            }
        };
        let before = seeded(seed + 1);
        let mut m = before;
        let got = format::load(&mut m, &bytes);
        prop_assert_eq!(&got, &expected, "corruption kind {}", kind);
        if got.is_ok() {
            prop_assert_eq!(bits(&m), bits(&model), "loaded parameters differ");
        } else {
            prop_assert_eq!(bits(&m), bits(&before), "a refused image changed the model");
        }
        // `verify` agrees with `load` on everything it can check without a model.
        match (&expected, format::verify(&bytes)) {
            (Ok(()) | Err(LoadError::ShapeMismatch { .. } | LoadError::NonFinite { .. }), v) => {
                prop_assert!(v.is_ok(), "{:?}", v)
            }
            (Err(e), v) => prop_assert_eq!(v, Err(*e)),
        }
    }

    /// Random bytes after a valid magic and version (the part the targeted cases above do
    /// not shape) never panic, and never touch the model unless they are accepted.
    #[test]
    fn random_bytes_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..200)) {
        let bytes = [&b"SNET\x01\0\0\0"[..], &tail].concat();
        let before = seeded(3);
        let mut m = before;
        match format::load(&mut m, &bytes) {
            Ok(()) => prop_assert_eq!(&image(&m)[..], &bytes[..]),
            Err(_) => prop_assert_eq!(bits(&m), bits(&before)),
        }
    }

    /// Every proper prefix of a valid image is refused, model unchanged.
    #[test]
    fn truncated_images_are_refused(seed in 0u64..1000, cut in 0usize..92) {
        let buf = image(&seeded(seed));
        let before = seeded(seed + 1);
        let mut m = before;
        prop_assert!(format::load(&mut m, &buf[..cut]).is_err());
        prop_assert_eq!(bits(&m), bits(&before));
    }

    /// Any single flipped bit, or any burst of up to 32 bits, is detected: CRC-32 catches
    /// all of them.
    #[test]
    fn flipped_bits_are_refused(seed in 0u64..1000, at in 0usize..92, burst in 1u32..=u32::MAX) {
        let mut buf = image(&seeded(seed));
        for (k, b) in burst.to_le_bytes().iter().enumerate() {
            if let Some(byte) = buf.get_mut(at + k) {
                *byte ^= b;
            }
        }
        if buf == image(&seeded(seed)) {
            return Ok(()); // the burst fell entirely past the end
        }
        let before = seeded(seed + 1);
        let mut m = before;
        prop_assert!(format::load(&mut m, &buf).is_err());
        prop_assert_eq!(bits(&m), bits(&before));
    }

    /// Any finite parameters survive save and load bit for bit.
    #[test]
    fn finite_weights_round_trip(bits in proptest::collection::vec(any::<u32>(), 17)) {
        let mut m = Xor::ZERO;
        let mut i = 0;
        for b in 0..Xor::PARAM_BLOCKS {
            for p in m.param_block_mut(b) {
                let v = f32::from_bits(bits[i]);
                *p = if v.is_finite() { v } else { 1.5 };
                i += 1;
            }
        }
        let buf = image(&m);
        let back: Xor = format::from_bytes(&buf).unwrap();
        for b in 0..Xor::PARAM_BLOCKS {
            let same = back.param_block(b).iter().zip(m.param_block(b))
                .all(|(x, y)| x.to_bits() == y.to_bits());
            prop_assert!(same);
        }
    }

    /// A resealed image with arbitrary payload bits loads exactly when every value is finite.
    #[test]
    fn resealed_payloads(payload in proptest::collection::vec(any::<u8>(), 68)) {
        let mut buf = image(&Xor::ZERO);
        buf[20..88].copy_from_slice(&payload);
        reseal(&mut buf);
        let finite = payload.chunks(4)
            .position(|w| !f32::from_le_bytes([w[0], w[1], w[2], w[3]]).is_finite());
        let mut m = seeded(4);
        match (format::load(&mut m, &buf), finite) {
            (Ok(()), None) => prop_assert_eq!(&image(&m)[..], &buf[..]),
            (Err(LoadError::NonFinite { index }), Some(i)) => {
                prop_assert_eq!(index, i);
                prop_assert_eq!(bits(&m), bits(&seeded(4)));
            }
            (r, f) => prop_assert!(false, "{:?} with first non-finite {:?}", r, f),
        }
    }
}
