//! The fine-tuning experiment of issue 12, shared bit for bit by the firmware
//! (`src/bin/finetune-*.rs`) and the host (`tests/firmware_finetune.rs` includes this file
//! with `#[path]`): a LeNet-style CNN pre-trained on MNIST (`LENET`, a `static` in flash)
//! adapts to the shifted domain of 8×8 digits upsampled to 28×28 (`crate::shift`), three
//! ways, and reports its accuracy on held-out shifted digits before and after.
//!
//! - **last layer only** and **last two layers**: the body is frozen and stays in flash, so
//!   its output for a sample never changes: each buffered sample goes through it once
//!   (`infer_with`, a ping-pong scratch) and its *features* are cached in a `ReplayBuffer`
//!   (TinyTL's feature caching); the trained layers then learn from the features alone.
//! - **bias-only + last layer**: every bias trains, so backward runs through the
//!   convolutions and nothing can be cached; the `BiasOnly` variant of the whole model is
//!   trained in RAM with its `StepWorkspace`, on samples upsampled as they are replayed.
//!
//! Plain SGD everywhere (zero bytes of optimizer state), per-sample steps, epochs over the
//! buffer in its stored order. The crate that includes this file provides `crate::lenet`,
//! `crate::samples` and `crate::shift`.

pub use crate::lenet::{LENET, Lenet};
use crate::samples::{HELD_OUT, HELD_OUT_LABELS, TUNE, TUNE_LABELS};
use crate::shift;
use stacknet::layers::{Conv2d, Flatten, MaxPool2d, Relu3, Unflatten};
use stacknet::loss::{SoftmaxCrossEntropy, argmax};
use stacknet::optim::Sgd;
use stacknet::replay::ReplayBuffer;
use stacknet::{BiasOnly, Dense, Layer, Relu, Split, StepWorkspace, Zero, chain};

/// Shifted samples in the device's buffer (the first of `samples::TUNE`).
pub const TUNE_SAMPLES: usize = 100;
/// Held-out shifted samples every accuracy is measured on (the first of
/// `samples::HELD_OUT`).
pub const HELD_OUT_SAMPLES: usize = 150;
/// Epochs over the buffer, per setting: the cached-feature settings' steps are cheap; a
/// bias-only step runs the whole CNN forward and backward.
pub const LAST_EPOCHS: usize = 20;
/// See [`LAST_EPOCHS`].
pub const TWO_EPOCHS: usize = 5;
/// See [`LAST_EPOCHS`].
pub const BIAS_EPOCHS: usize = 2;
/// SGD learning rate, the same for every setting.
pub const LR: f32 = 0.01;

/// The frozen convolution body, as pre-trained.
pub type Body = <Lenet as Split>::Body;
/// The head: `Dense<256, 32>` → ReLU → `Dense<32, 10>`.
pub type Head = <Lenet as Split>::Head;
/// The last layer, the only one "last layer only" trains.
pub type Last = Dense<32, 10>;
/// Every bias trains, and the last layer's weights; grouped like `Lenet`, whose weight
/// blocks it shares one for one (`BiasOnly` changes the type, not the stored weights).
pub type BiasAndLast = (
    chain![
        Unflatten<1, 28, 28, 784>,
        BiasOnly<Conv2d<1, 8, 5, 28, 28, 24, 24>>,
        Relu3<8, 24, 24>,
        MaxPool2d<8, 24, 24, 12, 12>,
        BiasOnly<Conv2d<8, 16, 5, 12, 12, 8, 8>>,
        Relu3<16, 8, 8>,
        MaxPool2d<16, 8, 8, 4, 4>,
        Flatten<16, 4, 4, 256>,
    ],
    chain![BiasOnly<Dense<256, 32>>, Relu<32>, Dense<32, 10>],
);

/// Scratch for running the body (or the whole model) with `infer_with`: two of its largest
/// feature map (8 × 24 × 24 after the first convolution).
pub const SCRATCH: usize = 2 * <Lenet as Layer>::LARGEST;

/// RAM a setting needs by design, in bytes (`size_of`, so exact); the firmware prints it
/// next to the measured static RAM and stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Memory {
    /// The RAM copy of what trains (frozen layers inside it included, if any).
    pub trained: usize,
    /// Its `StepWorkspace` (forward cache and output; no gradient buffer).
    pub workspace: usize,
    /// The optimizer (SGD: no per-parameter state).
    pub optimizer: usize,
    /// The feature cache (`ReplayBuffer`); 0 when samples are replayed from flash.
    pub buffer: usize,
    /// The upsampled input plus the `infer_with` ping-pong scratch of a frozen pass.
    pub scratch: usize,
}

const fn memory<T: Layer>(buffer: usize) -> Memory {
    Memory {
        trained: size_of::<T>(),
        workspace: size_of::<StepWorkspace<T>>(),
        optimizer: size_of::<Sgd>(),
        buffer,
        scratch: size_of::<[f32; 784]>() + size_of::<[f32; SCRATCH]>(),
    }
}

/// [`last_layer`]'s memory.
pub const LAST_MEMORY: Memory =
    memory::<Last>(size_of::<ReplayBuffer<[f32; 32], 10, TUNE_SAMPLES>>());
/// [`last_two`]'s memory.
pub const TWO_MEMORY: Memory =
    memory::<Head>(size_of::<ReplayBuffer<[f32; 256], 10, TUNE_SAMPLES>>());
/// [`bias_and_last`]'s memory.
pub const BIAS_MEMORY: Memory = memory::<BiasAndLast>(0);
/// [`whole_model_steps`]'s memory for `L`.
pub const fn whole_memory<L: Layer>() -> Memory {
    memory::<L>(0)
}

/// Marks the region whose instructions and stack the firmware measures (one step).
pub trait Probe {
    /// Just before a training step.
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

/// What one setting did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Held-out samples the pre-trained model classifies correctly.
    pub before: u32,
    /// Held-out samples the fine-tuned model classifies correctly.
    pub after: u32,
    /// FNV-1a over the bit patterns of every parameter the setting trains, after training.
    pub checksum: u32,
    /// Training steps taken (refused steps are not counted).
    pub steps: u32,
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
fn checksum<L: Layer>(model: &L) -> u32 {
    (0..L::PARAM_BLOCKS).fold(FNV_START, |h, i| fnv(h, model.param_block(i)))
}

fn one_hot(label: u8) -> [f32; 10] {
    core::array::from_fn(|i| if i == usize::from(label) { 1.0 } else { 0.0 })
}

/// The frozen body's 256 features for a raw digit (`x28` and `scratch` are the caller's, so
/// that their memory is counted once). Zeros if the scratch were too short (it is not).
fn body_features(raw: &[u8; 64], x28: &mut [f32; 784], scratch: &mut [f32]) -> [f32; 256] {
    shift::shifted(raw, x28);
    LENET.body().infer_with(x28, scratch).unwrap_or([0.0; 256])
}

/// The frozen `Dense<256, 32>` → ReLU of the pre-trained head (in flash).
fn hidden_features(f: &[f32; 256]) -> [f32; 32] {
    let (hidden, top) = LENET.head().split();
    top.body().infer(&hidden.infer(f))
}

fn held_out() -> impl Iterator<Item = (&'static [u8; 64], usize)> {
    HELD_OUT
        .iter()
        .zip(HELD_OUT_LABELS.iter().map(|&l| usize::from(l)))
        .take(HELD_OUT_SAMPLES)
}

fn tune() -> impl Iterator<Item = (&'static [u8; 64], u8)> {
    TUNE.iter()
        .zip(TUNE_LABELS.iter().copied())
        .take(TUNE_SAMPLES)
}

/// **Last layer only**: 32 cached features per sample, `Dense<32, 10>` trains (in RAM; the
/// rest of the model never leaves flash).
#[inline(never)]
pub fn last_layer<P: Probe>(probe: &mut P) -> Outcome {
    let mut buffer = ReplayBuffer::<[f32; 32], 10, TUNE_SAMPLES>::new();
    cache_hidden_features(&mut buffer);
    let pre_trained: &Last = LENET.head().head().head();
    let mut last = *pre_trained;
    let mut ws = StepWorkspace::<Last>::new();
    let mut steps = 0;
    if let Ok(mut opt) = Sgd::new(LR) {
        for _ in 0..LAST_EPOCHS {
            for (x, t) in buffer.iter() {
                probe.begin();
                let done = ws.step(&mut last, &mut opt, &SoftmaxCrossEntropy, x, t);
                probe.end();
                steps += u32::from(done.is_ok());
            }
        }
    }
    let (before, after) = evaluate_last(pre_trained, &last);
    Outcome {
        before,
        after,
        checksum: checksum(&last),
        steps,
    }
}

/// Held-out samples `(pre_trained, tuned)` get right. Its own frame (like every phase
/// here), so the body's scratch and the feature buffer are never on the stack together.
#[inline(never)]
fn evaluate_last(pre_trained: &Last, tuned: &Last) -> (u32, u32) {
    let (mut before, mut after) = (0, 0);
    let (mut x28, mut scratch) = ([0.0; 784], [0.0; SCRATCH]);
    for (raw, label) in held_out() {
        let f = hidden_features(&body_features(raw, &mut x28, &mut scratch));
        before += u32::from(argmax(&pre_trained.infer(&f)) == label);
        after += u32::from(argmax(&tuned.infer(&f)) == label);
    }
    (before, after)
}

/// Fills `buffer` with the frozen part's output (body, then the pre-trained hidden layer).
/// Its own frame, so the body's scratch is free again before training starts.
#[inline(never)]
fn cache_hidden_features(buffer: &mut ReplayBuffer<[f32; 32], 10, TUNE_SAMPLES>) {
    let (mut x28, mut scratch) = ([0.0; 784], [0.0; SCRATCH]);
    for (raw, label) in tune() {
        let f = hidden_features(&body_features(raw, &mut x28, &mut scratch));
        // Finite by construction (pre-trained weights, pixels in 0..=1); a refused sample
        // would only shorten the buffer.
        let _ = buffer.push(f, one_hot(label));
    }
}

/// **Last two layers**: 256 cached body features per sample, the whole head trains (a RAM
/// copy of it; the body stays in flash).
#[inline(never)]
pub fn last_two<P: Probe>(probe: &mut P) -> Outcome {
    let mut buffer = ReplayBuffer::<[f32; 256], 10, TUNE_SAMPLES>::new();
    cache_body_features(&mut buffer);
    let pre_trained: &Head = LENET.head();
    let mut head = *pre_trained;
    let mut ws = StepWorkspace::<Head>::new();
    let mut steps = 0;
    if let Ok(mut opt) = Sgd::new(LR) {
        for _ in 0..TWO_EPOCHS {
            for (x, t) in buffer.iter() {
                probe.begin();
                let done = ws.step(&mut head, &mut opt, &SoftmaxCrossEntropy, x, t);
                probe.end();
                steps += u32::from(done.is_ok());
            }
        }
    }
    let (before, after) = evaluate_two(pre_trained, &head);
    Outcome {
        before,
        after,
        checksum: checksum(&head),
        steps,
    }
}

/// Held-out samples `(pre_trained, tuned)` get right, in a frame of its own.
#[inline(never)]
fn evaluate_two(pre_trained: &Head, tuned: &Head) -> (u32, u32) {
    let (mut before, mut after) = (0, 0);
    let (mut x28, mut scratch) = ([0.0; 784], [0.0; SCRATCH]);
    for (raw, label) in held_out() {
        let f = body_features(raw, &mut x28, &mut scratch);
        before += u32::from(argmax(&pre_trained.infer(&f)) == label);
        after += u32::from(argmax(&tuned.infer(&f)) == label);
    }
    (before, after)
}

/// Fills `buffer` with the frozen body's output.
#[inline(never)]
fn cache_body_features(buffer: &mut ReplayBuffer<[f32; 256], 10, TUNE_SAMPLES>) {
    let (mut x28, mut scratch) = ([0.0; 784], [0.0; SCRATCH]);
    for (raw, label) in tune() {
        let _ = buffer.push(body_features(raw, &mut x28, &mut scratch), one_hot(label));
    }
}

/// Copies every stored parameter block of `from` into `to` (same weight layout: `Frozen`
/// and `BiasOnly` keep the wrapped layer's blocks). False, with `to` untouched, if the
/// architectures differ.
pub fn copy_weights<A: Layer, B: Layer>(from: &A, to: &mut B) -> bool {
    if A::SIGNATURE != B::SIGNATURE || A::PARAM_BLOCKS != B::PARAM_BLOCKS {
        return false;
    }
    for i in 0..A::PARAM_BLOCKS {
        for (t, f) in to.param_block_mut(i).iter_mut().zip(from.param_block(i)) {
            *t = *f;
        }
    }
    true
}

/// **Bias-only + last layer** (TinyTL): the `BiasOnly` variant of the whole model in RAM,
/// trained with its workspace; samples are upsampled as they are replayed.
#[inline(never)]
pub fn bias_and_last<P: Probe>(probe: &mut P) -> Outcome {
    let mut model = BiasAndLast::ZERO;
    if !copy_weights(&LENET, &mut model) {
        return Outcome {
            before: 0,
            after: 0,
            checksum: 0,
            steps: 0,
        };
    }
    let steps = train_bias_and_last(&mut model, probe);
    let (before, after) = evaluate_bias_and_last(&model);
    Outcome {
        before,
        after,
        checksum: checksum(&model),
        steps,
    }
}

/// Held-out samples the pre-trained model (flash) and `tuned` (RAM) get right.
#[inline(never)]
fn evaluate_bias_and_last(tuned: &BiasAndLast) -> (u32, u32) {
    let (mut before, mut after) = (0, 0);
    let (mut x28, mut scratch) = ([0.0; 784], [0.0; SCRATCH]);
    for (raw, label) in held_out() {
        shift::shifted(raw, &mut x28);
        let was = LENET.infer_with(&x28, &mut scratch).map(|y| argmax(&y));
        before += u32::from(was == Some(label));
        let now = tuned.infer_with(&x28, &mut scratch).map(|y| argmax(&y));
        after += u32::from(now == Some(label));
    }
    (before, after)
}

/// The training loop of [`bias_and_last`], in its own frame (the workspace is free again
/// before the evaluation's scratch is needed).
#[inline(never)]
fn train_bias_and_last<P: Probe>(model: &mut BiasAndLast, probe: &mut P) -> u32 {
    let mut ws = StepWorkspace::<BiasAndLast>::new();
    let mut x28 = [0.0; 784];
    let mut steps = 0;
    if let Ok(mut opt) = Sgd::new(LR) {
        for _ in 0..BIAS_EPOCHS {
            for (raw, label) in tune() {
                shift::shifted(raw, &mut x28);
                let t = one_hot(label);
                probe.begin();
                let done = ws.step(model, &mut opt, &SoftmaxCrossEntropy, &x28, &t);
                probe.end();
                steps += u32::from(done.is_ok());
            }
        }
    }
    steps
}

/// Training steps [`whole_model_steps`] measures: enough for a stable per-step count.
pub const PROBE_STEPS: usize = 10;

/// The whole model with only the last layer trainable, *without* feature caching: every
/// step runs the frozen body forward (and, being frozen, no backward through it).
pub type LastOnly = (
    stacknet::Frozen<Body>,
    chain![stacknet::Frozen<Dense<256, 32>>, Relu<32>, Dense<32, 10>],
);

/// [`PROBE_STEPS`] per-sample steps of the whole model of type `L` (weights from `LENET`,
/// in RAM): what a step costs with nothing frozen (`L = Lenet`) against a frozen body
/// (`L = LastOnly`). No accuracy is measured (`before`/`after` are 0).
#[inline(never)]
pub fn whole_model_steps<L, P>(probe: &mut P) -> Outcome
where
    L: Layer<Input = [f32; 784], Output = [f32; 10]> + Zero,
    P: Probe,
{
    let mut model = L::ZERO;
    let copied = copy_weights(&LENET, &mut model);
    let steps = if copied {
        train_whole(&mut model, probe)
    } else {
        0
    };
    Outcome {
        before: 0,
        after: 0,
        checksum: checksum(&model),
        steps,
    }
}

#[inline(never)]
fn train_whole<L, P>(model: &mut L, probe: &mut P) -> u32
where
    L: Layer<Input = [f32; 784], Output = [f32; 10]>,
    P: Probe,
{
    let mut ws = StepWorkspace::<L>::new();
    let mut x28 = [0.0; 784];
    let mut steps = 0;
    if let Ok(mut opt) = Sgd::new(LR) {
        for (raw, label) in tune().take(PROBE_STEPS) {
            shift::shifted(raw, &mut x28);
            let t = one_hot(label);
            probe.begin();
            let done = ws.step(model, &mut opt, &SoftmaxCrossEntropy, &x28, &t);
            probe.end();
            steps += u32::from(done.is_ok());
        }
    }
    steps
}
