//! Fuzzes `stacknet::format::load` (and `verify`, `Header::read`) with arbitrary bytes.
//!
//! Checked properties, for several model types:
//! - no input makes the loader panic;
//! - a refused image leaves the model exactly as it was;
//! - an accepted image saves back to the very same bytes.
//!
//! Random bytes almost never carry a valid CRC-32, so each input is also tried "resealed"
//! (its last four bytes replaced by the CRC of the rest): that lets the fuzzer reach the
//! signature, parameter-count and NaN checks and the copy itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stacknet::format::{self, Header};
use stacknet::layers::activation::TanhFn;
use stacknet::{
    Act, AvgPool2d, Conv2d, Dense, Flatten, Identity, Layer, LeakyRelu, MaxPool2d, Relu, Relu3,
    Sigmoid, Softmax, Tanh, Unflatten, Zero, chain,
};

type Xor = chain![Dense<2, 4>, Sigmoid<4>, Dense<4, 1>, Sigmoid<1>];
type Mlp = chain![
    Dense<4, 16>,
    Relu<16>,
    Dense<16, 12>,
    LeakyRelu<12>,
    Dense<12, 8>,
    Tanh<8>,
    Dense<8, 3>,
    Identity<3>,
    Softmax<3>,
];
type Cnn = chain![
    Unflatten<1, 8, 8, 64>,
    Conv2d<1, 4, 3, 8, 8, 8, 8, 1, 1>,
    Relu3<4, 8, 8>,
    MaxPool2d<4, 8, 8, 4, 4, 2, 2>,
    Conv2d<4, 6, 3, 4, 4, 2, 2, 2, 1>,
    Act<TanhFn, [[[f32; 2]; 2]; 6]>,
    AvgPool2d<6, 2, 2, 1, 1, 2, 2>,
    Flatten<6, 1, 1, 6>,
    Dense<6, 3>,
    Softmax<3>,
];
type Roundtrip = chain![Dense<2, 8>, Tanh<8>, Dense<8, 3>, Softmax<3>];
type One = Dense<1, 1>;

/// Largest image among the types above (the CNN: 24 + 4 · 283 bytes).
const MAX_IMAGE: usize = 2048;

/// True when both models hold the same parameter bit patterns: "unchanged" is a bitwise
/// claim, which `f32 ==` cannot check (it equates −0.0 with 0.0).
fn bit_identical<L: Layer>(a: &L, b: &L) -> bool {
    (0..L::PARAM_BLOCKS).all(|i| {
        let (x, y) = (a.param_block(i), b.param_block(i));
        x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits())
    })
}

fn check<L: Layer + Zero>(data: &[u8]) {
    // A recognisable non-zero starting value, so "unchanged" means something.
    let mut model = L::ZERO;
    for b in 0..L::PARAM_BLOCKS {
        model.param_block_mut(b).iter_mut().for_each(|p| *p = 0.5);
    }
    let mut before = L::ZERO;
    for b in 0..L::PARAM_BLOCKS {
        before.param_block_mut(b).iter_mut().for_each(|p| *p = 0.5);
    }
    match format::load(&mut model, data) {
        Ok(()) => {
            let mut out = [0u8; MAX_IMAGE];
            let n = format::save(&model, &mut out).expect("a loaded model saves");
            assert_eq!(&out[..n], data, "load then save changed the bytes");
        }
        Err(e) => {
            assert!(bit_identical(&model, &before), "failed load ({e}) changed the model");
            let _ = core::fmt::write(&mut Sink, format_args!("{e}"));
        }
    }
}

/// Discards `Display` output: exercises every error's formatting without allocating.
struct Sink;

impl core::fmt::Write for Sink {
    fn write_str(&mut self, _: &str) -> core::fmt::Result {
        Ok(())
    }
}

fn all(data: &[u8]) {
    let _ = Header::read(data).map(|h| h.image_len());
    let _ = format::verify(data);
    check::<Xor>(data);
    check::<Mlp>(data);
    check::<Cnn>(data);
    check::<Roundtrip>(data);
    check::<One>(data);
}

fuzz_target!(|data: &[u8]| {
    all(data);
    if data.len() >= 4 && data.len() <= MAX_IMAGE {
        let mut sealed = [0u8; MAX_IMAGE];
        let sealed = &mut sealed[..data.len()];
        sealed.copy_from_slice(data);
        let n = data.len() - 4;
        let crc = format::crc32(&sealed[..n]);
        sealed[n..].copy_from_slice(&crc.to_le_bytes());
        all(sealed);
    }
});
