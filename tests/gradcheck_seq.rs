//! The sequence layers' backward passes:
//! - central-difference gradient checks for Conv1d, the 1-D pools, Transpose, Gru and Lstm
//!   (both readouts), alone and stacked under the softmax cross-entropy loss;
//! - the fused per-sample step (`StepWorkspace::step`, no gradient buffer) is bit-identical
//!   to accumulating the same sample in a `Workspace` and applying it, weights and
//!   optimizer state alike, with SGD, momentum and Adam;
//! - extreme inputs (±1e30) give finite outputs and gradients, never NaN.
//!
//! f32 throughout, h = 1e-2 and tolerance 1e-2 · (1 + |numeric|) (STYLE.md §9). Each layer
//! alone is checked on `L = Σ r ⊙ y` for a fixed random `r`, so `dL/dy = r`. Max-pooling
//! inputs are spaced 0.1 apart, so no window has a tie within h.

use stacknet::format::{encoded_len, load, save};
use stacknet::init::{fill_uniform, uniform_pm1};
use stacknet::layers::{
    AvgPool1d, Conv1d, GlobalAvgPool1d, Gru, Lstm, MaxPool1d, Relu2, Sequence, Series, Transpose,
    UnflattenSeries,
};
use stacknet::loss::{Loss, Mse, SoftmaxCrossEntropy, one_hot};
use stacknet::optim::{Adam, Momentum, Optimizer, Sgd};
use stacknet::{
    Dense, Footprint, Frozen, Init, Layer, Params, StepWorkspace, Tensor, Workspace, Zero, chain,
    grad,
};

const H_STEP: f32 = 1e-2;

fn close(analytic: f32, numeric: f32) -> bool {
    (analytic - numeric).abs() <= 1e-2 * (1.0 + numeric.abs())
}

fn random<T: Tensor>(seed: u64, scale: f32) -> T {
    let mut t = T::ZERO;
    fill_uniform(t.flat_mut(), scale, &mut stacknet::rng(seed));
    t
}

/// `Σ r ⊙ y` in f64, so the sum adds no rounding of its own.
fn weighted_sum<T: Tensor>(y: &T, r: &T) -> f32 {
    y.flat()
        .iter()
        .zip(r.flat())
        .map(|(&a, &b)| a as f64 * b as f64)
        .sum::<f64>() as f32
}

/// A layer (or model) with weights from `seed` and every zero parameter (biases) set to a
/// random value, so bias gradients are checked away from the origin.
fn model<L: Layer + Zero>(seed: u64) -> L {
    let mut m = L::ZERO;
    m.init(Init::XavierUniform, &mut stacknet::rng(seed));
    let mut r = stacknet::rng(seed ^ 0xb1a5);
    for b in 0..L::PARAM_BLOCKS {
        for v in m.param_block_mut(b) {
            if *v == 0.0 {
                *v = 0.3 * uniform_pm1(&mut r);
            }
        }
    }
    m
}

/// Checks d(Σ r ⊙ layer(x))/dx and /d(params) of one layer against central differences,
/// and that `backward` gives the same results whichever outputs it is asked for (each
/// backward after its own forward: recurrent layers consume their cache).
fn check_layer<L: Layer + Copy>(name: &str, layer: &L, x: &L::Input, r: &L::Output) {
    let run = |want_dx: bool, want_grads: bool| {
        let mut cache = L::Cache::ZERO;
        let mut y = L::Output::ZERO;
        layer.forward(x, &mut cache, &mut y);
        let mut dx = L::Input::ZERO;
        let mut grads = L::Grads::ZERO;
        layer.backward(
            &mut cache,
            r,
            want_dx.then_some(&mut dx),
            want_grads.then_some(&mut grads),
        );
        (dx, grads)
    };
    let (dx, grads) = run(true, true);
    let (dx_only, _) = run(true, false);
    let (_, grads_only) = run(false, true);
    assert_eq!(dx.flat(), dx_only.flat(), "{name}: dx without grads");
    for b in 0..<L::Grads as Params>::BLOCKS {
        assert_eq!(
            grads.block(b),
            grads_only.block(b),
            "{name}: block {b} without dx"
        );
    }
    assert_eq!(
        <L::Grads as Params>::BLOCKS,
        L::PARAM_BLOCKS,
        "{name}: all train"
    );

    let loss = |l: &L, x: &L::Input| weighted_sum(&l.infer(x), r);
    for i in 0..L::Input::LEN {
        let (mut up, mut down) = (*x, *x);
        up.flat_mut()[i] += H_STEP;
        down.flat_mut()[i] -= H_STEP;
        let numeric = (loss(layer, &up) - loss(layer, &down)) / (2.0 * H_STEP);
        let a = dx.flat()[i];
        assert!(close(a, numeric), "{name}: d/dx[{i}]: {a} vs {numeric}");
    }
    for b in 0..L::PARAM_BLOCKS {
        for i in 0..layer.param_block(b).len() {
            let (mut up, mut down) = (*layer, *layer);
            up.param_block_mut(b)[i] += H_STEP;
            down.param_block_mut(b)[i] -= H_STEP;
            let numeric = (loss(&up, x) - loss(&down, x)) / (2.0 * H_STEP);
            let a = grads.block(b)[i];
            assert!(
                close(a, numeric),
                "{name}: d/dp[{b}][{i}]: {a} vs {numeric}"
            );
        }
    }
}

fn check<L: Layer + Copy + Zero>(name: &str, seed: u64) {
    let layer: L = model(seed);
    check_layer(name, &layer, &random(seed + 1, 1.0), &random(seed + 2, 1.0));
}

#[test]
fn conv1d_gradients() {
    check::<Conv1d<2, 3, 3, 9, 7>>("valid k3", 1);
    check::<Conv1d<3, 2, 5, 8, 8, 1, 2>>("same k5", 2);
    check::<Conv1d<2, 2, 3, 9, 5, 2, 1>>("stride 2 pad 1", 3);
    check::<Conv1d<1, 2, 2, 10, 3, 4, 1>>("stride 4 pad 1", 4);
    check::<Conv1d<2, 2, 1, 5, 5>>("1-tap", 5);
}

/// Distinct values 0.1 apart in a scrambled order: no max-pooling window has a tie.
fn spaced<const C: usize, const T: usize>() -> Series<C, T> {
    let n = C * T;
    core::array::from_fn(|c| core::array::from_fn(|t| ((c * T + t) * 7 % n) as f32 * 0.1 - 1.0))
}

#[test]
fn pooling_gradients() {
    let r = random(7, 1.0);
    check_layer("max k2", &MaxPool1d::<2, 9, 4>::new(), &spaced(), &r);
    let r = random(8, 1.0);
    check_layer(
        "max k3 s1",
        &MaxPool1d::<2, 9, 7, 3, 1>::new(),
        &spaced(),
        &r,
    );
    let r = random(9, 1.0);
    check_layer(
        "avg k3 s2",
        &AvgPool1d::<2, 9, 4, 3, 2>::new(),
        &random(10, 1.0),
        &r,
    );
    let r = random(11, 1.0);
    check_layer(
        "global avg",
        &GlobalAvgPool1d::<3, 7>::new(),
        &random(12, 1.0),
        &r,
    );
    let r = random(13, 1.0);
    check_layer("transpose", &Transpose::<3, 5>::new(), &random(14, 1.0), &r);
    let r = random(15, 1.0);
    check_layer(
        "unflatten",
        &UnflattenSeries::<3, 4, 12>::new(),
        &random(16, 1.0),
        &r,
    );
}

#[test]
fn gru_gradients() {
    check::<Gru<3, 4, 6>>("gru last", 20);
    check::<Gru<3, 4, 6, Sequence>>("gru sequence", 21);
    check::<Gru<1, 2, 1>>("gru one step", 22);
    check::<Gru<2, 5, 12>>("gru 12 steps", 23);
}

#[test]
fn lstm_gradients() {
    check::<Lstm<3, 4, 6>>("lstm last", 30);
    check::<Lstm<3, 4, 6, Sequence>>("lstm sequence", 31);
    check::<Lstm<1, 2, 1>>("lstm one step", 32);
    check::<Lstm<2, 5, 12>>("lstm 12 steps", 33);
}

/// Channels-first input, transposed, two stacked recurrent layers and a head.
type Stacked = chain![
    Transpose<3, 7>,
    Gru<3, 4, 7, Sequence>,
    Lstm<4, 3, 7>,
    Dense<3, 3>
];

/// A small 1-D CNN: same convolution, ReLU, max pool, strided convolution, mean over time.
type Cnn1d = chain![
    Conv1d<3, 4, 3, 10, 10, 1, 1>,
    Relu2<4, 10>,
    MaxPool1d<4, 10, 5>,
    Conv1d<4, 4, 3, 5, 2, 2>,
    GlobalAvgPool1d<4, 2>,
    Dense<4, 3>,
];

/// The whole-model gradient under softmax cross-entropy against central differences.
fn check_model<L: Layer<Output = [f32; 3]> + Copy + Zero>(name: &str, seed: u64) {
    let m: L = model(seed);
    let x: L::Input = random(seed + 1, 1.0);
    let t = one_hot::<3>(1).unwrap();
    let loss = |m: &L, x: &L::Input| SoftmaxCrossEntropy.loss(&m.infer(x), &t);
    let mut ws = Box::new(Workspace::<L>::new());
    ws.accumulate(&m, &SoftmaxCrossEntropy, &x, &t).unwrap();
    let g = ws.grads();
    for b in 0..L::PARAM_BLOCKS {
        for i in 0..m.param_block(b).len() {
            let (mut up, mut down) = (m, m);
            up.param_block_mut(b)[i] += H_STEP;
            down.param_block_mut(b)[i] -= H_STEP;
            let numeric = (loss(&up, &x) - loss(&down, &x)) / (2.0 * H_STEP);
            let a = g.block(b)[i];
            assert!(
                close(a, numeric),
                "{name}: d/dp[{b}][{i}]: {a} vs {numeric}"
            );
        }
    }
}

#[test]
fn stacked_recurrent_model_gradients() {
    check_model::<Stacked>("transpose-gru-lstm-dense", 40);
}

#[test]
fn conv1d_model_gradients() {
    check_model::<Cnn1d>("1-D CNN", 41);
}

// ---- The fused step is the buffered step, bit for bit ----

fn param_bits<L: Layer>(m: &L) -> Vec<Vec<u32>> {
    (0..L::PARAM_BLOCKS)
        .map(|b| m.param_block(b).iter().map(|v| v.to_bits()).collect())
        .collect()
}

fn grad_bits<P: Params>(p: &P) -> Vec<u32> {
    (0..P::BLOCKS)
        .flat_map(|b| p.block(b).iter().map(|v| v.to_bits()))
        .collect()
}

/// What an optimizer carries from one step to the next, as bit patterns.
trait State {
    fn state_bits(&self) -> Vec<u32>;
}

impl<L: Layer> State for Adam<L> {
    fn state_bits(&self) -> Vec<u32> {
        let (m, v) = self.moments();
        let mut bits = grad_bits(m);
        bits.extend(grad_bits(v));
        bits.push(self.steps());
        bits
    }
}

impl<L: Layer> State for Momentum<L> {
    fn state_bits(&self) -> Vec<u32> {
        grad_bits(self.velocity())
    }
}

impl State for Sgd {
    fn state_bits(&self) -> Vec<u32> {
        Vec::new()
    }
}

/// 30 single-sample steps two ways from the same start: `StepWorkspace::step` (fused, no
/// gradient buffer) and `Workspace::accumulate` + `apply`; losses, weights and optimizer
/// state must agree bit for bit after every step.
fn fused_equals_buffered<L, O, Lo, const N: usize>(
    name: &str,
    seed: u64,
    make: impl Fn() -> O,
    loss: &Lo,
) where
    L: Layer<Output = [f32; N]> + Zero + Copy,
    O: Optimizer<L> + State,
    Lo: Loss<N>,
{
    let start: L = model(seed);
    let xs: Vec<L::Input> = (0..5).map(|i| random(seed + 100 + i, 1.0)).collect();
    let ts: Vec<[f32; N]> = (0..5).map(|i| one_hot(i % N).unwrap()).collect();
    let (mut fused, mut buffered) = (start, start);
    let (mut opt_fused, mut opt_buffered) = (make(), make());
    let mut step_ws = Box::new(StepWorkspace::<L>::new());
    let mut batch_ws = Box::new(Workspace::<L>::new());
    for i in 0..30 {
        let (x, t) = (&xs[i % xs.len()], &ts[i % ts.len()]);
        let a = step_ws
            .step(&mut fused, &mut opt_fused, loss, x, t)
            .unwrap();
        let c = batch_ws.accumulate(&buffered, loss, x, t).unwrap();
        assert_eq!(batch_ws.apply(&mut buffered, &mut opt_buffered), Ok(1));
        assert_eq!(a.to_bits(), c.to_bits(), "{name} step {i}: loss");
        assert_eq!(
            param_bits(&fused),
            param_bits(&buffered),
            "{name} step {i}: weights"
        );
        assert_eq!(
            opt_fused.state_bits(),
            opt_buffered.state_bits(),
            "{name} step {i}: optimizer state"
        );
    }
    assert_ne!(
        param_bits(&fused),
        param_bits(&start),
        "{name}: nothing trained"
    );
}

fn with_every_optimizer<L, Lo, const N: usize>(name: &str, seed: u64, loss: &Lo)
where
    L: Layer<Output = [f32; N]> + Zero + Copy,
    Lo: Loss<N>,
{
    let sgd = || Sgd::new(0.05).unwrap();
    fused_equals_buffered::<L, _, _, N>(&format!("{name}, SGD"), seed, sgd, loss);
    let momentum = || Momentum::<L>::new(0.05, 0.9).unwrap();
    fused_equals_buffered::<L, _, _, N>(&format!("{name}, momentum"), seed, momentum, loss);
    let adam = || Adam::<L>::new(1e-2).unwrap();
    fused_equals_buffered::<L, _, _, N>(&format!("{name}, Adam"), seed, adam, loss);
}

#[test]
fn fused_step_equals_buffered_step_for_recurrent_models() {
    // A GRU alone as the whole model: its backward runs with neither dx nor grads wanted.
    with_every_optimizer::<Gru<3, 3, 6>, _, 3>("GRU alone", 50, &Mse);
    // Recurrent layers first in a chain, then behind a transpose.
    type GruHead = chain![Gru<3, 5, 6>, Dense<5, 3>];
    with_every_optimizer::<GruHead, _, 3>("GRU + dense", 51, &SoftmaxCrossEntropy);
    with_every_optimizer::<Stacked, _, 3>("stacked", 52, &SoftmaxCrossEntropy);
    // A frozen GRU under a trained head (transfer learning): its weights never move.
    type FrozenGru = chain![Frozen<Gru<3, 5, 6>>, Dense<5, 3>];
    with_every_optimizer::<FrozenGru, _, 3>("frozen GRU + dense", 55, &SoftmaxCrossEntropy);
    type LstmHead = chain![Lstm<3, 5, 6>, Dense<5, 3>];
    with_every_optimizer::<LstmHead, _, 3>("LSTM + dense", 53, &SoftmaxCrossEntropy);
}

#[test]
fn fused_step_equals_buffered_step_for_a_1d_cnn() {
    with_every_optimizer::<Cnn1d, _, 3>("1-D CNN", 54, &SoftmaxCrossEntropy);
}

// ---- Extreme inputs ----

/// Inputs of ±1e30 (and mixtures that cancel inside a gate) saturate the gates: outputs
/// stay in [−1, 1] and every gradient stays finite.
fn extreme_inputs_stay_finite<L: Layer<Output = [f32; 3]> + Copy + Zero>(name: &str) {
    let m: L = model(60);
    let big = 1e30f32;
    let patterns = [big, -big, 0.0];
    for k in 0..6 {
        let mut x = L::Input::ZERO;
        for (i, v) in x.flat_mut().iter_mut().enumerate() {
            *v = patterns[(i * (k + 1) + k) % 3];
        }
        let y = m.infer(&x);
        assert!(y.iter().all(|v| v.is_finite()), "{name} {k}: output {y:?}");
        let (dx, g) = grad::of(&m, &x, &[1.0, -1.0, 0.5]);
        assert!(dx.is_finite(), "{name} {k}: dx");
        for b in 0..<L::Grads as Params>::BLOCKS {
            assert!(
                g.block(b).iter().all(|v| v.is_finite()),
                "{name} {k}: grads {b}"
            );
        }
        // A training step either succeeds or is refused; the weights stay finite.
        let mut trained = m;
        let mut opt = Adam::<L>::new(1e-3).unwrap();
        let _ = StepWorkspace::<L>::new().step(&mut trained, &mut opt, &Mse, &x, &[0.0; 3]);
        for b in 0..L::PARAM_BLOCKS {
            assert!(
                trained.param_block(b).iter().all(|v| v.is_finite()),
                "{name} {k}: weights"
            );
        }
    }
}

#[test]
fn extreme_inputs_give_no_nan() {
    extreme_inputs_stay_finite::<Gru<3, 3, 5>>("GRU");
    extreme_inputs_stay_finite::<Lstm<3, 3, 5>>("LSTM");
    let seq = Gru::<3, 4, 5, Sequence>::ZERO.infer(&[[1e30; 3]; 5]);
    assert!(seq.flat().iter().all(|v| v.abs() <= 1.0));
    let h = Lstm::<3, 4, 5>::ZERO.infer(&[[-1e30; 3]; 5]);
    assert!(h.iter().all(|v| v.abs() <= 1.0));
}

// ---- Memory and weight files ----

#[test]
fn footprint_counts_the_per_step_activations() {
    // GRU: input, state, three gates and W_hn·h + b_hn per step; LSTM: input, two states
    // and four gates per step. Nothing else.
    assert_eq!(
        Footprint::of::<Gru<6, 32, 100>>().cache,
        4 * 100 * (6 + 5 * 32)
    );
    assert_eq!(
        Footprint::of::<Lstm<6, 32, 100>>().cache,
        4 * 100 * (6 + 6 * 32)
    );
    assert_eq!(
        Footprint::of::<Gru<6, 32, 100>>().param_count,
        3 * 32 * (6 + 32 + 2)
    );
    // A chain adds each hidden activation once.
    let stacked = Footprint::of::<Stacked>();
    let parts =
        Footprint::of::<Gru<3, 4, 7, Sequence>>().cache + Footprint::of::<Lstm<4, 3, 7>>().cache;
    assert_eq!(
        stacked.cache,
        parts + 4 * (3 * 7 + 4 * 7 + 3) + Footprint::of::<Dense<3, 3>>().cache
    );
}

#[test]
fn weight_files_round_trip_and_keep_readouts_apart() {
    let m: Stacked = model(70);
    let mut buf = vec![0u8; encoded_len::<Stacked>()];
    save(&m, &mut buf).unwrap();
    let mut back = Stacked::ZERO;
    load(&mut back, &buf).unwrap();
    assert_eq!(param_bits(&back), param_bits(&m));
    let x = random(71, 1.0);
    assert_eq!(back.infer(&x), m.infer(&x));
    // Ping-pong inference in two of the largest tensor gives the same bits.
    let mut scratch = vec![0.0; 2 * <Stacked as Layer>::LARGEST];
    assert_eq!(m.infer_with(&x, &mut scratch), Some(m.infer(&x)));
    // Same weights, other readout: a different architecture, refused.
    let g: Gru<3, 4, 5> = model(72);
    let mut buf = vec![0u8; encoded_len::<Gru<3, 4, 5>>()];
    save(&g, &mut buf).unwrap();
    let mut seq = Gru::<3, 4, 5, Sequence>::ZERO;
    assert!(load(&mut seq, &buf).is_err());
    let mut lstm = Lstm::<3, 4, 5>::ZERO;
    assert!(load(&mut lstm, &buf).is_err());
}
