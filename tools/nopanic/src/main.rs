//! Entry points whose release build must link with no panic path (see Cargo.toml).
//!
//! Every value that a firmware would get at run time (inputs, targets, labels, slice
//! lengths, learning rates, clip limits, seeds) goes through `black_box`, so the optimizer
//! cannot fold a check away because it happens to know the value here.
#![no_std]
#![no_main]

use core::hint::black_box;
use stacknet::clip::{ClipNorm, clip_global_norm, clip_value, global_norm};
use stacknet::history::LossHistory;
use stacknet::loss::{BinaryCrossEntropy, Loss, Mse, SoftmaxCrossEntropy, argmax, one_hot};
use stacknet::optim::{Adam, Momentum, Sgd};
use stacknet::{
    Dense, Identity, Init, Layer, LeakyRelu, Relu, Sigmoid, Softmax, Tanh, Workspace, Zero, chain,
};

type Xor = chain![Dense<2, 4>, Sigmoid<4>, Dense<4, 1>, Sigmoid<1>];
type Classifier = chain![Dense<4, 8>, Relu<8>, Dense<8, 6>, Tanh<6>, Dense<6, 3>];
type Regressor = chain![Dense<3, 5>, LeakyRelu<5>, Dense<5, 1>, Identity<1>];

static XS: [[f32; 2]; 4] = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
static TS: [[f32; 1]; 4] = [[0.0], [1.0], [1.0], [0.0]];

/// XOR trained with Adam: mini-batches, per-sample steps, a loss history, inference.
fn xor_adam(seed: u64, lr: f32) {
    let mut model = Xor::ZERO;
    model.init(Init::XavierUniform, &mut stacknet::rng(seed));
    let mut ws = Workspace::<Xor>::new();
    let Ok(mut opt) = Adam::new(lr) else { return };
    let mut history = LossHistory::<8>::new(black_box(5));
    let xs: &[[f32; 2]] = black_box(&XS[..]);
    let ts: &[[f32; 1]] = black_box(&TS[..]);
    for _ in 0..black_box(100) {
        let loss = ws.batch(&mut model, &mut opt, &Mse, xs, ts);
        if let Ok(loss) = loss
            && history.record(loss).is_err()
        {
            break;
        }
    }
    for (x, t) in xs.iter().zip(ts) {
        black_box(ws.step(&mut model, &mut opt, &Mse, x, t)).ok();
        black_box(model.infer(x));
    }
    black_box(history.recent().sum::<f32>());
    black_box(&model);
}

/// XOR trained with SGD behind a gradient-norm clip, binary cross-entropy, value clipping.
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
    for _ in 0..black_box(10) {
        black_box(ws.accumulate(&model, &BinaryCrossEntropy, &x, &t)).ok();
        black_box(ws.apply(&mut model, &mut opt)).ok();
    }
    let mut grads = black_box(model);
    black_box(clip_value(&mut grads, limit)).ok();
    black_box(clip_global_norm(&mut grads, limit)).ok();
    black_box(global_norm(&grads));
    black_box(BinaryCrossEntropy.loss(&model.infer(&x), &t));
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
        black_box(ws.step(&mut model, &mut opt, &SoftmaxCrossEntropy, &x, &t)).ok();
    }
    let logits = model.infer(&x);
    black_box(argmax(&logits));
    black_box(Softmax::<3>::new().infer(&logits));
}

/// A regressor with leaky ReLU and a linear output.
fn regressor(seed: u64, lr: f32) {
    let mut model = Regressor::ZERO;
    model.init(Init::Uniform(black_box(0.5)), &mut stacknet::rng(seed));
    let mut ws = Workspace::<Regressor>::new();
    let Ok(mut opt) = Sgd::new(lr) else { return };
    let x = black_box([0.1, 0.2, 0.3]);
    let t = black_box([0.6]);
    black_box(ws.step(&mut model, &mut opt, &Mse, &x, &t)).ok();
    black_box(model.infer(&x));
}

/// The weight format: save into a buffer of unknown size, load from arbitrary bytes.
fn weights(seed: u64) {
    let mut model = Xor::ZERO;
    model.init(Init::XavierUniform, &mut stacknet::rng(seed));
    let mut buf = [0u8; 128];
    let out: &mut [u8] = black_box(&mut buf[..]);
    black_box(stacknet::format::save(&model, out)).ok();
    let bytes: &[u8] = black_box(&buf[..]);
    let mut loaded = Xor::ZERO;
    black_box(stacknet::format::load(&mut loaded, bytes)).ok();
    black_box(stacknet::format::from_bytes::<Classifier>(bytes)).ok();
    black_box(stacknet::format::verify(bytes)).ok();
    black_box(&loaded);
}

/// (Feature `conv`.) A small CNN (both convolution kernel families, padding, max pooling): the shapes are
/// types, so every index inside is derived from const generics, not data.
#[cfg(feature = "conv")]
fn cnn(seed: u64, lr: f32, label: usize) {
    use stacknet::layers::{Conv2d, Flatten, MaxPool2d, Relu3, Unflatten};
    type Cnn = chain![
        Unflatten<1, 8, 8, 64>,
        Conv2d<1, 4, 3, 8, 8, 8, 8, 1, 1>,
        Relu3<4, 8, 8>,
        MaxPool2d<4, 8, 8, 4, 4>,
        Conv2d<4, 6, 3, 4, 4, 2, 2>,
        Relu3<6, 2, 2>,
        Flatten<6, 2, 2, 24>,
        Dense<24, 10>,
    ];
    let mut model = Cnn::ZERO;
    model.init(Init::HeUniform, &mut stacknet::rng(seed));
    let mut ws = Workspace::<Cnn>::new();
    let Ok(mut opt) = Adam::new(lr) else { return };
    let x = black_box([0.25f32; 64]);
    if let Ok(t) = one_hot::<10>(label) {
        black_box(ws.step(&mut model, &mut opt, &SoftmaxCrossEntropy, &x, &t)).ok();
    }
    black_box(argmax(&model.infer(&x)));
}

/// The image's entry point: runs every path once, then sleeps.
#[unsafe(no_mangle)]
pub extern "C" fn _start() -> ! {
    let seed = black_box(1u64);
    let lr = black_box(0.05f32);
    xor_adam(seed, lr);
    xor_sgd(seed, lr, black_box(1.0));
    classifier(seed, lr, black_box(2));
    regressor(seed, lr);
    weights(seed);
    #[cfg(feature = "conv")]
    cnn(seed, lr, black_box(3));
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
