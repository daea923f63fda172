//! Property test: save → load gives a model with bit-identical parameters and outputs, for
//! random weights (any finite value, not only initialiser ranges) and random inputs, and a
//! buffer one byte short is refused without touching it.
//!
//! Case counts are bounded so CI stays fast (`CASES` per test; `PROPTEST_CASES=N` raises
//! them for a long run). The seed is fixed unless `PROPTEST_RNG_SEED` is set.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use stacknet::format::{encoded_len, load, save};
use stacknet::{Dense, Layer, Sigmoid, Tanh, Tensor, Zero, chain};

/// Cases per test in a normal run.
const CASES: u32 = 128;

fn config() -> Config {
    let mut c = Config::with_cases(
        std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(CASES),
    );
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        c.rng_seed = RngSeed::Fixed(0x5a7e);
    }
    c
}

type Xor = chain![Dense<2, 4>, Sigmoid<4>, Dense<4, 1>, Sigmoid<1>];
type Deeper = chain![Dense<6, 7>, Tanh<7>, Dense<7, 5>, Sigmoid<5>, Dense<5, 3>];

fn bits<L: Layer>(m: &L) -> Vec<u32> {
    (0..L::PARAM_BLOCKS)
        .flat_map(|b| m.param_block(b).iter().map(|v| v.to_bits()))
        .collect()
}

/// A model whose parameters are `values` in order (cycled if short).
fn from_values<L: Layer + Zero>(values: &[f32]) -> L {
    let mut m = L::ZERO;
    let mut it = values.iter().cycle();
    for b in 0..L::PARAM_BLOCKS {
        for p in m.param_block_mut(b) {
            *p = *it.next().unwrap();
        }
    }
    m
}

/// Any finite f32, including subnormals, ±0 and values near ±f32::MAX.
fn finite() -> impl Strategy<Value = f32> {
    any::<u32>()
        .prop_map(f32::from_bits)
        .prop_filter("finite", |v| v.is_finite())
}

fn roundtrip<L: Layer + Zero>(values: &[f32], x: &L::Input) -> Result<(), TestCaseError>
where
    L::Output: PartialEq + core::fmt::Debug,
{
    let m: L = from_values(values);
    let mut buf = vec![0u8; encoded_len::<L>() + 3];
    let n = save(&m, &mut buf).map_err(|e| TestCaseError::fail(format!("save: {e}")))?;
    prop_assert_eq!(n, encoded_len::<L>());
    prop_assert_eq!(
        &buf[n..],
        &[0u8; 3][..],
        "bytes past the image were written"
    );
    let mut back = L::ZERO;
    load(&mut back, &buf[..n]).map_err(|e| TestCaseError::fail(format!("load: {e}")))?;
    prop_assert_eq!(bits(&back), bits(&m));
    let (ya, yb) = (m.infer(x), back.infer(x));
    let same = ya
        .flat()
        .iter()
        .zip(yb.flat())
        .all(|(a, b)| a.to_bits() == b.to_bits());
    prop_assert!(same, "outputs differ: {:?} vs {:?}", ya, yb);
    // One byte short: refused, buffer untouched.
    let mut short = vec![0xA5u8; n - 1];
    prop_assert!(save(&m, &mut short).is_err());
    prop_assert!(short.iter().all(|&b| b == 0xA5));
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn xor_roundtrip(values in prop::collection::vec(finite(), Xor::PARAMS),
                     x in prop::array::uniform2(-4.0f32..4.0)) {
        roundtrip::<Xor>(&values, &x)?;
    }

    #[test]
    fn deeper_roundtrip_with_small_weights(values in prop::collection::vec(-3.0f32..3.0, Deeper::PARAMS),
                                           x in prop::array::uniform6(-4.0f32..4.0)) {
        roundtrip::<Deeper>(&values, &x)?;
    }
}
