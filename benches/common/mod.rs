//! The benchmark workloads, shared by the criterion benches (`benches/*.rs`) and the
//! callgrind driver (`examples/bench_step.rs`), so both measure exactly the same thing.
//!
//! Every peer in `benches/peers/` builds the same networks (W4, the CNN, only PyTorch),
//! trains with the same losses and learning rates, and feeds the same inputs: `inputs()`
//! below is a xorshift32 stream mapped to [0, 1), which `peers/common.h` and
//! `peers/common.py` reproduce.

#![allow(dead_code)] // each including target uses a different subset

use stacknet::layers::{Conv2d, Flatten, MaxPool2d, Relu3, Unflatten};
use stacknet::loss::{Mse, SoftmaxCrossEntropy, one_hot};
use stacknet::optim::{Adam, Optimizer, Sgd};
use stacknet::{BatchWorkspace, Dense, Init, Layer, Relu, Sigmoid, Workspace, chain};

/// W1: XOR, 2-4-1 sigmoid, MSE.
pub type Xor = chain![Dense<2, 4>, Sigmoid<4>, Dense<4, 1>, Sigmoid<1>];
/// W2: the digits shape, 64-100-10, sigmoid hidden layer, softmax cross-entropy on logits.
pub type Digits = chain![Dense<64, 100>, Sigmoid<100>, Dense<100, 10>];
/// W3: the MNIST shape, 784-128-10, ReLU hidden layer, softmax cross-entropy on logits.
pub type Mnist = chain![Dense<784, 128>, Relu<128>, Dense<128, 10>];
/// W4: the small CNN of the convolution issue (`examples/cnn.rs`, `tests/cnn.rs`) on a flat
/// 28×28 input: conv 3×3 ×8 (valid) → ReLU → 2×2 max pool → dense, softmax cross-entropy.
pub type Cnn = chain![
    Unflatten<1, 28, 28, 784>,
    Conv2d<1, 8, 3, 28, 28, 26, 26>,
    Relu3<8, 26, 26>,
    MaxPool2d<8, 26, 26, 13, 13>,
    Flatten<8, 13, 13, 1352>,
    Dense<1352, 10>,
];

/// Samples per data set; per-sample steps cycle through them. 32 is also the batch size.
pub const SAMPLES: usize = 32;
/// Learning rate of every per-sample SGD step and of the batch-32 Adam steps.
pub const LR_XOR: f32 = 0.5;
/// Learning rate of the digits and MNIST SGD steps.
pub const LR: f32 = 0.01;

/// The shared xorshift32 input stream (seed 2463534242), mapped to [0, 1) via the top
/// 24 bits, exactly as the C and Python peers do.
pub fn inputs<const N: usize>(seed_offset: u32) -> Vec<[f32; N]> {
    let mut s: u32 = 2_463_534_242u32.wrapping_add(seed_offset);
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        (s >> 8) as f32 / 16_777_216.0
    };
    (0..SAMPLES)
        .map(|_| core::array::from_fn(|_| next()))
        .collect()
}

/// Class labels `i % 10`, one-hot.
pub fn targets10() -> Vec<[f32; 10]> {
    (0..SAMPLES)
        .map(|i| one_hot::<10>(i % 10).expect("label < 10"))
        .collect()
}

/// The four XOR samples.
pub const XOR_X: [[f32; 2]; 4] = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
/// The four XOR targets.
pub const XOR_T: [[f32; 1]; 4] = [[0.0], [1.0], [1.0], [0.0]];

/// A seeded, initialised model on the heap (the MNIST one is 400 KB).
pub fn model<L: Layer + stacknet::Zero>(init: Init) -> Box<L> {
    let mut m = Box::new(L::ZERO);
    m.init(init, &mut stacknet::rng(7));
    m
}

/// One training state: model, workspace, data and a cursor over the samples.
pub struct Bench<L: Layer, const I: usize, const O: usize> {
    /// The model being trained.
    pub model: Box<L>,
    /// Cache and gradient buffer.
    pub ws: Box<Workspace<L>>,
    /// The four-samples-at-a-time workspace of the `*_batch4` workloads.
    pub bws: Box<BatchWorkspace<L>>,
    /// Inputs.
    pub x: Vec<[f32; I]>,
    /// Targets.
    pub t: Vec<[f32; O]>,
    /// Next sample.
    pub i: usize,
    /// Initialisation scheme, for [`Bench::restart`].
    pub init: Init,
    /// Batches since the last restart.
    pub batches: u32,
}

impl<L, const I: usize, const O: usize> Bench<L, I, O>
where
    L: Layer<Input = [f32; I], Output = [f32; O]> + stacknet::Zero,
{
    /// A fresh state.
    pub fn new(init: Init, x: Vec<[f32; I]>, t: Vec<[f32; O]>) -> Self {
        Self {
            model: model::<L>(init),
            ws: Box::new(Workspace::new()),
            bws: Box::new(BatchWorkspace::new()),
            x,
            t,
            i: 0,
            init,
            batches: 0,
        }
    }

    /// Re-initialises the model (same seed) and clears the workspace.
    pub fn restart(&mut self) {
        self.model.init(self.init, &mut stacknet::rng(7));
        self.ws.clear();
        self.bws.clear();
        self.batches = 0;
    }

    /// Inference on the next sample.
    pub fn infer(&mut self) -> [f32; O] {
        let y = self.model.infer(&self.x[self.i]);
        self.i = (self.i + 1) % self.x.len();
        y
    }
}

/// W1 state.
pub fn xor() -> Bench<Xor, 2, 1> {
    Bench::new(Init::XavierUniform, XOR_X.to_vec(), XOR_T.to_vec())
}
/// W2 state.
pub fn digits() -> Bench<Digits, 64, 10> {
    Bench::new(Init::XavierUniform, inputs(0), targets10())
}
/// W3 state.
pub fn mnist() -> Bench<Mnist, 784, 10> {
    Bench::new(Init::HeUniform, inputs(1), targets10())
}

/// W4 state: the same inputs and targets as W3.
pub fn cnn() -> Bench<Cnn, 784, 10> {
    Bench::new(Init::HeUniform, inputs(1), targets10())
}

/// W1 per-sample SGD step.
pub fn xor_step(b: &mut Bench<Xor, 2, 1>, opt: &mut Sgd) -> f32 {
    let i = b.i;
    b.i = (i + 1) % 4;
    b.ws.step(&mut b.model, opt, &Mse, &b.x[i], &b.t[i])
        .expect("finite")
}

/// W1 full-batch epoch: the 4 samples, one SGD update.
pub fn xor_epoch(b: &mut Bench<Xor, 2, 1>, opt: &mut Sgd) -> f32 {
    b.ws.batch(&mut b.model, opt, &Mse, &b.x, &b.t)
        .expect("finite")
}

/// W2/W3/W4 per-sample step with softmax cross-entropy (SGD in the published figures;
/// Adam in the instruction-count guard's `digits_adam_step`).
pub fn class_step<L, O, const I: usize>(b: &mut Bench<L, I, 10>, opt: &mut O) -> f32
where
    L: Layer<Input = [f32; I], Output = [f32; 10]> + stacknet::Zero,
    O: Optimizer<L>,
{
    let i = b.i;
    b.i = (i + 1) % b.x.len();
    b.ws.step(&mut b.model, opt, &SoftmaxCrossEntropy, &b.x[i], &b.t[i])
        .expect("finite")
}

/// Batch-32 Adam steps between two restarts of the model and optimizer.
///
/// Adam memorises the 32 fixed samples within a few hundred steps; the gradients then shrink
/// into the subnormal range, where x86 cores take a microcode assist per operation and the
/// 784-128-10 batch gets 2-3x slower (measured: 0.67 ms per batch over the first 300, 1.7 ms
/// per batch after 1500). Restarting keeps every implementation, and every benchmark
/// harness however long it runs, in the same early-training regime. The restart costs
/// about 0.1 % of the 256 batches it is amortised over.
pub const BATCHES_PER_RESTART: u32 = 256;

/// W2/W3/W4 mini-batch of 32 with one Adam update.
pub fn class_batch<L, const I: usize>(b: &mut Bench<L, I, 10>, opt: &mut Adam<L>) -> f32
where
    L: Layer<Input = [f32; I], Output = [f32; 10]> + stacknet::Zero,
{
    if b.batches == BATCHES_PER_RESTART {
        b.restart();
        opt.reset();
    }
    b.batches += 1;
    b.ws.batch(&mut b.model, opt, &SoftmaxCrossEntropy, &b.x, &b.t)
        .expect("finite")
}

/// The same batch-32 Adam step as [`class_batch`] through [`BatchWorkspace`] (four samples
/// at a time): the same bits, fewer passes over the weights and gradients.
pub fn class_batch4<L, const I: usize>(b: &mut Bench<L, I, 10>, opt: &mut Adam<L>) -> f32
where
    L: Layer<Input = [f32; I], Output = [f32; 10]> + stacknet::Zero,
{
    if b.batches == BATCHES_PER_RESTART {
        b.restart();
        opt.reset();
    }
    b.batches += 1;
    b.bws
        .batch(&mut b.model, opt, &SoftmaxCrossEntropy, &b.x, &b.t)
        .expect("finite")
}

/// Adam state on the heap (two model-sized buffers).
pub fn adam<L: Layer>() -> Box<Adam<L>> {
    Box::new(Adam::new(1e-3).expect("valid lr"))
}

/// Plain SGD.
pub fn sgd(lr: f32) -> Sgd {
    Sgd::new(lr).expect("valid lr")
}
