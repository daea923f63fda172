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
//! its run-time arguments behind `black_box` and its result passed to `black_box`.
#![no_std]
#![no_main]

use core::hint::black_box;
use stacknet::clip::{ClipNorm, clip_global_norm, clip_value, global_norm, max_abs};
use stacknet::format::{self, Crc32, Header};
use stacknet::history::LossHistory;
use stacknet::layer::signature;
use stacknet::layers::activation::{Activation, IdentityFn, SigmoidFn, TanhFn};
use stacknet::layers::{AvgPool2d, Conv2d, Flatten, MaxPool2d, Relu3, Unflatten};
use stacknet::loss::{BinaryCrossEntropy, Loss, Mse, SoftmaxCrossEntropy, argmax, one_hot};
use stacknet::optim::{Adam, AdamConfig, Momentum, Sgd};
use stacknet::replay::ReplayBuffer;
use stacknet::{
    BiasOnly, Frozen, Split, StepWorkspace,
    Dense, Footprint, Identity, Init, Layer, LeakyRelu, Relu, Sigmoid, Softmax, Tanh, Workspace,
    Zero, chain, math,
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

    // Sizes: `const fn`s, evaluated at run time here. (`Footprint`: see exempt.txt.)
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
    black_box((adam.lr(), momentum.lr(), momentum.velocity(), adam.moments()));
    black_box(momentum.set_lr(black_box(0.01))).ok();
    let mut scratch = [0.0f32; 16];
    black_box(head.infer_with(&x, black_box(&mut scratch[..])));
    black_box(tiny.infer_with(&x, black_box(&mut scratch[..])));
    black_box((head.body(), head.head()));
    black_box(head.head_mut());
    black_box(&head);
    black_box(&tiny);
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
    building_blocks(seed, black_box(1));
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
