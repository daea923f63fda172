//! Central finite differences against every layer's backward pass and every loss gradient.
//!
//! In f32 the step h = 1e-2 (≈ cbrt(f32::EPSILON)) balances truncation error (∝ h²) against
//! rounding error (∝ ε/h); with that, a relative tolerance of 1e-2 separates a correct
//! gradient from a wrong one (a missing factor or a transposed index is off by O(1)).

use stacknet::loss::{
    BinaryCrossEntropy, BinaryCrossEntropyWithLogits, Loss, Mse, SoftmaxCrossEntropy,
};
use stacknet::{
    Dense, Identity, Init, Layer, LeakyRelu, Params, Relu, Sigmoid, Softmax, Tanh, Tensor, Zero,
    chain,
};

const H: f32 = 1e-2;

fn close(analytic: f32, numeric: f32, what: &str) {
    let tol = 1e-2 * (1.0 + numeric.abs());
    assert!(
        (analytic - numeric).abs() <= tol,
        "{what}: analytic {analytic} vs numeric {numeric}"
    );
}

/// Checks d(r·L(x))/dx and d(r·L(x))/dθ for a fixed random direction r.
fn check_layer<L: Layer + Zero>(layer: &L, x: &L::Input, name: &str) {
    let mut rng = stacknet::rng(99);
    let mut r = L::Output::ZERO;
    stacknet::init::fill_uniform(r.flat_mut(), 1.0, &mut rng);
    // The training forward pass: exact even with `fast-math` (whose `infer` approximates exp).
    let objective = |l: &L, x: &L::Input| -> f32 {
        stacknet::grad::output(l, x)
            .flat()
            .iter()
            .zip(r.flat())
            .map(|(a, b)| a * b)
            .sum()
    };
    let y = stacknet::grad::output(layer, x);
    if !stacknet::math::FAST_MATH {
        assert_eq!(y.flat(), layer.infer(x).flat(), "{name}: forward != infer");
    }
    let (dx, grads) = stacknet::grad::of(layer, x, &r);
    // Every parameter trains here, so the gradient has the model's block layout.
    assert_eq!(
        <L::Grads as Params>::BLOCKS,
        L::PARAM_BLOCKS,
        "{name}: blocks"
    );
    assert_eq!(
        <L::Grads as Params>::LEN,
        L::PARAMS,
        "{name}: trained values"
    );

    for i in 0..L::Input::LEN {
        let (mut up, mut down) = (*x, *x);
        up.flat_mut()[i] += H;
        down.flat_mut()[i] -= H;
        let numeric = (objective(layer, &up) - objective(layer, &down)) / (2.0 * H);
        close(dx.flat()[i], numeric, &format!("{name} d/dx[{i}]"));
    }
    for b in 0..L::PARAM_BLOCKS {
        assert_eq!(
            grads.block(b).len(),
            layer.param_block(b).len(),
            "{name}: block {b}"
        );
        for i in 0..layer.param_block(b).len() {
            let (mut up, mut down) = (layer_copy(layer), layer_copy(layer));
            up.param_block_mut(b)[i] += H;
            down.param_block_mut(b)[i] -= H;
            let numeric = (objective(&up, x) - objective(&down, x)) / (2.0 * H);
            close(
                grads.block(b)[i],
                numeric,
                &format!("{name} d/dθ[{b}][{i}]"),
            );
        }
    }
}

/// Copies parameters block by block (layers need not be `Clone`).
fn layer_copy<L: Layer + Zero>(l: &L) -> L {
    let mut c = L::ZERO;
    for b in 0..L::PARAM_BLOCKS {
        c.param_block_mut(b).copy_from_slice(l.param_block(b));
    }
    c
}

fn input<const N: usize>(seed: u64, scale: f32) -> [f32; N] {
    let mut x = [0.0; N];
    stacknet::init::fill_uniform(&mut x, scale, &mut stacknet::rng(seed));
    x
}

/// Keeps inputs away from the kink at 0 (|x| ≥ 0.1 > h).
fn away_from_zero<const N: usize>(mut x: [f32; N]) -> [f32; N] {
    for v in &mut x {
        if v.abs() < 0.1 {
            *v = if *v < 0.0 { -0.1 - v.abs() } else { 0.1 + *v };
        }
    }
    x
}

#[test]
fn dense() {
    let mut d = Dense::<5, 3>::ZERO;
    d.init(Init::Uniform(1.0), &mut stacknet::rng(1));
    d.bias = input(2, 0.5);
    check_layer(&d, &input::<5>(3, 1.0), "Dense<5,3>");
}

#[test]
fn activations() {
    let x = away_from_zero(input::<6>(4, 2.0));
    check_layer(&Sigmoid::<6>::new(), &x, "Sigmoid");
    check_layer(&Tanh::<6>::new(), &x, "Tanh");
    check_layer(&Relu::<6>::new(), &x, "Relu");
    check_layer(&LeakyRelu::<6>::new(), &x, "LeakyRelu");
    check_layer(&Identity::<6>::new(), &x, "Identity");
    check_layer(&Softmax::<6>::new(), &x, "Softmax");
}

#[test]
fn chained_model() {
    type Net = chain![Dense<4, 5>, Tanh<5>, Dense<5, 3>, Softmax<3>];
    let mut net = Net::ZERO;
    net.init(Init::XavierUniform, &mut stacknet::rng(5));
    check_layer(&net, &input::<4>(6, 1.0), "Dense-Tanh-Dense-Softmax");
}

fn check_loss<Lo: Loss<N>, const N: usize>(loss: &Lo, y: [f32; N], t: [f32; N], name: &str) {
    let (value, g) = loss.loss_and_grad(&y, &t);
    assert_eq!(
        value,
        loss.loss(&y, &t),
        "{name}: loss_and_grad value != loss"
    );
    for i in 0..N {
        let (mut up, mut down) = (y, y);
        up[i] += H;
        down[i] -= H;
        let numeric = (loss.loss(&up, &t) - loss.loss(&down, &t)) / (2.0 * H);
        close(g[i], numeric, &format!("{name} d/dy[{i}]"));
    }
}

#[test]
fn losses() {
    check_loss(&Mse, input::<4>(7, 1.0), input::<4>(8, 1.0), "Mse");
    // Probabilities away from 0 and 1 (the clamp region) for BCE.
    check_loss(
        &BinaryCrossEntropy,
        [0.2, 0.5, 0.7, 0.9],
        [0.0, 1.0, 1.0, 0.3],
        "BCE",
    );
    check_loss(
        &BinaryCrossEntropyWithLogits,
        [-3.0, -0.4, 0.6, 2.5],
        [0.0, 1.0, 1.0, 0.3],
        "BCE with logits",
    );
    check_loss(
        &SoftmaxCrossEntropy,
        input::<5>(9, 3.0),
        [0.0, 0.0, 1.0, 0.0, 0.0],
        "SoftmaxCE",
    );
    check_loss(
        &SoftmaxCrossEntropy,
        input::<3>(10, 3.0),
        [0.2, 0.5, 0.3],
        "SoftmaxCE soft",
    );
}
