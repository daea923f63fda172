//! Pinned outputs: a change here changes every seeded model. Update only on purpose, and
//! say so in the changelog (like rand_core treats a changed output as a breaking change).

use stacknet::loss::Mse;
use stacknet::optim::Adam;
use stacknet::{Dense, Init, Layer, Sigmoid, Workspace, Zero, chain};

type Xor = chain![Dense<2, 4>, Sigmoid<4>, Dense<4, 1>, Sigmoid<1>];

fn weight_bits(m: &Xor) -> Vec<u32> {
    (0..Xor::PARAM_BLOCKS)
        .flat_map(|b| m.param_block(b).iter().map(|v| v.to_bits()))
        .collect()
}

/// FNV-1a over the weights' bit patterns.
fn fnv(bits: &[u32]) -> u32 {
    bits.iter()
        .flat_map(|w| w.to_le_bytes())
        .fold(0x811c_9dc5, |h, b| {
            (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
        })
}

#[test]
fn init_for_seed_0_is_pinned() {
    let mut m = Xor::ZERO;
    m.init(Init::XavierUniform, &mut stacknet::rng(0));
    let first_row = m.0.weights[0];
    println!("{first_row:?} {:#010x}", fnv(&weight_bits(&m)));
    assert_eq!(first_row, PINNED_ROW);
    assert_eq!(fnv(&weight_bits(&m)), PINNED_INIT);
}

#[test]
fn training_for_seed_0_is_pinned() {
    let mut m = Xor::ZERO;
    m.init(Init::XavierUniform, &mut stacknet::rng(0));
    let mut ws = Workspace::<Xor>::new();
    let mut opt = Adam::new(0.01).unwrap();
    let x = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    let y = [[0.0], [1.0], [1.0], [0.0]];
    for _ in 0..100 {
        ws.batch(&mut m, &mut opt, &Mse, &x, &y).unwrap();
    }
    println!("{:#010x}", fnv(&weight_bits(&m)));
    assert_eq!(fnv(&weight_bits(&m)), PINNED_TRAINED);
}

const PINNED_ROW: [f32; 2] = [0.593_225_24, 0.778_535_25];
const PINNED_INIT: u32 = 0x2b84_47d4;
const PINNED_TRAINED: u32 = 0xfe67_fb37;
