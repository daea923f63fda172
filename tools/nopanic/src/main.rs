//! Entry points whose release build must link with no panic path (see Cargo.toml).
//!
//! Every value that a firmware would get at run time (inputs, targets, labels, slice
//! lengths, learning rates, clip limits, seeds, indices) goes through `black_box`, so the
//! optimizer cannot fold a check away because it happens to know the value here. Every
//! stateful object (workspace, optimizer, loss history, replay buffer) is driven for a
//! `black_box` number of rounds, so its counters can hold any value a long-running firmware
//! could reach: an overflowing `+= 1` is a reachable panic, not one the optimizer can rule
//! out because this image happens to call it three times.
//!
//! `scripts/ci/60-reliability.sh` also checks that every public no_std function of the
//! library is in this image (tools/nopanic/check_coverage.sh, reading the debug info).
//! To cover a new public function: call it below, from the scenario of its module, with
//! its run-time arguments behind `black_box` and its result passed to `black_box`. A new
//! layer kind also goes through `every_method` (in `layer_methods`), which calls each
//! `Layer` method of it on its own, and into a trained model of its scenario.
//!
//! Built at opt-levels 3 and `s` by CI (`CARGO_PROFILE_RELEASE_OPT_LEVEL=s`).
#![no_std]
#![no_main]

use core::hint::black_box;
use stacknet::clip::{ClipNorm, clip_global_norm, clip_value, global_norm, max_abs};
use stacknet::format::{self, Crc32, Header};
use stacknet::history::LossHistory;
use stacknet::layer::signature;
use stacknet::layers::activation::{Activation, IdentityFn, SigmoidFn, TanhFn};
use stacknet::layers::{
    AvgPool1d, Biased, Conv1d, GlobalAvgPool1d, Gru, GruCache, Last, Lstm, LstmCache, MaxPool1d,
    Readout, Relu2, Sequence, Transpose, UnflattenSeries,
};
use stacknet::layers::{AvgPool2d, Conv2d, Flatten, MaxPool2d, Relu3, Unflatten};
use stacknet::loss::BinaryCrossEntropyWithLogits;
use stacknet::loss::{BinaryCrossEntropy, Loss, Mse, SoftmaxCrossEntropy, argmax, one_hot};
use stacknet::optim::{Adam, AdamConfig, Momentum, Sgd};
use stacknet::optim::{Norm, Optimizer};
use stacknet::params::Slot;
use stacknet::quant::fixed_point;
use stacknet::quant::{
    Dequantize, FusedActivation, OutputStage, PerChannel, PerTensor, QAvgPool2d, QConv2d, QDense,
    QFlatten, QLayer, QMaxPool2d, QUnflatten, Quantize, Requant, Requants,
};
use stacknet::replay::ReplayBuffer;
use stacknet::schedule::{Decay, LearningRate, Schedule};
use stacknet::{
    BatchWorkspace, BiasOnly, Dense, Footprint, Frozen, Identity, Init, Layer, LeakyRelu, Params,
    Relu, Sigmoid, Softmax, Split, Standardize, StandardizeChannels, StepWorkspace, Tanh,
    Workspace, Zero, chain, grad, math, model,
};

type Xor = chain![Dense<2, 4>, Sigmoid<4>, Dense<4, 1>, Sigmoid<1>];
type Classifier = chain![Dense<4, 8>, Relu<8>, Dense<8, 6>, Tanh<6>, Dense<6, 3>];
type Probabilities = chain![Dense<4, 3>, Softmax<3>];
type Regressor = chain![Dense<3, 5>, LeakyRelu<5>, Dense<5, 1>, Identity<1>];
/// Both convolution kernel families (row and patch), padding, stride, max and average
/// pooling, flatten and unflatten.
type Cnn = chain![
    Unflatten<1, 8, 8, 64>,
    Conv2d<1, 4, 3, 8, 8, 8, 8, 1, 1>,
    Relu3<4, 8, 8>,
    MaxPool2d<4, 8, 8, 4, 4>,
    Conv2d<4, 6, 3, 4, 4, 2, 2>,
    Relu3<6, 2, 2>,
    AvgPool2d<6, 2, 2, 1, 1>,
    Flatten<6, 1, 1, 6>,
    Dense<6, 10>,
];

static XS: [[f32; 2]; 4] = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
static TS: [[f32; 1]; 4] = [[0.0], [1.0], [1.0], [0.0]];

/// Whether to run another round, as far as the optimizer knows: `while again() { .. }`
/// may run any number of times, unbounded, as a firmware's main loop does. A counted loop
/// would not do: on a 32-bit target `for _ in 0..n` runs fewer than 2³² times, so the
/// optimizer proves a `u32` counter in it cannot overflow.
fn again() -> bool {
    black_box(false)
}

/// XOR trained with Adam: mini-batches, per-sample steps, a loss history, inference.
fn xor_adam(seed: u64, lr: f32) {
    let mut model = Xor::ZERO;
    model.init(Init::XavierUniform, &mut stacknet::rng(seed));
    let mut ws = Workspace::<Xor>::new();
    let config = AdamConfig {
        lr,
        beta1: black_box(0.9),
        beta2: black_box(0.999),
        eps: black_box(1e-8),
        weight_decay: black_box(0.0),
    };
    let Ok(mut opt) = Adam::with_config(config) else {
        return;
    };
    let mut history = LossHistory::<8>::new(black_box(5));
    let xs: &[[f32; 2]] = black_box(&XS[..]);
    let ts: &[[f32; 1]] = black_box(&TS[..]);
    while again() {
        let loss = ws.batch(&mut model, &mut opt, &Mse, xs, ts);
        if let Ok(loss) = loss
            && history.record(loss).is_err()
        {
            break;
        }
        for (x, t) in xs.iter().zip(ts) {
            black_box(ws.step(&mut model, &mut opt, &Mse, x, t)).ok();
            black_box(model.infer(x));
        }
    }
    black_box(history.recent().sum::<f32>());
    black_box((history.epochs(), history.last(), history.best()));
    black_box((history.rises(), history.patience()));
    if black_box(false) {
        history.reset();
    }
    black_box(&history);
    black_box((opt.steps(), opt.config()));
    if black_box(false) {
        opt.reset();
    }
    black_box(Adam::<Xor>::new(lr)).ok();
    black_box(&model);
}

/// XOR trained with SGD behind a gradient-norm clip, binary cross-entropy, value clipping;
/// samples accumulated any number of times before one update.
fn xor_sgd(seed: u64, lr: f32, limit: f32) {
    let mut model = Xor::ZERO;
    model.init(Init::HeUniform, &mut stacknet::rng(seed));
    let mut ws = Workspace::<Xor>::new();
    let Ok(sgd) = Sgd::new(lr) else { return };
    let Ok(mut opt) = ClipNorm::new(sgd, limit) else {
        return;
    };
    let x = black_box([1.0, 0.0]);
    let t = black_box([1.0]);
    while again() {
        while again() {
            black_box(ws.accumulate(&model, &BinaryCrossEntropy, &x, &t)).ok();
        }
        black_box(ws.pending());
        black_box(ws.grads());
        black_box(ws.apply(&mut model, &mut opt)).ok();
    }
    black_box(ws.accumulate(&model, &BinaryCrossEntropy, &x, &t)).ok();
    ws.clear();
    black_box((opt.max_norm(), opt.clipped(), opt.inner().lr()));
    black_box(opt.inner_mut());
    black_box(black_box(opt).into_inner());
    let mut grads = black_box(*ws.grads());
    black_box(clip_value(&mut grads, limit)).ok();
    black_box(clip_global_norm(&mut grads, limit)).ok();
    black_box(global_norm(&grads));
    black_box(max_abs(&grads));
    let y = model.infer(&x);
    black_box(BinaryCrossEntropy.loss(&y, &t));
    black_box(BinaryCrossEntropy.loss_and_grad(&y, &t));
}

/// A 3-class classifier: labels from data, softmax cross-entropy, momentum, argmax.
fn classifier(seed: u64, lr: f32, label: usize) {
    let mut model = Classifier::ZERO;
    model.init(Init::HeUniform, &mut stacknet::rng(seed));
    let mut ws = Workspace::<Classifier>::new();
    let Ok(mut opt) = Momentum::new(lr, black_box(0.9)) else {
        return;
    };
    let x = black_box([0.5, -1.0, 2.0, 0.0]);
    if let Ok(t) = one_hot::<3>(label) {
        while again() {
            black_box(ws.step(&mut model, &mut opt, &SoftmaxCrossEntropy, &x, &t)).ok();
        }
        let logits = model.infer(&x);
        black_box(SoftmaxCrossEntropy.loss(&logits, &t));
        black_box(Mse.loss(&logits, &t));
    }
    keep1(Momentum::<Classifier>::reset, &mut opt);
    let logits = model.infer(&x);
    black_box(argmax(&logits));
    black_box(Softmax::<3>::new().infer(&logits));
}

/// A `Softmax` layer trained through its own forward and backward (Mse on probabilities).
fn probabilities(seed: u64, lr: f32) {
    let mut model = Probabilities::ZERO;
    model.init(Init::XavierUniform, &mut stacknet::rng(seed));
    let mut ws = Workspace::<Probabilities>::new();
    let Ok(mut opt) = Sgd::new(lr) else { return };
    let x = black_box([0.5, -1.0, 2.0, 0.0]);
    let t = black_box([0.2, 0.3, 0.5]);
    while again() {
        black_box(ws.step(&mut model, &mut opt, &Mse, &x, &t)).ok();
    }
    black_box(model.infer(&x));
}

/// A regressor with leaky ReLU and a linear output, fed from a replay buffer that a
/// sensor stream fills for any number of rounds.
fn replay(seed: u64, lr: f32) {
    let mut model = Regressor::ZERO;
    model.init(Init::Uniform(black_box(0.5)), &mut stacknet::rng(seed));
    let mut ws = Workspace::<Regressor>::new();
    let Ok(mut opt) = Sgd::new(lr) else { return };
    let mut buffer = ReplayBuffer::<[f32; 3], 1, 16>::new();
    while again() {
        black_box(buffer.push(black_box([0.1, 0.2, 0.3]), black_box([0.6]))).ok();
        black_box(buffer.train_epoch(&mut model, &mut ws, &mut opt, &Mse)).ok();
    }
    black_box((buffer.len(), buffer.is_empty()));
    black_box(buffer.iter().map(|(x, t)| x[0] + t[0]).sum::<f32>());
    if black_box(false) {
        buffer.clear();
    }
    black_box(&buffer);
    black_box(model.infer(&black_box([0.1, 0.2, 0.3])));
}

/// The weight format: save into a buffer of unknown size, load from arbitrary bytes.
fn weights(seed: u64) {
    let mut model = Xor::ZERO;
    model.init(Init::XavierUniform, &mut stacknet::rng(seed));
    let mut buf = [0u8; 128];
    let out: &mut [u8] = black_box(&mut buf[..]);
    black_box(format::save(&model, out)).ok();
    let bytes: &[u8] = black_box(&buf[..]);
    let mut loaded = Xor::ZERO;
    black_box(format::load(&mut loaded, bytes)).ok();
    black_box(format::from_bytes::<Classifier>(bytes)).ok();
    black_box(format::verify(bytes)).ok();
    if let Ok(header) = Header::read(bytes) {
        black_box(header.image_len());
    }
    black_box(format::encoded_len::<Xor>());
    black_box(format::crc32(bytes));
    let mut crc = Crc32::new();
    crc.update(bytes);
    black_box(crc.finish());
    black_box(&loaded);
}

/// A small CNN: the shapes are types, so every index inside is derived
/// from const generics, not data.
fn cnn(seed: u64, lr: f32, label: usize) {
    let mut model = Cnn::ZERO;
    model.init(Init::HeUniform, &mut stacknet::rng(seed));
    let mut ws = Workspace::<Cnn>::new();
    let Ok(mut opt) = Adam::new(lr) else { return };
    let x = black_box([0.25f32; 64]);
    if let Ok(t) = one_hot::<10>(label) {
        while again() {
            black_box(ws.step(&mut model, &mut opt, &SoftmaxCrossEntropy, &x, &t)).ok();
        }
    }
    black_box(argmax(&model.infer(&x)));
    let pool = MaxPool2d::<4, 8, 8, 4, 4>::new();
    let mut cache = Zero::ZERO;
    let mut pooled = Zero::ZERO;
    pool.forward(&black_box([[[0.5; 8]; 8]; 4]), &mut cache, &mut pooled);
    black_box(pooled);
    black_box(cache.offset(black_box(1), black_box(2), black_box(3)));
}

/// Mini-batches four samples at a time (`BatchWorkspace`, `Layer::forward4`/`backward4`):
/// dense layers' blocked kernels, a convolution's and a recurrent layer's per-lane default,
/// any number of samples (groups of four and a remainder), refused samples in a group.
fn batched(seed: u64, lr: f32, label: usize) {
    let Ok(t) = one_hot::<10>(label) else { return };
    let mut cnn = Cnn::ZERO;
    cnn.init(Init::HeUniform, &mut stacknet::rng(seed));
    let mut ws = BatchWorkspace::<Cnn>::new();
    let Ok(mut opt) = Adam::new(lr) else { return };
    let xs: &[[f32; 64]] = black_box(&[[0.25f32; 64]; 6][..]);
    let ts = black_box([t; 6]);
    while again() {
        black_box(ws.batch(&mut cnn, &mut opt, &SoftmaxCrossEntropy, xs, &ts)).ok();
        let x = black_box(&[0.5f32; 64]);
        let _ = black_box(ws.accumulate4(&cnn, &SoftmaxCrossEntropy, [x; 4], [&t; 4]));
        black_box(ws.accumulate(&cnn, &SoftmaxCrossEntropy, x, &t)).ok();
        black_box(ws.pending());
        black_box(ws.apply(&mut cnn, &mut opt)).ok();
    }
    black_box(keep1(BatchWorkspace::<Cnn>::grads, &ws));
    keep1(BatchWorkspace::<Cnn>::clear, &mut ws);
    black_box(keep0(BatchWorkspace::<Cnn>::new));
    let mut model = Classifier::ZERO;
    model.init(Init::HeUniform, &mut stacknet::rng(seed));
    let mut ws = BatchWorkspace::<Classifier>::new();
    let Ok(mut sgd) = Sgd::new(lr) else { return };
    let xs: &[[f32; 4]] = black_box(&[[0.5, -1.0, 2.0, 0.0]; 9][..]);
    let Ok(t3) = one_hot::<3>(label % 3) else {
        return;
    };
    let ts = black_box([t3; 9]);
    while again() {
        black_box(ws.batch(&mut model, &mut sgd, &SoftmaxCrossEntropy, xs, &ts)).ok();
    }
    let mut rec = Recurrent::ZERO;
    rec.init(Init::XavierUniform, &mut stacknet::rng(seed));
    let mut ws = BatchWorkspace::<Recurrent>::new();
    let x = black_box([[0.5f32; 6]; 2]);
    let mut t = <Recurrent as Layer>::Output::ZERO;
    t[0] = 1.0;
    while again() {
        let _ = black_box(ws.accumulate4(&rec, &Mse, [&x; 4], [&t; 4]));
        black_box(ws.apply(&mut rec, &mut sgd)).ok();
    }
}

/// Calls `f` through a pointer the optimizer cannot see through, so `f` stays a function
/// of its own in the image even when it is trivial (a getter, a `const fn` constructor, a
/// copy) and would otherwise be inlined and folded away without a trace in the debug info.
/// Its code, whatever the arguments, is then part of the panic proof, and
/// check_coverage.sh finds it.
fn keep0<R>(f: fn() -> R) -> R {
    black_box(f)()
}

/// [`keep0`] for a function of one argument (the argument too is opaque).
fn keep1<A, R>(f: fn(A) -> R, a: A) -> R {
    black_box(f)(black_box(a))
}

/// [`keep0`] for a function of two arguments.
fn keep2<A, B, R>(f: fn(A, B) -> R, a: A, b: B) -> R {
    black_box(f)(black_box(a), black_box(b))
}

/// [`keep0`] for a function of three arguments.
fn keep3<A, B, C, R>(f: fn(A, B, C) -> R, a: A, b: B, c: C) -> R {
    black_box(f)(black_box(a), black_box(b), black_box(c))
}

/// [`keep0`] for a function of four arguments.
fn keep4<A, B, C, D, R>(f: fn(A, B, C, D) -> R, a: A, b: B, c: C, d: D) -> R {
    black_box(f)(black_box(a), black_box(b), black_box(c), black_box(d))
}

/// [`keep0`] for a function of five arguments.
fn keep5<A, B, C, D, E, R>(f: fn(A, B, C, D, E) -> R, a: A, b: B, c: C, d: D, e: E) -> R {
    black_box(f)(
        black_box(a),
        black_box(b),
        black_box(c),
        black_box(d),
        black_box(e),
    )
}

/// [`keep0`] for a function of six arguments.
#[allow(clippy::too_many_arguments)]
fn keep6<A, B, C, D, E, F, R>(
    f: fn(A, B, C, D, E, F) -> R,
    a: A,
    b: B,
    c: C,
    d: D,
    e: E,
    g: F,
) -> R {
    let f = black_box(f);
    f(
        black_box(a),
        black_box(b),
        black_box(c),
        black_box(d),
        black_box(e),
        black_box(g),
    )
}

type Pool = MaxPool2d<4, 8, 8, 4, 4>;
type Flat = Flatten<1, 2, 3, 6>;
type Unflat = Unflatten<1, 2, 2, 4>;
type SmallConv = Conv2d<1, 1, 3, 4, 4, 2, 2>;

/// Constructors, getters, parameter blocks and the free helpers: the scenarios above reach
/// them only inlined (and often folded away) or not at all.
fn building_blocks(seed: u64, n: usize) {
    let mut rng = stacknet::rng(seed);
    black_box(stacknet::init::uniform_pm1(&mut rng));
    let mut w = black_box([0.0f32; 8]);
    stacknet::init::fill_uniform(&mut w, black_box(0.5), &mut rng);
    black_box(keep3(Init::limit, Init::HeUniform, 3, 4));
    let a = black_box([1.0f32; 8]);
    black_box(math::dot(&w, &a));
    let mut y = black_box([0.0f32; 8]);
    math::axpy(black_box(0.5), &w, &mut y);
    black_box(math::all_finite(&y));
    let v = black_box(0.3f32);
    black_box((math::exp(v), math::exp_infer(v), math::ln(v), math::sqrt(v)));
    black_box((math::tanh(v), math::sigmoid(v), math::finite_bits(v)));
    black_box(math::sigmoid_with(
        v,
        black_box(math::exp as fn(f32) -> f32),
    ));
    black_box((SigmoidFn::apply_infer(v), TanhFn::apply_infer(v)));
    black_box((
        keep1(IdentityFn::apply, v),
        keep1(IdentityFn::derivative, v),
    ));
    black_box(signature::combine(black_box(1), black_box(2)));
    black_box(signature::of(black_box(7), black_box(&[1, 2, 3][..])));

    // Sizes: `const fn`s, evaluated at run time here (and on any values in
    // `training_helpers`).
    const FOOTPRINT: Footprint = Footprint::of::<Xor>();
    black_box((FOOTPRINT.train_sgd(), FOOTPRINT.train_adam()));
    black_box(keep0(format::encoded_len::<Xor>));
    black_box(keep0(Crc32::new));

    // Constructors of every layer, and parameter blocks at any index.
    let mut dense = Dense::<2, 2>::from_parts(black_box([[1.0; 2]; 2]), black_box([0.0; 2]));
    black_box(&dense);
    dense = keep0(Dense::zeroed);
    black_box(SmallConv::from_parts(black_box([[[[1.0; 3]; 3]]]), [0.0]));
    black_box(keep0(SmallConv::zeroed));
    black_box(keep2(<Dense<2, 2> as Layer>::param_block, &dense, n));
    black_box(keep2(
        <Dense<2, 2> as Layer>::param_block_mut,
        &mut dense,
        n,
    ));
    let mut relu = keep0(Relu::<2>::new);
    black_box(keep2(<Relu<2> as Layer>::param_block, &relu, n));
    black_box(keep2(<Relu<2> as Layer>::param_block_mut, &mut relu, n));
    keep3(
        <Relu<2> as Layer>::init,
        &mut relu,
        Init::HeUniform,
        &mut rng,
    );
    let mut cache = black_box([0.5f32; 2]);
    let mut sink = [0.0f32; 2];
    relu.backward(&mut cache, &black_box([0.5f32; 2]), Some(&mut sink), None);
    black_box(sink);
    black_box((
        keep0(Softmax::<3>::new),
        keep0(Pool::new),
        keep0(AvgPool2d::<1, 2, 2, 1, 1>::new),
    ));
    let flat = keep0(Flat::new);
    let (mut flat_dx, mut unflat_dx) = (black_box([[[0.0f32; 3]; 2]]), black_box([0.0f32; 4]));
    let unflat = keep0(Unflat::new);
    // Different sizes for the two: LLVM merges functions with identical code, and the
    // merged copy keeps the debug info of one of them only.
    let (map6, row6) = (black_box([[[1.0f32; 3]; 2]]), black_box([1.0f32; 6]));
    let (map, row) = (black_box([[[1.0f32; 2]; 2]]), black_box([1.0f32; 4]));
    black_box(keep2(<Flat as Layer>::infer, &flat, &map6));
    let mut row_out = [0.0f32; 6];
    flat.forward(&map6, &mut (), &mut row_out);
    black_box(row_out);
    flat.backward(&mut (), &row6, Some(&mut flat_dx), None);
    black_box(flat_dx);
    black_box(keep2(<Unflat as Layer>::infer, &unflat, &row));
    let mut map_out = [[[0.0f32; 2]; 2]];
    unflat.forward(&row, &mut (), &mut map_out);
    black_box(map_out);
    unflat.backward(&mut (), &map, Some(&mut unflat_dx), None);
    black_box(unflat_dx);

    // The getters of the training state.
    let ws = Workspace::<Xor>::new();
    black_box(keep1(Workspace::<Xor>::grads, &ws));
    let history = LossHistory::<4>::new(black_box(2));
    black_box(keep1(LossHistory::<4>::epochs, &history));
    if let Ok(sgd) = Sgd::new(black_box(0.1))
        && let Ok(mut clip) = ClipNorm::new(sgd, black_box(1.0))
    {
        black_box(keep1(ClipNorm::<Sgd>::max_norm, &clip));
        black_box(keep1(ClipNorm::<Sgd>::clipped, &clip));
        black_box(keep1(ClipNorm::<Sgd>::inner, &clip));
        black_box(keep1(ClipNorm::<Sgd>::inner_mut, &mut clip));
    }
    if let Ok(mut sgd) = Sgd::new(black_box(0.1)) {
        black_box(sgd.set_lr(black_box(0.2))).ok();
        black_box(sgd.lr());
    }
    black_box(Tanh::<2>::new());
}

/// Transfer learning: a frozen body, bias-only and fused per-sample steps with every
/// optimizer, ping-pong inference, the named halves of a model.
fn transfer(seed: u64, lr: f32) {
    type Body = chain![Dense<4, 8>, Relu<8>];
    type HeadOnly = (Frozen<Body>, Dense<8, 2>);
    type TinyTl = chain![BiasOnly<Dense<4, 8>>, Relu<8>, Dense<8, 2>];
    let mut head = HeadOnly::ZERO;
    head.init(Init::HeUniform, &mut stacknet::rng(seed));
    let mut tiny = TinyTl::ZERO;
    tiny.init(Init::HeUniform, &mut stacknet::rng(seed));
    let x = black_box([0.5f32; 4]);
    let t = black_box([1.0f32, 0.0]);
    let mut step = StepWorkspace::<HeadOnly>::new();
    let mut tiny_ws = Workspace::<TinyTl>::new();
    let (Ok(mut adam), Ok(mut momentum)) = (
        Adam::<HeadOnly>::adamw(lr, black_box(0.01)),
        Momentum::<TinyTl>::new(lr, black_box(0.9)),
    ) else {
        return;
    };
    while again() {
        black_box(step.step(&mut head, &mut adam, &SoftmaxCrossEntropy, &x, &t)).ok();
        black_box(tiny_ws.step(&mut tiny, &mut momentum, &Mse, &x, &t)).ok();
        black_box(tiny_ws.batch(&mut tiny, &mut momentum, &Mse, &[x], &[t])).ok();
    }
    black_box(adam.set_lr(black_box(0.01))).ok();
    black_box((
        adam.lr(),
        momentum.lr(),
        momentum.velocity(),
        adam.moments(),
    ));
    black_box(momentum.set_lr(black_box(0.01))).ok();
    let mut scratch = [0.0f32; 16];
    black_box(head.infer_with(&x, black_box(&mut scratch[..])));
    black_box(tiny.infer_with(&x, black_box(&mut scratch[..])));
    black_box((head.body(), head.head()));
    black_box(head.head_mut());
    black_box(&head);
    black_box(&tiny);
}

/// A sensor series, channels first: standardized, unflattened, two 1-D convolutions (one
/// padded, one strided), 1-D max, average and global pooling, a linear head. Trained
/// with fused per-sample steps behind a norm clip and with mini-batches.
type SeriesNet = chain![
    Standardize<16>,
    UnflattenSeries<2, 8, 16>,
    Conv1d<2, 4, 3, 8, 8, 1, 1>,
    Relu2<4, 8>,
    MaxPool1d<4, 8, 4>,
    Conv1d<4, 4, 3, 4, 2, 2, 1>,
    AvgPool1d<4, 2, 1>,
    GlobalAvgPool1d<4, 1>,
    Dense<4, 3>,
];

/// Recurrent layers: channels-first input turned time-major, a GRU returning every state
/// into an LSTM returning its last, a linear head.
type Recurrent = chain![
    Transpose<2, 6>,
    Gru<2, 4, 6, Sequence>,
    Lstm<4, 4, 6>,
    Dense<4, 3>,
];

/// The other readouts: an LSTM returning every state into a GRU returning its last.
type Recurrent2 = chain![Lstm<3, 3, 4, Sequence>, Gru<3, 2, 4>];

/// Images standardized per channel, a bias-only convolution, a frozen dense layer in the
/// middle (its backward must pass the gradient on), a trained head.
type Standardized = chain![
    StandardizeChannels<1, 4, 4>,
    BiasOnly<Conv2d<1, 2, 3, 4, 4, 4, 4, 1, 1>>,
    Relu3<2, 4, 4>,
    Flatten<2, 4, 4, 32>,
    Dense<32, 4>,
    Frozen<Dense<4, 4>>,
    Tanh<4>,
    Dense<4, 2>,
];

/// The series scenarios: every sequence layer trained for any number of rounds.
fn sequences(seed: u64, lr: f32, label: usize, limit: f32) {
    let Ok(t) = one_hot::<3>(label) else { return };
    let samples = black_box([[0.5f32; 16]; 4]);
    let Ok(standardize) = Standardize::<16>::fit(black_box(&samples[..])) else {
        return;
    };
    let mut net = SeriesNet::ZERO;
    net.init(Init::HeUniform, &mut stacknet::rng(seed));
    net.0 = standardize;
    let (Ok(sgd), Ok(mut momentum)) = (Sgd::new(lr), Momentum::<SeriesNet>::new(lr, 0.9)) else {
        return;
    };
    let Ok(mut clipped) = ClipNorm::new(sgd, limit) else {
        return;
    };
    let mut step = StepWorkspace::<SeriesNet>::new();
    let mut ws = Workspace::<SeriesNet>::new();
    let x = black_box([0.25f32; 16]);
    while again() {
        black_box(step.step(&mut net, &mut clipped, &SoftmaxCrossEntropy, &x, &t)).ok();
        black_box(ws.batch(&mut net, &mut momentum, &SoftmaxCrossEntropy, &[x], &[t])).ok();
    }
    black_box(net.infer(&x));

    let mut rnn = Recurrent::ZERO;
    rnn.init(Init::XavierUniform, &mut stacknet::rng(seed));
    let (Ok(mut adam), Ok(mut sgd)) = (Adam::<Recurrent>::adamw(lr, 0.01), Sgd::new(lr)) else {
        return;
    };
    let mut step = StepWorkspace::<Recurrent>::new();
    let mut ws = Workspace::<Recurrent>::new();
    let xs = black_box([[[0.5f32; 6]; 2]; 2]);
    let ts = [t; 2];
    while again() {
        black_box(step.step(
            &mut rnn,
            &mut adam,
            &BinaryCrossEntropyWithLogits,
            &xs[0],
            &t,
        ))
        .ok();
        black_box(ws.batch(&mut rnn, &mut sgd, &SoftmaxCrossEntropy, &xs, &ts)).ok();
    }
    black_box(rnn.infer(&xs[1]));
    let mut scratch = [0.0f32; 64];
    black_box(rnn.infer_with(&xs[1], black_box(&mut scratch[..])));

    let mut rnn2 = Recurrent2::ZERO;
    rnn2.init(Init::Uniform(black_box(0.3)), &mut stacknet::rng(seed));
    let Ok(mut adam2) = Adam::<Recurrent2>::new(lr) else {
        return;
    };
    let mut step2 = StepWorkspace::<Recurrent2>::new();
    let x2 = black_box([[0.1f32; 3]; 4]);
    let t2 = black_box([0.5f32, -0.5]);
    while again() {
        black_box(step2.step(&mut rnn2, &mut adam2, &Mse, &x2, &t2)).ok();
    }
    black_box(rnn2.infer(&x2));
    black_box(grad::of(&rnn2, &x2, &t2));
    black_box(grad::output(&rnn2, &x2));
    black_box(global_norm(&grad::of(&rnn, &xs[0], &t).1));
}

/// The image classifier with standardized channels, a bias-only convolution and a frozen
/// layer between two trained ones.
fn standardized(seed: u64, lr: f32, label: usize) {
    let Ok(t) = one_hot::<2>(label) else { return };
    let images = black_box([[[[0.5f32; 4]; 4]]; 3]);
    let Ok(channels) = StandardizeChannels::<1, 4, 4>::fit(black_box(&images[..])) else {
        return;
    };
    let mut net = Standardized::ZERO;
    net.init(Init::HeUniform, &mut stacknet::rng(seed));
    net.0 = channels;
    let (Ok(mut adam), Ok(mut momentum)) = (
        Adam::<Standardized>::new(lr),
        Momentum::<Standardized>::new(lr, 0.9),
    ) else {
        return;
    };
    let mut step = StepWorkspace::<Standardized>::new();
    let mut ws = Workspace::<Standardized>::new();
    while again() {
        black_box(step.step(&mut net, &mut adam, &SoftmaxCrossEntropy, &images[0], &t)).ok();
        black_box(ws.step(&mut net, &mut momentum, &Mse, &images[1], &t)).ok();
        black_box(ws.accumulate(&net, &SoftmaxCrossEntropy, &images[2], &t)).ok();
        black_box(ws.apply(&mut net, &mut momentum)).ok();
    }
    black_box(net.infer(&images[0]));
    black_box(grad::of(&net, &images[1], &t));
}

/// The int8 inference path: a quantized CNN built at run time from run-time parameters
/// (as a firmware that loads them would), every layer kind, per-channel and per-tensor
/// scales, the fixed-point helpers on arbitrary values.
fn quantized(real: f64, scale: f32, zero_point: i32) {
    let r = Requant::from_real(real).unwrap_or(Requant::ZERO);
    let stage = OutputStage::new(scale, zero_point, FusedActivation::Relu6)
        .unwrap_or(OutputStage::plain(black_box(0)));
    let relu = OutputStage::new(scale, zero_point, FusedActivation::Relu)
        .unwrap_or(OutputStage::plain(black_box(0)));
    let per_channel = <PerChannel<3> as Requants<3>>::from_slice(black_box(&[r; 3][..]))
        .unwrap_or(PerChannel::new([r; 3]));
    let per_tensor =
        <PerTensor as Requants<2>>::from_slice(black_box(&[r][..])).unwrap_or(PerTensor::new(r));
    type QNet = chain![
        Quantize<16>,
        QUnflatten<1, 4, 4, 16>,
        QConv2d<1, 2, 3, 4, 4, 4, 4, 1, 1>,
        QMaxPool2d<2, 4, 4, 2, 2>,
        QAvgPool2d<2, 2, 2, 1, 1>,
        QFlatten<2, 1, 1, 2>,
        QDense<2, 3>,
        QDense<3, 2, PerTensor>,
        Dequantize<2>,
    ];
    let conv = QConv2d::new(
        black_box([[[[3i8; 3]; 3]]; 2]),
        black_box([10, -4]),
        black_box([r; 2]),
        zero_point,
        relu,
    );
    let dense = QDense::new(
        black_box([[5i8; 2]; 3]),
        black_box([7, -7, 0]),
        per_channel,
        zero_point,
        stage,
    );
    let dense2 = QDense::<3, 2, PerTensor>::new(
        black_box([[-5i8; 3]; 2]),
        black_box([1, 2]),
        per_tensor,
        zero_point,
        stage,
    );
    let net: QNet = model![
        Quantize::new(scale, zero_point),
        QUnflatten::new(),
        conv,
        QMaxPool2d::new(black_box(-128), black_box(127)),
        QAvgPool2d::new(black_box(-100), black_box(100)),
        QFlatten::new(),
        dense,
        dense2,
        Dequantize::new(scale, zero_point),
    ];
    black_box(net.infer(&black_box([0.3f32; 16])));
    type Conv = QConv2d<1, 2, 3, 4, 4, 4, 4, 1, 1>;
    black_box((keep1(Conv::weights, &conv), keep1(Conv::bias, &conv)));
    black_box((
        keep1(Conv::requant, &conv),
        keep1(Conv::input_zero_point, &conv),
    ));
    black_box(keep1(Conv::output, &conv));
    type Qd = QDense<2, 3>;
    black_box((keep1(Qd::weights, &dense), keep1(Qd::bias, &dense)));
    black_box((
        keep1(Qd::requant, &dense),
        keep1(Qd::input_zero_point, &dense),
    ));
    black_box(keep1(Qd::output, &dense));
    black_box(keep1(QDense::<3, 2, PerTensor>::output, &dense2));
    // Sizes of their own: a copy of the same size elsewhere is the same machine code.
    black_box(keep2(
        <QFlatten<3, 1, 1, 3> as QLayer>::infer,
        &QFlatten::new(),
        &black_box([[[1i8]], [[2]], [[3]]]),
    ));
    black_box(keep2(
        <QUnflatten<1, 1, 5, 5> as QLayer>::infer,
        &QUnflatten::new(),
        &black_box([1i8, 2, 3, 4, 5]),
    ));
    black_box(keep2(
        <PerChannel<3> as Requants<3>>::factor,
        &per_channel,
        1,
    ));
    black_box(keep2(<PerTensor as Requants<2>>::factor, &per_tensor, 1));
    black_box(keep2(Requant::apply, r, zero_point));
    black_box((
        keep1(Requant::clamped_shift, r),
        keep1(Requant::is_valid, r),
    ));
    black_box(keep1(OutputStage::is_valid, stage));
    black_box(keep2(OutputStage::finish, stage, zero_point));
    black_box(keep1(OutputStage::plain, zero_point));
    let (a, b) = (black_box(zero_point), black_box(r.multiplier));
    black_box(fixed_point::saturating_rounding_doubling_high_mul(a, b));
    black_box(fixed_point::rounding_divide_by_pot(a, black_box(3)));
    black_box(fixed_point::multiply_by_quantized_multiplier(a, b, r.shift));
    black_box(fixed_point::multiply_by_quantized_multiplier_single(
        a,
        b,
        black_box(-3),
    ));
    black_box(keep2(Quantize::<4>::new, scale, zero_point));
    black_box(keep2(Dequantize::<4>::new, scale, zero_point));
    black_box(keep2(QMaxPool2d::<1, 2, 2, 1, 1>::new, -1, 1));
    black_box(keep2(QAvgPool2d::<1, 2, 2, 1, 1>::new, -2, 2));
}

/// Learning-rate schedules driving every optimizer through `LearningRate`, for any number
/// of steps.
fn schedules(lr: f32, steps: u32) {
    let cosine = Schedule::new(lr).warmup(steps).decay(Decay::Cosine {
        steps: black_box(100),
        floor: black_box(1e-4),
    });
    let Ok(stepped) = Schedule::try_new(lr) else {
        return;
    };
    let stepped = stepped.decay(Decay::Step {
        every: black_box(10),
        factor: black_box(0.5),
    });
    black_box((cosine.base(), stepped.base()));
    let (Ok(mut sgd), Ok(mut momentum), Ok(mut adam)) = (
        Sgd::new(lr),
        Momentum::<Xor>::new(lr, 0.9),
        Adam::<Xor>::new(lr),
    ) else {
        return;
    };
    let Ok(mut clip) = ClipNorm::new(Sgd::new(lr).unwrap_or(sgd), black_box(1.0)) else {
        return;
    };
    let mut t = black_box(0u32);
    while again() {
        t = t.wrapping_add(1);
        black_box(LearningRate::set_lr(&mut sgd, cosine.lr(t))).ok();
        black_box(LearningRate::set_lr(&mut momentum, stepped.lr(t))).ok();
        black_box(LearningRate::set_lr(&mut adam, cosine.lr(t))).ok();
        black_box(LearningRate::set_lr(&mut clip, stepped.lr(t))).ok();
    }
    black_box(keep1(<Sgd as LearningRate>::lr, &sgd));
    black_box(keep1(<Momentum<Xor> as LearningRate>::lr, &momentum));
    black_box(keep1(<Adam<Xor> as LearningRate>::lr, &adam));
    black_box(keep1(<ClipNorm<Sgd> as LearningRate>::lr, &clip));
    black_box(keep2(<Sgd as LearningRate>::set_lr, &mut sgd, lr)).ok();
    black_box(keep2(
        <Momentum<Xor> as LearningRate>::set_lr,
        &mut momentum,
        lr,
    ))
    .ok();
    black_box(keep2(<Adam<Xor> as LearningRate>::set_lr, &mut adam, lr)).ok();
    black_box(keep2(
        <ClipNorm<Sgd> as LearningRate>::set_lr,
        &mut clip,
        lr,
    ))
    .ok();
    black_box(keep2(Schedule::lr, &cosine, t));
    black_box(keep2(Schedule::warmup, stepped, t));
    black_box(keep2(Schedule::decay, stepped, Decay::Constant));
    black_box(keep1(Schedule::base, &stepped));
    black_box(keep1(Schedule::new, lr));
    black_box(keep1(Schedule::try_new, lr)).ok();
}

/// Every method of layer `L`, each called through a pointer (so it is a function of its
/// own in the image whether or not a model inlines it), with opaque arguments: forward and
/// backward asking for both gradients, the fused and batched updates, the parameter
/// blocks at any index, and the blocks of its gradient type.
fn every_method<L: Layer>(layer: &mut L, seed: u64, n: usize) {
    let x = black_box(L::Input::ZERO);
    let (mut cache, mut y) = (L::Cache::ZERO, L::Output::ZERO);
    keep3(<L as Layer>::infer_into, &*layer, &x, &mut y);
    keep4(<L as Layer>::forward, &*layer, &x, &mut cache, &mut y);
    let (mut dx, mut grads) = (L::Input::ZERO, L::Grads::ZERO);
    let dy = black_box(y);
    keep5(
        <L as Layer>::backward,
        &*layer,
        &mut cache,
        &dy,
        Some(&mut dx),
        Some(&mut grads),
    );
    black_box(&dx);
    if let Ok(mut sgd) = Sgd::new(black_box(0.01)) {
        keep5(
            <L as Layer>::update::<L, Sgd>,
            &mut *layer,
            &cache,
            &dy,
            &mut sgd,
            n,
        );
        keep5(
            <L as Layer>::apply::<L, Sgd>,
            &mut *layer,
            &grads,
            0.5,
            &mut sgd,
            n,
        );
        black_box(keep1(<Sgd as Optimizer<L>>::wants_norm, &sgd));
    }
    black_box(keep2(<L as Layer>::param_block, &*layer, n));
    black_box(keep2(<L as Layer>::param_block_mut, &mut *layer, n));
    let mut rng = stacknet::rng(seed);
    keep3(
        <L as Layer>::init::<_>,
        &mut *layer,
        Init::HeUniform,
        &mut rng,
    );
    black_box(keep2(<L::Grads as Params>::block, &grads, n));
    black_box(keep2(<L::Grads as Params>::block_mut, &mut grads, n));
}

/// [`every_method`] for the bias-trainable layers, plus their [`Biased`] methods.
fn biased<L: Biased + Copy>(layer: &mut L, seed: u64, n: usize) {
    let x = black_box(L::Input::ZERO);
    let (mut cache, mut y) = (L::Cache::ZERO, L::Output::ZERO);
    layer.forward(&x, &mut cache, &mut y);
    let mut bias = L::Bias::ZERO;
    keep4(
        <L as Biased>::bias_grad,
        &*layer,
        &cache,
        &black_box(y),
        &mut bias,
    );
    black_box(keep1(<L as Biased>::bias_mut, &mut *layer));
    black_box(&bias);
    every_method(layer, seed, n);
    every_method(&mut BiasOnly(*layer), seed, n);
}

/// Every layer kind added with the sequence, transfer and standardization work, method
/// by method; the caches' getters at any index; the losses' default and own methods.
fn layer_methods(seed: u64, n: usize) {
    let mut dense = Dense::<3, 2>::zeroed();
    biased(&mut dense, seed, n);
    let mut conv = Conv2d::<1, 2, 3, 5, 5, 3, 3>::zeroed();
    biased(&mut conv, seed, n);
    // Frozen around other layers than `biased` wraps in BiasOnly: LLVM merges functions
    // with identical machine code (`BiasOnly<L>::param_block` and `Frozen<L>::param_block`
    // both just call `L::param_block`), and the merged copy keeps one name only.
    every_method(&mut Frozen(Dense::<2, 5>::zeroed()), seed, n);
    every_method(
        &mut Frozen(Conv2d::<1, 1, 2, 3, 3, 2, 2>::zeroed()),
        seed,
        n,
    );
    every_method(&mut Conv1d::<2, 3, 3, 5, 3>::zeroed(), seed, n);
    every_method(
        &mut Conv1d::<1, 2, 2, 4, 5, 1, 1>::from_parts(black_box([[[0.5; 2]]; 2]), [0.0; 2]),
        seed,
        n,
    );
    every_method(&mut Gru::<2, 3, 4>::zeroed(), seed, n);
    every_method(
        &mut Gru::<2, 3, 4, Sequence>::from_parts(
            black_box([[[0.1; 2]; 3]; 3]),
            black_box([[[0.2; 3]; 3]; 3]),
            black_box([[0.0; 3]; 3]),
            black_box([[0.0; 3]; 3]),
        ),
        seed,
        n,
    );
    every_method(&mut Lstm::<2, 3, 4>::zeroed(), seed, n);
    every_method(
        &mut Lstm::<2, 3, 4, Sequence>::from_parts(
            black_box([[[0.1; 2]; 3]; 4]),
            black_box([[[0.2; 3]; 3]; 4]),
            black_box([[0.0; 3]; 4]),
            black_box([[0.0; 3]; 4]),
        ),
        seed,
        n,
    );
    every_method(&mut keep0(MaxPool1d::<2, 6, 3>::new), seed, n);
    every_method(&mut keep0(AvgPool1d::<2, 6, 2, 3>::new), seed, n);
    every_method(&mut keep0(GlobalAvgPool1d::<2, 6>::new), seed, n);
    every_method(&mut keep0(Transpose::<3, 5>::new), seed, n);
    every_method(&mut keep0(UnflattenSeries::<3, 5, 15>::new), seed, n);
    every_method(&mut keep0(Standardize::<5>::identity), seed, n);
    every_method(
        &mut keep2(Standardize::<7>::from_parts, [0.5; 7], [2.0; 7]),
        seed,
        n,
    );
    every_method(
        &mut keep2(
            StandardizeChannels::<2, 3, 3>::from_parts,
            [0.5; 2],
            [2.0; 2],
        ),
        seed,
        n,
    );
    every_method(&mut keep0(Unflatten::<1, 3, 3, 9>::new), seed, n);
    every_method(&mut keep0(Flatten::<1, 3, 3, 9>::new), seed, n);
    every_method(&mut keep0(Softmax::<5>::new), seed, n);

    // The caches' getters, at any step.
    let mut gru_cache = Zero::ZERO;
    let mut lstm_cache = Zero::ZERO;
    let mut pool_cache = Zero::ZERO;
    let series = black_box([[0.5f32; 3]; 4]);
    let (mut h, mut hs, mut pooled) = ([0.0f32; 2], [[0.0f32; 2]; 4], [[0.0f32; 1]; 4]);
    Gru::<3, 2, 4>::zeroed().forward(&series, &mut gru_cache, &mut h);
    Lstm::<3, 2, 4, Sequence>::zeroed().forward(&series, &mut lstm_cache, &mut hs);
    MaxPool1d::<4, 3, 1, 3>::new().forward(
        &black_box([[0.5f32; 3]; 4]),
        &mut pool_cache,
        &mut pooled,
    );
    black_box((h, hs, pooled));
    black_box(keep2(GruCache::<3, 2, 4>::hidden, &gru_cache, n));
    black_box(keep2(LstmCache::<3, 2, 4>::hidden, &lstm_cache, n));
    black_box(keep2(LstmCache::<3, 2, 4>::cell, &lstm_cache, n));
    black_box(keep3(
        stacknet::layers::ArgMax1d::<4, 1>::offset,
        &pool_cache,
        n,
        n,
    ));
    let mut out = black_box([0.0f32; 2]);
    keep3(<Last as Readout<2, 4>>::put, &mut out, n, &[1.0; 2]);
    black_box(keep2(<Last as Readout<2, 4>>::grad_at, &out, n));
    let mut outs = black_box([[0.0f32; 2]; 4]);
    keep3(<Sequence as Readout<2, 4>>::put, &mut outs, n, &[1.0; 2]);
    black_box(keep2(<Sequence as Readout<2, 4>>::grad_at, &outs, n));

    // Losses: every method, the defaults (Mse) and the overrides.
    let (y, t) = (
        black_box([0.2f32, 0.7, -1.0]),
        black_box([0.0f32, 1.0, 0.0]),
    );
    black_box(keep2(<Mse as Loss<3>>::predict, &Mse, &y));
    black_box(keep2(<Mse as Loss<3>>::probabilities, &Mse, &y));
    black_box(keep2(
        <SoftmaxCrossEntropy as Loss<3>>::predict,
        &SoftmaxCrossEntropy,
        &y,
    ));
    black_box(keep2(
        <SoftmaxCrossEntropy as Loss<3>>::probabilities,
        &SoftmaxCrossEntropy,
        &y,
    ));
    let bcel = BinaryCrossEntropyWithLogits;
    black_box(keep3(
        <BinaryCrossEntropyWithLogits as Loss<3>>::loss,
        &bcel,
        &y,
        &t,
    ));
    black_box(keep3(
        <BinaryCrossEntropyWithLogits as Loss<3>>::loss_and_grad,
        &bcel,
        &y,
        &t,
    ));
    black_box(keep2(
        <BinaryCrossEntropyWithLogits as Loss<3>>::predict,
        &bcel,
        &y,
    ));
    // Other sizes too (one size's `predict` can be the same machine code as `argmax`).
    let y5 = black_box([0.1f32, -0.2, 0.3, 0.4, -0.5]);
    black_box(keep2(
        <BinaryCrossEntropyWithLogits as Loss<5>>::predict,
        &bcel,
        &y5,
    ));
    black_box(keep2(<Mse as Loss<5>>::predict, &Mse, &y5));
    // One output: BCE-with-logits thresholds at 0 (for more, `predict` is `argmax`).
    black_box(keep2(
        <BinaryCrossEntropyWithLogits as Loss<1>>::predict,
        &bcel,
        &black_box([0.3]),
    ));
    black_box(keep2(
        <BinaryCrossEntropyWithLogits as Loss<3>>::probabilities,
        &bcel,
        &y,
    ));
}

/// The small helpers of the training machinery: slots, norms, sizes, the optimizers'
/// getters and the gradient-norm wrapper's fused path.
fn training_helpers(seed: u64, n: usize, lr: f32) {
    black_box(keep1(Slot::block, n));
    black_box(keep2(Slot::of, n, n));
    black_box(keep2(Slot::at, Slot::block(n), n));
    let values = black_box([1.0f32, -2.0, 3.0]);
    black_box(keep3(
        Norm::outer,
        Norm::of(&values, 0.5),
        Norm::of(&values, 2.0),
        lr,
    ));
    black_box(keep2(stacknet::layer::max, n, black_box(3)));
    keep0(stacknet::layer::check::<Xor>);
    black_box(keep0(StepWorkspace::<Xor>::new));
    black_box(keep0(Footprint::of::<Recurrent>));
    // Sizes as a caller may build them: any field values.
    let sizes = black_box(Footprint::of::<Xor>());
    black_box(keep1(Footprint::train_sgd, &sizes));
    black_box(keep1(Footprint::train_adam, &sizes));
    black_box(keep1(Footprint::train_adam_batch, &sizes));
    black_box(keep4(
        stacknet::layers::conv::out_size,
        n,
        black_box(3),
        black_box(1),
        n,
    ));
    if let Ok(momentum) = Momentum::<Xor>::new(lr, 0.9) {
        black_box(keep1(Momentum::<Xor>::velocity, &momentum));
    }
    // Per-sample steps behind a norm clip: the wrapper's fused path.
    let mut model = Xor::ZERO;
    model.init(Init::XavierUniform, &mut stacknet::rng(seed));
    let (Ok(sgd), Ok(adam)) = (Sgd::new(lr), Adam::<Xor>::new(lr)) else {
        return;
    };
    let (Ok(mut clip), Ok(mut clip_adam)) = (ClipNorm::new(sgd, 1.0), ClipNorm::new(adam, 1.0))
    else {
        return;
    };
    let mut step = StepWorkspace::<Xor>::new();
    while again() {
        black_box(step.step(&mut model, &mut clip, &Mse, &XS[0], &TS[0])).ok();
        black_box(step.step(&mut model, &mut clip_adam, &Mse, &XS[1], &TS[1])).ok();
    }
    black_box(keep1(<ClipNorm<Sgd> as Optimizer<Xor>>::wants_norm, &clip));
    let mut w = black_box([0.5f32; 4]);
    keep6(
        <ClipNorm<Sgd> as Optimizer<Xor>>::update_outer,
        &mut clip,
        Slot::of(n, 0),
        &mut w[..],
        &values[..2],
        &values[1..],
        lr,
    );
    black_box(w);
    black_box(&model);
}

/// The image's entry point: runs every path once, then sleeps.
#[unsafe(no_mangle)]
pub extern "C" fn _start() -> ! {
    let seed = black_box(1u64);
    let lr = black_box(0.05f32);
    xor_adam(seed, lr);
    xor_sgd(seed, lr, black_box(1.0));
    transfer(seed, lr);
    classifier(seed, lr, black_box(2));
    probabilities(seed, lr);
    replay(seed, lr);
    weights(seed);
    cnn(seed, lr, black_box(3));
    batched(seed, lr, black_box(4));
    building_blocks(seed, black_box(1));
    sequences(seed, lr, black_box(1), black_box(1.0));
    standardized(seed, lr, black_box(0));
    quantized(black_box(0.004), black_box(0.05), black_box(-3));
    schedules(lr, black_box(10));
    layer_methods(seed, black_box(1));
    training_helpers(seed, black_box(1), lr);
    #[allow(clippy::empty_loop)]
    loop {}
}

#[cfg(not(feature = "diagnose"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe extern "C" {
        // Defined nowhere: referencing it fails the link.
        fn stacknet_nopanic_error_a_panic_path_is_reachable() -> !;
    }
    // SAFETY: never runs; the link fails first if this handler is reachable at all.
    unsafe { stacknet_nopanic_error_a_panic_path_is_reachable() }
}

#[cfg(feature = "diagnose")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    #[allow(clippy::empty_loop)]
    loop {}
}
