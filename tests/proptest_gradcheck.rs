//! Property test: on random weights, inputs and targets, the analytic gradients (parameters
//! and input) of whole models match central differences, for several layer sizes and every
//! loss.
//!
//! Case counts are bounded so CI stays fast (`CASES` per model; `PROPTEST_CASES=N` raises
//! them for a long run). The seed is fixed unless `PROPTEST_RNG_SEED` is set.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use stacknet::loss::{BinaryCrossEntropy, Loss, Mse, SoftmaxCrossEntropy};
use stacknet::{
    Dense, Identity, Init, Layer, Params, Sigmoid, Softmax, Tanh, Tensor, Workspace, Zero, chain,
};

/// Cases per model in a normal run.
const CASES: u32 = 128;

fn config() -> Config {
    let mut c = Config::with_cases(
        std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(CASES),
    );
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        c.rng_seed = RngSeed::Fixed(0x5eed);
    }
    c
}

/// Step for central differences: about cbrt(f32::EPSILON), balancing truncation against
/// rounding (see docs/STYLE section 9).
const H: f32 = 1e-2;

fn close(analytic: f32, numeric: f32) -> bool {
    (analytic - numeric).abs() <= 1e-2 * (1.0 + numeric.abs())
}

fn loss_at<L, Lo, const N: usize>(model: &L, loss: &Lo, x: &L::Input, t: &[f32; N]) -> f32
where
    L: Layer<Output = [f32; N]>,
    Lo: Loss<N>,
{
    // `forward`, not `infer`: with `fast-math`, `infer` uses an approximate exp.
    loss.loss(&stacknet::grad::output(model, x), t)
}

/// Checks every parameter gradient (through `Workspace::accumulate`) and every input
/// gradient (through `Layer::backward`) against central differences.
fn gradcheck<L, Lo, const N: usize>(
    model: &mut L,
    loss: &Lo,
    x: &L::Input,
    t: &[f32; N],
) -> Result<(), TestCaseError>
where
    L: Layer<Output = [f32; N]>,
    Lo: Loss<N>,
{
    let mut ws = Workspace::<L>::new();
    ws.accumulate(model, loss, x, t)
        .map_err(|e| TestCaseError::fail(format!("accumulate: {e}")))?;
    let grads = ws.grads();
    // Every parameter trains, so the gradient has the model's block layout.
    prop_assert_eq!(<L::Grads as Params>::BLOCKS, L::PARAM_BLOCKS);
    for b in 0..L::PARAM_BLOCKS {
        prop_assert_eq!(grads.block(b).len(), model.param_block(b).len());
        for j in 0..model.param_block(b).len() {
            let saved = model.param_block(b)[j];
            model.param_block_mut(b)[j] = saved + H;
            let up = loss_at(model, loss, x, t);
            model.param_block_mut(b)[j] = saved - H;
            let down = loss_at(model, loss, x, t);
            model.param_block_mut(b)[j] = saved;
            let numeric = (up - down) / (2.0 * H);
            let analytic = grads.block(b)[j];
            prop_assert!(
                close(analytic, numeric),
                "dL/dparam block {b} [{j}]: analytic {analytic} vs numeric {numeric}"
            );
        }
    }
    let y = stacknet::grad::output(model, x);
    let (_, dy) = loss.loss_and_grad(&y, t);
    let (dx, _) = stacknet::grad::of(model, x, &dy);
    for i in 0..L::Input::LEN {
        let (mut up, mut down) = (*x, *x);
        up.flat_mut()[i] += H;
        down.flat_mut()[i] -= H;
        let numeric = (loss_at(model, loss, &up, t) - loss_at(model, loss, &down, t)) / (2.0 * H);
        let analytic = dx.flat()[i];
        prop_assert!(
            close(analytic, numeric),
            "dL/dx[{i}]: analytic {analytic} vs numeric {numeric}"
        );
    }
    Ok(())
}

fn model<L: Layer + Zero>(seed: u64, scale: f32) -> L {
    let mut m = L::ZERO;
    m.init(Init::Uniform(scale), &mut stacknet::rng(seed));
    // Non-zero biases too, so their gradients are exercised away from the origin.
    let mut r = stacknet::rng(seed ^ 0xb1a5);
    for b in 0..L::PARAM_BLOCKS {
        for v in m.param_block_mut(b) {
            if *v == 0.0 {
                *v = 0.5 * scale * stacknet::init::uniform_pm1(&mut r);
            }
        }
    }
    m
}

fn array<const N: usize>(lo: f32, hi: f32) -> impl Strategy<Value = [f32; N]> {
    prop::collection::vec(lo..hi, N).prop_map(|v| {
        let mut a = [0.0; N];
        a.copy_from_slice(&v);
        a
    })
}

fn one_hot<const N: usize>() -> impl Strategy<Value = [f32; N]> {
    (0..N).prop_map(|k| stacknet::loss::one_hot::<N>(k).unwrap())
}

type TanhRegressor = chain![Dense<3, 4>, Tanh<4>, Dense<4, 2>, Identity<2>];
type SigmoidBinary = chain![Dense<5, 3>, Sigmoid<3>, Dense<3, 1>, Sigmoid<1>];
type WideClassifier = chain![Dense<12, 9>, Tanh<9>, Dense<9, 6>, Sigmoid<6>, Dense<6, 4>];
type SoftmaxOut = chain![Dense<4, 3>, Softmax<3>];
type Single = Dense<1, 1>;

proptest! {
    #![proptest_config(config())]

    #[test]
    fn tanh_regressor_with_mse(seed in any::<u64>(), x in array::<3>(-2.0, 2.0), t in array::<2>(-1.5, 1.5)) {
        gradcheck(&mut model::<TanhRegressor>(seed, 1.0), &Mse, &x, &t)?;
    }

    #[test]
    fn sigmoid_binary_with_bce(seed in any::<u64>(), x in array::<5>(-2.0, 2.0), t in 0.0f32..=1.0) {
        gradcheck(&mut model::<SigmoidBinary>(seed, 1.0), &BinaryCrossEntropy, &x, &[t])?;
    }

    #[test]
    fn wide_classifier_with_softmax_cross_entropy(seed in any::<u64>(), x in array::<12>(-1.0, 1.0), t in one_hot::<4>()) {
        gradcheck(&mut model::<WideClassifier>(seed, 0.8), &SoftmaxCrossEntropy, &x, &t)?;
    }

    #[test]
    fn softmax_cross_entropy_with_soft_targets(seed in any::<u64>(), x in array::<12>(-1.0, 1.0), t in array::<4>(0.0, 1.0)) {
        gradcheck(&mut model::<WideClassifier>(seed, 0.8), &SoftmaxCrossEntropy, &x, &t)?;
    }

    #[test]
    fn softmax_layer_with_mse(seed in any::<u64>(), x in array::<4>(-2.0, 2.0), t in array::<3>(0.0, 1.0)) {
        gradcheck(&mut model::<SoftmaxOut>(seed, 1.0), &Mse, &x, &t)?;
    }

    #[test]
    fn single_weight(seed in any::<u64>(), x in -3.0f32..3.0, t in -3.0f32..3.0) {
        gradcheck(&mut model::<Single>(seed, 2.0), &Mse, &[x], &[t])?;
    }
}
