//! The GRU fine-tuning experiment of issue 18, shared bit for bit by the firmware
//! (`src/bin/gru-*.rs`) and the host (`tests/firmware_gru.rs` includes this file with
//! `#[path]`).
//!
//! The BasicMotions GRU classifier (GRU 6 → 16 over 100 steps, last state → Dense 16 → 4;
//! the parameters of `examples/basicmotions.rs`'s `gru16`), pre-trained on the host, is
//! [`PRE_TRAINED`], a `static` in flash. The device's IMU is mounted upside down (turned
//! 180° about its y axis: x and z of the accelerometer and the gyroscope change sign), which
//! the pre-trained model has never seen. Windows arrive one at a time ([`TUNE`], from the
//! training split); the device keeps the latest [`CAPACITY`] in a `ReplayBuffer` and, after
//! every arrival, takes one per-sample Adam step on each buffered window (a RAM copy of the
//! model trains). Accuracy is measured on held-out windows ([`HELD_OUT`], the test split,
//! also flipped) before and after.
//!
//! The firmware's model type takes windows time-major (`[[f32; 6]; 100]`): the example's
//! `UnflattenSeries` and `Transpose` in front only copy values, so the parameters, and
//! every result, are the same (the host test checks it), and the step workspace is 4.8 KB
//! smaller. The crate that includes this file provides `crate::model` and `crate::samples`.

pub use crate::model::{GruNet, PRE_TRAINED};
pub use crate::samples::{HELD_OUT, HELD_OUT_LABELS, TUNE, TUNE_LABELS};
use stacknet::loss::{SoftmaxCrossEntropy, argmax};
use stacknet::optim::Adam;
use stacknet::replay::ReplayBuffer;
use stacknet::{Layer, StepWorkspace};

/// One window: 100 time steps of 6 standardised channels (accelerometer x, y, z,
/// gyroscope x, y, z).
pub type Window = [[f32; 6]; 100];
/// Activities: Standing, Running, Walking, Badminton.
pub const CLASSES: usize = 4;
/// Windows the replay buffer holds: what is left of 64 KB after the model, its step
/// workspace and Adam's state.
pub const CAPACITY: usize = 4;
/// The replay buffer.
pub type Buffer = ReplayBuffer<Window, CLASSES, CAPACITY>;
/// Adam's learning rate, the example's.
pub const LR: f32 = 3e-3;
/// Windows that arrive in the whole experiment (all of [`TUNE`]).
pub const ARRIVALS: usize = TUNE.len();
/// Arrivals of the short run `scripts/firmware.sh` measures (`gru-steps`): 1 + 2 + 3 steps.
pub const PROBE_ARRIVALS: usize = 3;

/// Marks the region whose instructions and stack the firmware measures.
pub trait Probe {
    /// Just before a measured region (a training step or an inference).
    fn begin(&mut self);
    /// Just after it.
    fn end(&mut self);
}

/// A probe that measures nothing (the host).
#[derive(Debug, Default)]
pub struct NoProbe;

impl Probe for NoProbe {
    fn begin(&mut self) {}
    fn end(&mut self) {}
}

/// RAM the training phase needs by design, in bytes (`size_of`, so exact); the firmware
/// prints it next to the measured stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Memory {
    /// The RAM copy of the model that trains.
    pub model: usize,
    /// Its `StepWorkspace` (the forward cache of 100 steps; no gradient buffer).
    pub workspace: usize,
    /// Adam: two moments per parameter and its scalars.
    pub optimizer: usize,
    /// The replay buffer of [`CAPACITY`] windows with their targets.
    pub buffer: usize,
}

/// The training phase's memory.
pub const MEMORY: Memory = Memory {
    model: size_of::<GruNet>(),
    workspace: size_of::<StepWorkspace<GruNet>>(),
    optimizer: size_of::<Adam<GruNet>>(),
    buffer: size_of::<Buffer>(),
};

/// What a run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Held-out windows the pre-trained model classifies correctly (0 when not measured).
    pub before: u32,
    /// Held-out windows the fine-tuned model classifies correctly (0 when not measured).
    pub after: u32,
    /// FNV-1a over the bit patterns of every parameter after training.
    pub checksum: u32,
    /// Training steps taken (refused steps are not counted).
    pub steps: u32,
}

impl Outcome {
    /// `[before, after, checksum, steps]`, the layout of `expected.rs`.
    pub const fn as_array(&self) -> [u32; 4] {
        [self.before, self.after, self.checksum, self.steps]
    }
}

/// FNV-1a over `f32` bit patterns, continuing from `h` (start with [`FNV_START`]).
pub fn fnv(mut h: u32, values: &[f32]) -> u32 {
    for v in values {
        for b in v.to_bits().to_le_bytes() {
            h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
        }
    }
    h
}
/// FNV-1a's offset basis.
pub const FNV_START: u32 = 0x811c_9dc5;

/// FNV-1a over every stored parameter block of `model`.
pub fn checksum<L: Layer>(model: &L) -> u32 {
    (0..L::PARAM_BLOCKS).fold(FNV_START, |h, i| fnv(h, model.param_block(i)))
}

fn one_hot(label: u8) -> [f32; CLASSES] {
    core::array::from_fn(|i| if i == usize::from(label) { 1.0 } else { 0.0 })
}

/// The whole experiment: accuracy of [`PRE_TRAINED`] on [`HELD_OUT`], every window of
/// [`TUNE`] through the replay buffer, accuracy of the fine-tuned copy.
#[inline(never)]
pub fn fine_tune<P: Probe>(probe: &mut P) -> Outcome {
    let before = correct(&PRE_TRAINED);
    let mut model = PRE_TRAINED;
    let steps = train(&mut model, ARRIVALS, probe);
    Outcome {
        before,
        after: correct(&model),
        checksum: checksum(&model),
        steps,
    }
}

/// The first [`PROBE_ARRIVALS`] arrivals only, without evaluation (`before`/`after` are 0):
/// the training steps `scripts/firmware.sh` measures, in the same memory layout.
#[inline(never)]
pub fn first_steps<P: Probe>(probe: &mut P) -> Outcome {
    let mut model = PRE_TRAINED;
    let steps = train(&mut model, PROBE_ARRIVALS, probe);
    Outcome {
        before: 0,
        after: 0,
        checksum: checksum(&model),
        steps,
    }
}

/// Streams the first `arrivals` windows of [`TUNE`] through the replay buffer; after each
/// arrival, one Adam step per buffered window, oldest first. Returns the steps taken. Its
/// own frame: buffer, workspace and optimizer are gone before the evaluation runs.
#[inline(never)]
pub fn train<P: Probe>(model: &mut GruNet, arrivals: usize, probe: &mut P) -> u32 {
    let mut buffer = Buffer::new();
    let mut ws = StepWorkspace::<GruNet>::new();
    let Ok(mut opt) = Adam::<GruNet>::new(LR) else {
        return 0;
    };
    let mut steps = 0;
    for (x, &label) in TUNE.iter().zip(&TUNE_LABELS).take(arrivals) {
        // A refused (non-finite) window would leave the buffer as it was; these are finite.
        if buffer.push(*x, one_hot(label)).is_err() {
            continue;
        }
        for (x, t) in buffer.iter() {
            probe.begin();
            let done = ws.step(model, &mut opt, &SoftmaxCrossEntropy, x, t);
            probe.end();
            steps += u32::from(done.is_ok());
        }
    }
    steps
}

/// Held-out windows `model` classifies correctly.
#[inline(never)]
pub fn correct(model: &GruNet) -> u32 {
    HELD_OUT
        .iter()
        .zip(&HELD_OUT_LABELS)
        .map(|(x, &label)| u32::from(argmax(&model.infer(x)) == usize::from(label)))
        .sum()
}

/// What [`inference`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inferred {
    /// Held-out windows classified correctly.
    pub correct: u32,
    /// FNV-1a over the bit patterns of every logit, window after window.
    pub checksum: u32,
}

/// [`PRE_TRAINED`] (in flash) on every held-out window, the probe around each inference.
#[inline(never)]
pub fn inference<P: Probe>(probe: &mut P) -> Inferred {
    let (mut correct, mut h) = (0, FNV_START);
    for (x, &label) in HELD_OUT.iter().zip(&HELD_OUT_LABELS) {
        probe.begin();
        let y = PRE_TRAINED.infer(x);
        probe.end();
        correct += u32::from(argmax(&y) == usize::from(label));
        h = fnv(h, &y);
    }
    Inferred {
        correct,
        checksum: h,
    }
}
