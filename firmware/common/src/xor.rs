//! The XOR experiment, shared word for word by the firmware and the host test
//! `tests/determinism.rs` (which includes this file with `#[path]`), so the checksum the
//! firmware prints and the one the host computes come from the same code.
//!
//! A 2-4-1 sigmoid network, seeded Xavier init, one update per sample (forward, backward,
//! optimizer) with mean squared error, a fixed number of epochs over the four XOR rows.

use stacknet::loss::{Loss, Mse};
use stacknet::optim::{Adam, Optimizer, Sgd};
use stacknet::{Dense, Init, Layer, Sigmoid, StepWorkspace, TrainError, Zero, chain};

/// The network: 2 inputs, 4 sigmoid hidden units, 1 sigmoid output (17 parameters).
pub type Xor = chain![Dense<2, 4>, Sigmoid<4>, Dense<4, 1>, Sigmoid<1>];

/// The four XOR inputs.
pub const INPUTS: [[f32; 2]; 4] = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
/// The four XOR targets.
pub const TARGETS: [[f32; 1]; 4] = [[0.0], [1.0], [1.0], [0.0]];

/// Seed of `stacknet::rng` for the initial weights.
pub const SEED: u64 = 1;
/// Adam learning rate (β1 = 0.9, β2 = 0.999, ε = 1e-8: the crate's defaults).
pub const ADAM_LR: f32 = 0.05;
/// Epochs (passes over the four rows, one update per row) with Adam.
pub const ADAM_EPOCHS: u32 = 500;
/// Plain SGD learning rate.
pub const SGD_LR: f32 = 2.0;
/// Epochs with plain SGD.
pub const SGD_EPOCHS: u32 = 500;

/// FNV-1a of the trained weights with Adam. Asserted by `tests/determinism.rs` on the host
/// and by the `xor-adam` firmware on every board; `scripts/firmware.sh` compares both.
pub const ADAM_CHECKSUM: u32 = 0x30bb_24d9;
/// FNV-1a of the trained weights with SGD (see [`ADAM_CHECKSUM`]).
pub const SGD_CHECKSUM: u32 = 0x9061_5625;

/// Called around every training step. The firmware calls its instruction-count markers
/// here; the host passes `()`.
pub trait Probe {
    /// Just before a step.
    fn begin(&mut self);
    /// Just after a step.
    fn end(&mut self);
}

impl Probe for () {
    fn begin(&mut self) {}
    fn end(&mut self) {}
}

/// Why training did not produce a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The optimizer rejected its hyper-parameters.
    Config,
    /// A step was refused (non-finite data or gradient).
    Step(TrainError),
}

/// The seeded initial model.
pub fn init_model() -> Xor {
    let mut model = Xor::ZERO;
    model.init(Init::XavierUniform, &mut stacknet::rng(SEED));
    model
}

/// One training step on one sample. Never inlined: everything it puts on the stack is the
/// stack cost of a step, measured in the firmware below the caller's stack pointer.
#[inline(never)]
pub fn step<O: Optimizer<Xor>>(
    model: &mut Xor,
    ws: &mut StepWorkspace<Xor>,
    opt: &mut O,
    x: &[f32; 2],
    t: &[f32; 1],
) -> Result<f32, TrainError> {
    ws.step(model, opt, &Mse, x, t)
}

/// One inference. Never inlined, like [`step`], so its stack cost is measurable.
#[inline(never)]
pub fn predict<L: Layer<Input = [f32; 2], Output = [f32; 1]>>(model: &L, x: &[f32; 2]) -> f32 {
    model.infer(x)[0]
}

/// Runs `epochs` passes over the XOR rows, calling `probe` around each step.
///
/// # Errors
/// The first refused step.
pub fn train<O: Optimizer<Xor>, P: Probe>(
    model: &mut Xor,
    opt: &mut O,
    epochs: u32,
    probe: &mut P,
) -> Result<(), TrainError> {
    let mut ws = StepWorkspace::<Xor>::new();
    for _ in 0..epochs {
        for (x, t) in INPUTS.iter().zip(&TARGETS) {
            probe.begin();
            let done = step(model, &mut ws, opt, x, t);
            probe.end();
            done?;
        }
    }
    Ok(())
}

/// Trains from the seeded start with Adam.
///
/// # Errors
/// See [`Failure`].
pub fn train_adam<P: Probe>(probe: &mut P) -> Result<Xor, Failure> {
    let mut model = init_model();
    let mut opt = Adam::new(ADAM_LR).map_err(|_| Failure::Config)?;
    train(&mut model, &mut opt, ADAM_EPOCHS, probe).map_err(Failure::Step)?;
    Ok(model)
}

/// Trains from the seeded start with plain SGD.
///
/// # Errors
/// See [`Failure`].
pub fn train_sgd<P: Probe>(probe: &mut P) -> Result<Xor, Failure> {
    let mut model = init_model();
    let mut opt = Sgd::new(SGD_LR).map_err(|_| Failure::Config)?;
    train(&mut model, &mut opt, SGD_EPOCHS, probe).map_err(Failure::Step)?;
    Ok(model)
}

/// The model's four outputs, one per XOR row.
pub fn outputs<L: Layer<Input = [f32; 2], Output = [f32; 1]>>(model: &L) -> [f32; 4] {
    let mut y = [0.0; 4];
    for (yi, x) in y.iter_mut().zip(&INPUTS) {
        *yi = model.infer(x)[0];
    }
    y
}

/// Mean squared error over the four rows for the given outputs.
pub fn mean_loss(outputs: &[f32; 4]) -> f32 {
    let mut sum = 0.0;
    for (y, t) in outputs.iter().zip(&TARGETS) {
        sum += Mse.loss(&[*y], t);
    }
    sum / 4.0
}

/// True when every output is on the target's side of 0.5.
pub fn classifies(outputs: &[f32; 4]) -> bool {
    outputs
        .iter()
        .zip(&TARGETS)
        .all(|(y, t)| (*y > 0.5) == (t[0] > 0.5))
}

/// FNV-1a (32-bit) starting value.
pub const FNV_OFFSET: u32 = 0x811c_9dc5;

/// Continues an FNV-1a (32-bit) hash `h` over the little-endian bytes of each value's bit
/// pattern.
pub fn fnv1a(mut h: u32, values: &[f32]) -> u32 {
    for v in values {
        for byte in v.to_bits().to_le_bytes() {
            h ^= u32::from(byte);
            h = h.wrapping_mul(0x0100_0193);
        }
    }
    h
}

/// FNV-1a over every parameter's bit pattern, in parameter-block order. Equal checksums
/// mean bit-identical weights.
pub fn checksum<L: Layer>(model: &L) -> u32 {
    let mut h = FNV_OFFSET;
    for b in 0..L::PARAM_BLOCKS {
        h = fnv1a(h, model.param_block(b));
    }
    h
}
