//! Partial training (transfer learning) and the memory-saving paths that go with it:
//! - `Frozen` layers keep their weights bit for bit while the rest of the model trains, and
//!   cost no gradient or optimizer memory;
//! - the fused per-sample step (`StepWorkspace::step`, no gradient buffer) is bit-identical
//!   to accumulating the same single sample in a `Workspace` and applying it, weights and
//!   optimizer state alike, for dense layers, both convolution kernel families and
//!   `BiasOnly` layers;
//! - gradients through `BiasOnly` and `Frozen` layers match central differences;
//! - `infer_with` (ping-pong scratch) gives exactly `infer`'s output.

use stacknet::format::{encoded_len, load, save};
use stacknet::init::fill_uniform;
use stacknet::layers::activation::TanhFn;
use stacknet::layers::{Act, Conv2d, Flatten, Map, MaxPool2d, Relu3, Unflatten};
use stacknet::loss::{Loss, Mse, SoftmaxCrossEntropy, one_hot};
use stacknet::optim::{Adam, Momentum, Optimizer, Sgd};
use stacknet::{
    BiasOnly, Dense, Footprint, Frozen, Init, Layer, Params, Relu, Sigmoid, StepWorkspace, Tanh,
    Tensor, Workspace, Zero, chain,
};

// ---- Helpers ----

/// Each stored parameter block's bit patterns.
fn param_bits<L: Layer>(m: &L) -> Vec<Vec<u32>> {
    (0..L::PARAM_BLOCKS)
        .map(|b| m.param_block(b).iter().map(|v| v.to_bits()).collect())
        .collect()
}

/// Every value of a gradient-shaped buffer, as bit patterns.
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

fn random<T: Tensor>(seed: u64, scale: f32) -> T {
    let mut t = T::ZERO;
    fill_uniform(t.flat_mut(), scale, &mut stacknet::rng(seed));
    t
}

/// A model with weights from `seed` and non-zero biases (so bias gradients and updates are
/// exercised away from the origin).
fn model<L: Layer + Zero>(seed: u64) -> L {
    let mut m = L::ZERO;
    m.init(Init::XavierUniform, &mut stacknet::rng(seed));
    let mut r = stacknet::rng(seed ^ 0xb1a5);
    for b in 0..L::PARAM_BLOCKS {
        for v in m.param_block_mut(b) {
            if *v == 0.0 {
                *v = 0.3 * stacknet::init::uniform_pm1(&mut r);
            }
        }
    }
    m
}

/// `count` random inputs with labels cycling through the `N` classes, one-hot.
fn classification<T: Tensor, const N: usize>(count: usize, seed: u64) -> (Vec<T>, Vec<[f32; N]>) {
    let xs = (0..count).map(|i| random(seed + i as u64, 1.0)).collect();
    let ts = (0..count).map(|i| one_hot(i % N).unwrap()).collect();
    (xs, ts)
}

fn mean_loss<L, Lo, const N: usize>(m: &L, loss: &Lo, xs: &[L::Input], ts: &[[f32; N]]) -> f32
where
    L: Layer<Output = [f32; N]>,
    Lo: Loss<N>,
{
    let sum: f32 = xs
        .iter()
        .zip(ts)
        .map(|(x, t)| loss.loss(&stacknet::grad::output(m, x), t))
        .sum();
    sum / xs.len() as f32
}

// ---- Models ----

/// A frozen feature extractor and a trained head.
type HeadOnly = chain![Frozen<chain![Dense<6, 8>, Tanh<8>]>, Dense<8, 3>];
/// The same stored weights, all trained, nested the same way: `(body, head)`.
type Whole = (chain![Dense<6, 8>, Tanh<8>], Dense<8, 3>);
/// A frozen layer between two trained ones: the first needs the gradient to pass through it.
type FrozenMiddle = chain![Dense<6, 8>, Tanh<8>, Frozen<Dense<8, 8>>, Tanh<8>, Dense<8, 3>];
/// A CNN with a frozen first convolution, a bias-only second one and a trained head.
type TransferCnn = chain![
    Unflatten<1, 8, 8, 64>,
    Frozen<Conv2d<1, 4, 3, 8, 8, 6, 6>>,
    Relu3<4, 6, 6>,
    BiasOnly<Conv2d<4, 8, 3, 6, 6, 4, 4>>,
    Relu3<8, 4, 4>,
    Flatten<8, 4, 4, 128>,
    Dense<128, 3>,
];

// ---- (1) Frozen weights never move ----

/// Trains `L` with Adam, per sample (fused step) then in mini-batches, and checks that the
/// stored blocks in `frozen` keep every bit while every other block moves and the loss falls.
/// (Not every value of a trained block need move: a ReLU channel that is off for every
/// sample gets no gradient.)
fn frozen_blocks_stay_bit_identical<L, const N: usize>(name: &str, frozen: &[usize], seed: u64)
where
    L: Layer<Output = [f32; N]> + Zero + Copy,
{
    let start: L = model(seed);
    let mut m = start;
    let (xs, ts) = classification::<L::Input, N>(12, seed + 1000);
    let before = mean_loss(&m, &SoftmaxCrossEntropy, &xs, &ts);
    let mut opt = Box::new(Adam::<L>::new(1e-2).unwrap());
    let mut ws = Box::new(Workspace::<L>::new());
    for i in 0..300 {
        let (x, t) = (&xs[i % xs.len()], &ts[i % ts.len()]);
        ws.step(&mut m, &mut *opt, &SoftmaxCrossEntropy, x, t)
            .unwrap();
    }
    for _ in 0..100 {
        ws.batch(&mut m, &mut *opt, &SoftmaxCrossEntropy, &xs[..6], &ts[..6])
            .unwrap();
        ws.batch(&mut m, &mut *opt, &SoftmaxCrossEntropy, &xs[6..], &ts[6..])
            .unwrap();
    }
    assert_eq!(opt.steps(), 500, "{name}: every step was taken");
    let after = mean_loss(&m, &SoftmaxCrossEntropy, &xs, &ts);
    assert!(after < 0.8 * before, "{name}: loss {before} -> {after}");
    let (was, now) = (param_bits(&start), param_bits(&m));
    for b in 0..L::PARAM_BLOCKS {
        if frozen.contains(&b) {
            assert_eq!(now[b], was[b], "{name}: frozen block {b} changed");
        } else {
            assert_ne!(now[b], was[b], "{name}: trained block {b} did not move");
        }
    }
}

#[test]
fn frozen_backbone_keeps_every_bit_while_the_head_trains() {
    frozen_blocks_stay_bit_identical::<HeadOnly, 3>("head only", &[0, 1], 1);
}

#[test]
fn frozen_middle_layer_keeps_every_bit_while_both_sides_train() {
    frozen_blocks_stay_bit_identical::<FrozenMiddle, 3>("frozen middle", &[2, 3], 2);
}

#[test]
fn frozen_and_bias_only_convolutions_keep_their_frozen_weights() {
    // Blocks: frozen conv weights 0 and bias 1, bias-only conv weights 2 (frozen) and
    // bias 3 (trained), dense head 4 and 5.
    frozen_blocks_stay_bit_identical::<TransferCnn, 3>("transfer CNN", &[0, 1, 2], 3);
}

// ---- (2) Frozen parts cost no gradient or optimizer memory ----

#[test]
fn frozen_parts_cost_no_gradient_or_optimizer_bytes() {
    // A frozen layer alone: its weights are stored, nothing else.
    type Backbone = chain![Dense<64, 32>, Relu<32>];
    let frozen = Footprint::of::<Frozen<Backbone>>();
    let stateless = Footprint::of::<Relu<32>>();
    assert_eq!(frozen.param_count, 64 * 32 + 32);
    assert_eq!(frozen.params, Footprint::of::<Backbone>().params);
    assert_eq!(frozen.trained_count, 0);
    assert_eq!(frozen.grads, 0);
    assert_eq!(size_of::<<Frozen<Backbone> as Layer>::Grads>(), 0);
    // Adam and momentum hold only their scalars, as for a layer with no parameters.
    assert_eq!(frozen.adam, stateless.adam);
    assert_eq!(frozen.momentum, stateless.momentum);

    // In a model, the frozen part adds nothing to gradients or optimizer state: the model
    // costs exactly what its head alone costs there, while storing all the weights.
    type Head = Dense<32, 10>;
    type HeadOnly = chain![Frozen<Backbone>, Head];
    type All = chain![Dense<64, 32>, Relu<32>, Head];
    let (model, head, all) = (
        Footprint::of::<HeadOnly>(),
        Footprint::of::<Head>(),
        Footprint::of::<All>(),
    );
    assert_eq!(model.param_count, all.param_count);
    assert_eq!(model.params, all.params);
    assert_eq!(model.trained_count, 32 * 10 + 10);
    assert_eq!(model.grads, head.grads);
    assert_eq!(model.adam, head.adam);
    assert_eq!(model.momentum, head.momentum);
    assert!(model.adam < all.adam && model.grads < all.grads);
    // The mini-batch workspace adds the head's gradients only.
    assert_eq!(model.workspace - model.step_workspace, head.grads + 4);
    assert_eq!(size_of::<Adam<HeadOnly>>(), size_of::<Adam<Head>>());

    // Bias-only: gradients and both Adam moments for the bias alone.
    let bias_only = Footprint::of::<BiasOnly<Head>>();
    assert_eq!(bias_only.trained_count, 10);
    assert_eq!(bias_only.grads, 10 * 4);
    assert_eq!(bias_only.adam, stateless.adam + 2 * 10 * 4);
    let cnn = Footprint::of::<TransferCnn>();
    assert_eq!(cnn.trained_count, 8 + 128 * 3 + 3);
    assert_eq!(cnn.grads, cnn.trained_count * 4);
}

/// Freezing changes only the type: the same weight file and signature, in both directions.
/// (The signature follows the chain's nesting, so the whole model is written as
/// `(body, head)` like its frozen variant.)
#[test]
fn a_frozen_variant_loads_the_whole_models_weights_and_back() {
    assert_eq!(<HeadOnly as Layer>::SIGNATURE, <Whole as Layer>::SIGNATURE);
    // A single frozen or bias-only layer inside a flat chain keeps the nesting as well.
    type Flat = chain![Dense<6, 8>, Tanh<8>, Dense<8, 8>, Tanh<8>, Dense<8, 3>];
    type BiasMiddle = chain![Dense<6, 8>, Tanh<8>, BiasOnly<Dense<8, 8>>, Tanh<8>, Dense<8, 3>];
    assert_eq!(
        <FrozenMiddle as Layer>::SIGNATURE,
        <Flat as Layer>::SIGNATURE
    );
    assert_eq!(<BiasMiddle as Layer>::SIGNATURE, <Flat as Layer>::SIGNATURE);
    assert_eq!(encoded_len::<HeadOnly>(), encoded_len::<Whole>());
    let whole: Whole = model(5);
    let mut buf = vec![0u8; encoded_len::<Whole>()];
    save(&whole, &mut buf).unwrap();
    let mut head_only = HeadOnly::ZERO;
    load(&mut head_only, &buf).unwrap();
    assert_eq!(param_bits(&head_only), param_bits(&whole));
    let x: [f32; 6] = random(6, 1.0);
    assert_eq!(
        head_only.infer(&x).map(f32::to_bits),
        whole.infer(&x).map(f32::to_bits)
    );
    let mut again = vec![0u8; encoded_len::<HeadOnly>()];
    save(&head_only, &mut again).unwrap();
    assert_eq!(again, buf);
}

// ---- (3) The fused step is the buffered step, bit for bit ----

/// Runs 50 single-sample steps three ways from the same start — `StepWorkspace::step`
/// (fused), `Workspace::step` with nothing pending (fused too), and
/// `Workspace::accumulate` + `apply` (gradient buffer) — and requires identical losses,
/// weights and optimizer state after every step.
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
    let (xs, ts) = classification::<L::Input, N>(7, seed + 100);
    let (mut fused, mut via_ws, mut buffered) = (start, start, start);
    let (mut opt_fused, mut opt_ws, mut opt_buffered) = (make(), make(), make());
    let mut step_ws = Box::new(StepWorkspace::<L>::new());
    let mut ws = Box::new(Workspace::<L>::new());
    let mut batch_ws = Box::new(Workspace::<L>::new());
    for i in 0..50 {
        let (x, t) = (&xs[i % xs.len()], &ts[i % ts.len()]);
        let a = step_ws
            .step(&mut fused, &mut opt_fused, loss, x, t)
            .unwrap();
        let b = ws.step(&mut via_ws, &mut opt_ws, loss, x, t).unwrap();
        let c = batch_ws.accumulate(&buffered, loss, x, t).unwrap();
        assert_eq!(batch_ws.apply(&mut buffered, &mut opt_buffered), Ok(1));
        assert_eq!(a.to_bits(), c.to_bits(), "{name} step {i}: loss");
        assert_eq!(
            b.to_bits(),
            c.to_bits(),
            "{name} step {i}: loss (Workspace::step)"
        );
        let want = param_bits(&buffered);
        assert_eq!(param_bits(&fused), want, "{name} step {i}: weights");
        assert_eq!(
            param_bits(&via_ws),
            want,
            "{name} step {i}: weights (Workspace::step)"
        );
        let state = opt_buffered.state_bits();
        assert_eq!(
            opt_fused.state_bits(),
            state,
            "{name} step {i}: optimizer state"
        );
        assert_eq!(
            opt_ws.state_bits(),
            state,
            "{name} step {i}: state (Workspace::step)"
        );
    }
    // The comparison means something only if the steps moved the weights.
    assert_ne!(
        param_bits(&fused),
        param_bits(&start),
        "{name}: nothing trained"
    );
}

/// Runs [`fused_equals_buffered`] with SGD, momentum and Adam.
fn with_every_optimizer<L, Lo, const N: usize>(name: &str, seed: u64, loss: &Lo)
where
    L: Layer<Output = [f32; N]> + Zero + Copy,
    Lo: Loss<N>,
{
    fused_equals_buffered::<L, _, _, N>(
        &format!("{name}, SGD"),
        seed,
        || Sgd::new(0.05).unwrap(),
        loss,
    );
    fused_equals_buffered::<L, _, _, N>(
        &format!("{name}, momentum"),
        seed,
        || Momentum::<L>::new(0.05, 0.9).unwrap(),
        loss,
    );
    fused_equals_buffered::<L, _, _, N>(
        &format!("{name}, Adam"),
        seed,
        || Adam::<L>::new(1e-2).unwrap(),
        loss,
    );
}

type Mlp = chain![Dense<5, 8>, Tanh<8>, Dense<8, 6>, Relu<6>, Dense<6, 3>, Sigmoid<3>];

/// Conv2d gathers patches when `C_IN·K·K > OW` (both convolutions here: 9 > 6, 36 > 4).
type PatchCnn = chain![
    Unflatten<1, 8, 8, 64>,
    Conv2d<1, 4, 3, 8, 8, 6, 6>,
    Relu3<4, 6, 6>,
    Conv2d<4, 8, 3, 6, 6, 4, 4>,
    Relu3<8, 4, 4>,
    Flatten<8, 4, 4, 128>,
    Dense<128, 3>,
];

/// ...and slides along rows otherwise (9 ≤ 14 with same padding, 4 ≤ 14 for the 1×1).
type RowCnn = chain![
    Unflatten<1, 6, 14, 84>,
    Conv2d<1, 4, 3, 6, 14, 6, 14, 1, 1>,
    Relu3<4, 6, 14>,
    Conv2d<4, 2, 1, 6, 14, 6, 14>,
    Relu3<2, 6, 14>,
    MaxPool2d<2, 6, 14, 3, 7>,
    Flatten<2, 3, 7, 42>,
    Dense<42, 3>,
];

/// Bias-only dense layers next to frozen and fully trained ones.
type BiasMlp = chain![
    Frozen<Dense<5, 8>>,
    Tanh<8>,
    BiasOnly<Dense<8, 6>>,
    Relu<6>,
    Dense<6, 3>,
];

/// Only biases train, in both convolutions and the head.
type BiasCnn = chain![
    Unflatten<1, 8, 8, 64>,
    BiasOnly<Conv2d<1, 4, 3, 8, 8, 6, 6>>,
    Relu3<4, 6, 6>,
    BiasOnly<Conv2d<4, 8, 3, 6, 6, 4, 4>>,
    Relu3<8, 4, 4>,
    Flatten<8, 4, 4, 128>,
    BiasOnly<Dense<128, 3>>,
];

#[test]
fn fused_step_equals_buffered_step_for_a_dense_mlp() {
    with_every_optimizer::<Mlp, _, 3>("MLP", 11, &Mse);
}

#[test]
fn fused_step_equals_buffered_step_for_patch_convolutions() {
    with_every_optimizer::<PatchCnn, _, 3>("patch CNN", 12, &SoftmaxCrossEntropy);
}

#[test]
fn fused_step_equals_buffered_step_for_row_convolutions() {
    with_every_optimizer::<RowCnn, _, 3>("row CNN", 13, &SoftmaxCrossEntropy);
}

#[test]
fn fused_step_equals_buffered_step_for_bias_only_layers() {
    with_every_optimizer::<BiasMlp, _, 3>("bias-only MLP", 14, &SoftmaxCrossEntropy);
    with_every_optimizer::<BiasCnn, _, 3>("bias-only CNN", 15, &SoftmaxCrossEntropy);
    with_every_optimizer::<TransferCnn, _, 3>("transfer CNN", 16, &SoftmaxCrossEntropy);
}

// ---- (4) Gradients through BiasOnly and Frozen layers ----

/// Step for central differences, about cbrt(f32::EPSILON) (see tests/gradcheck.rs).
const H: f32 = 1e-2;

fn close(analytic: f32, numeric: f32, what: &str) {
    let tol = 1e-2 * (1.0 + numeric.abs());
    assert!(
        (analytic - numeric).abs() <= tol,
        "{what}: analytic {analytic} vs numeric {numeric}"
    );
}

/// Checks d(r·model(x))/dx and the trained parameters' gradients against central
/// differences. `trained` maps each trained stored block to its gradient block; every
/// other stored block must be frozen (no gradient at all).
fn check_gradients<L: Layer + Copy>(
    name: &str,
    model: &L,
    x: &L::Input,
    trained: &[(usize, usize)],
) {
    let r: L::Output = random(99, 1.0);
    let objective = |m: &L, x: &L::Input| -> f32 {
        let y = stacknet::grad::output(m, x);
        y.flat().iter().zip(r.flat()).map(|(a, b)| a * b).sum()
    };
    let (dx, grads) = stacknet::grad::of(model, x, &r);
    assert_eq!(
        <L::Grads as Params>::BLOCKS,
        trained.len(),
        "{name}: gradient blocks"
    );
    let trained_len: usize = trained
        .iter()
        .map(|&(b, _)| model.param_block(b).len())
        .sum();
    assert_eq!(
        <L::Grads as Params>::LEN,
        trained_len,
        "{name}: trained values"
    );

    // Asking for only one of the two gives the same values.
    let mut cache = L::Cache::ZERO;
    let mut y = L::Output::ZERO;
    model.forward(x, &mut cache, &mut y);
    let mut dx_only = L::Input::ZERO;
    model.backward(&mut cache, &r, Some(&mut dx_only), None);
    assert_eq!(dx_only.flat(), dx.flat(), "{name}: dx without grads");
    model.forward(x, &mut cache, &mut y);
    let mut grads_only = L::Grads::ZERO;
    model.backward(&mut cache, &r, None, Some(&mut grads_only));
    assert_eq!(
        grad_bits(&grads_only),
        grad_bits(&grads),
        "{name}: grads without dx"
    );

    for i in 0..L::Input::LEN {
        let (mut up, mut down) = (*x, *x);
        up.flat_mut()[i] += H;
        down.flat_mut()[i] -= H;
        let numeric = (objective(model, &up) - objective(model, &down)) / (2.0 * H);
        close(dx.flat()[i], numeric, &format!("{name} d/dx[{i}]"));
    }
    for &(b, g) in trained {
        assert_eq!(
            grads.block(g).len(),
            model.param_block(b).len(),
            "{name}: block {b}"
        );
        for i in 0..model.param_block(b).len() {
            let (mut up, mut down) = (*model, *model);
            up.param_block_mut(b)[i] += H;
            down.param_block_mut(b)[i] -= H;
            let numeric = (objective(&up, x) - objective(&down, x)) / (2.0 * H);
            close(
                grads.block(g)[i],
                numeric,
                &format!("{name} d/dθ[{b}][{i}]"),
            );
        }
    }
}

#[test]
fn bias_only_dense_gradients() {
    let m: BiasOnly<Dense<5, 3>> = model(21);
    check_gradients(
        "BiasOnly<Dense>",
        &m,
        &random::<[f32; 5]>(22, 1.0),
        &[(1, 0)],
    );
}

#[test]
fn bias_only_conv_gradients() {
    let m: BiasOnly<Conv2d<2, 3, 3, 5, 5, 3, 3>> = model(23);
    let x: [[[f32; 5]; 5]; 2] = random(24, 1.0);
    check_gradients("BiasOnly<Conv2d>", &m, &x, &[(1, 0)]);
}

#[test]
fn gradients_pass_through_a_frozen_middle_layer() {
    type Net = chain![Dense<4, 5>, Tanh<5>, Frozen<Dense<5, 5>>, Sigmoid<5>, Dense<5, 3>];
    let m: Net = model(25);
    // Stored blocks 2 and 3 are the frozen layer's.
    let trained = [(0, 0), (1, 1), (4, 2), (5, 3)];
    check_gradients("frozen middle", &m, &random::<[f32; 4]>(26, 1.0), &trained);
}

#[test]
fn gradients_pass_through_a_bias_only_middle_layer() {
    type Net = chain![Dense<4, 5>, Tanh<5>, BiasOnly<Dense<5, 5>>, Sigmoid<5>, Dense<5, 3>];
    let m: Net = model(27);
    // Stored block 2 is the bias-only layer's frozen weights.
    let trained = [(0, 0), (1, 1), (3, 2), (4, 3), (5, 4)];
    check_gradients(
        "bias-only middle",
        &m,
        &random::<[f32; 4]>(28, 1.0),
        &trained,
    );
}

#[test]
fn input_gradient_through_a_frozen_backbone() {
    // The chain skips the backbone's backward when nobody needs its input gradient;
    // asking for dx must still run it.
    let m: HeadOnly = model(29);
    check_gradients(
        "frozen backbone",
        &m,
        &random::<[f32; 6]>(30, 1.0),
        &[(2, 0), (3, 1)],
    );
    // The transfer CNN with tanh instead of ReLU, so no kink lies within ±h.
    type Tanh3<const C: usize, const H: usize, const W: usize> = Act<TanhFn, Map<C, H, W>>;
    type SmoothCnn = chain![
        Unflatten<1, 8, 8, 64>,
        Frozen<Conv2d<1, 4, 3, 8, 8, 6, 6>>,
        Tanh3<4, 6, 6>,
        BiasOnly<Conv2d<4, 8, 3, 6, 6, 4, 4>>,
        Tanh3<8, 4, 4>,
        Flatten<8, 4, 4, 128>,
        Dense<128, 3>,
    ];
    let cnn: SmoothCnn = model(31);
    let trained = [(3, 0), (4, 1), (5, 2)];
    check_gradients("frozen CNN", &cnn, &random::<[f32; 64]>(32, 1.0), &trained);
}

// ---- (5) infer_with ----

/// `infer_with` with scratch of exactly `2 * LARGEST` (and more) values gives `infer`'s
/// output bit for bit; one value short, or empty, it returns `None`.
fn infer_with_matches_infer<L: Layer + Zero>(name: &str, seed: u64) {
    let mut m = Box::new(L::ZERO);
    m.init(Init::HeUniform, &mut stacknet::rng(seed));
    let need = 2 * L::LARGEST;
    assert!(need >= 2 * <L::Input as Tensor>::LEN.max(<L::Output as Tensor>::LEN));
    for k in 0..3 {
        let x: Box<L::Input> = Box::new(random(seed + k, 1.0));
        let want = m.infer(&x);
        let bits = |y: &L::Output| y.flat().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        let mut scratch = vec![f32::NAN; need];
        let got = m
            .infer_with(&x, &mut scratch)
            .expect("scratch is large enough");
        assert_eq!(bits(&got), bits(&want), "{name}: infer_with != infer");
        let mut longer = vec![7.0f32; need + 5];
        let got = m.infer_with(&x, &mut longer).expect("longer scratch");
        assert_eq!(bits(&got), bits(&want), "{name}: longer scratch");
        let mut short = vec![0.0f32; need - 1];
        assert!(
            m.infer_with(&x, &mut short).is_none(),
            "{name}: short scratch"
        );
        assert!(m.infer_with(&x, &mut []).is_none(), "{name}: empty scratch");
    }
}

// The models of tests/cnn.rs.
type SmallDigits = chain![
    Unflatten<1, 8, 8, 64>,
    Conv2d<1, 8, 3, 8, 8, 6, 6>,
    Relu3<8, 6, 6>,
    MaxPool2d<8, 6, 6, 3, 3>,
    Flatten<8, 3, 3, 72>,
    Dense<72, 10>,
];

type SmallMnist = chain![
    Unflatten<1, 28, 28, 784>,
    Conv2d<1, 8, 3, 28, 28, 26, 26>,
    Relu3<8, 26, 26>,
    MaxPool2d<8, 26, 26, 13, 13>,
    Flatten<8, 13, 13, 1352>,
    Dense<1352, 10>,
];

type DeepDigits = chain![
    Unflatten<1, 8, 8, 64>,
    Conv2d<1, 32, 3, 8, 8, 8, 8, 1, 1>,
    Relu3<32, 8, 8>,
    MaxPool2d<32, 8, 8, 4, 4>,
    Conv2d<32, 64, 3, 4, 4, 4, 4, 1, 1>,
    Relu3<64, 4, 4>,
    MaxPool2d<64, 4, 4, 2, 2>,
    Flatten<64, 2, 2, 256>,
    Dense<256, 10>,
];

type DeepMnist = chain![
    Unflatten<1, 28, 28, 784>,
    Conv2d<1, 16, 5, 28, 28, 24, 24>,
    Relu3<16, 24, 24>,
    MaxPool2d<16, 24, 24, 12, 12>,
    Conv2d<16, 32, 5, 12, 12, 8, 8>,
    Relu3<32, 8, 8>,
    MaxPool2d<32, 8, 8, 4, 4>,
    Flatten<32, 4, 4, 512>,
    Dense<512, 10>,
];

#[test]
fn infer_with_equals_infer_for_the_cnn_examples() {
    infer_with_matches_infer::<SmallDigits>("small digits", 41);
    infer_with_matches_infer::<SmallMnist>("small MNIST", 42);
    infer_with_matches_infer::<DeepDigits>("deep digits", 43);
    infer_with_matches_infer::<DeepMnist>("deep MNIST", 44);
    // The largest tensor of the deep MNIST model is its first feature map.
    assert_eq!(<DeepMnist as Layer>::LARGEST, 16 * 24 * 24);
}

#[test]
fn infer_with_equals_infer_for_frozen_and_bias_only_models() {
    infer_with_matches_infer::<TransferCnn>("transfer CNN", 45);
    infer_with_matches_infer::<HeadOnly>("head only", 46);
    infer_with_matches_infer::<BiasMlp>("bias-only MLP", 47);
    infer_with_matches_infer::<RowCnn>("row CNN", 48);
}
