//! XOR: the classic non-linearly-separable problem, 2-4-1 sigmoid and 3-4-1 with a bias column.

use stacknet::loss::{Loss, Mse};
use stacknet::optim::{Adam, Optimizer, Sgd};
use stacknet::{Dense, Init, Layer, Sigmoid, Workspace, Zero, chain};

type Xor = chain![Dense<2, 4>, Sigmoid<4>, Dense<4, 1>, Sigmoid<1>];
type XorBias = chain![Dense<3, 4>, Sigmoid<4>, Dense<4, 1>, Sigmoid<1>];

const X: [[f32; 2]; 4] = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
const Y: [[f32; 1]; 4] = [[0.0], [1.0], [1.0], [0.0]];

fn mse<L: Layer<Output = [f32; 1]>>(net: &L, xs: &[L::Input]) -> f32 {
    xs.iter()
        .zip(&Y)
        .map(|(x, t)| Mse.loss(&net.infer(x), t))
        .sum::<f32>()
        / 4.0
}

fn separates<L: Layer<Output = [f32; 1]>>(net: &L, xs: &[L::Input]) -> bool {
    xs.iter()
        .zip(&Y)
        .all(|(x, t)| (net.infer(x)[0] > 0.5) == (t[0] > 0.5))
}

/// Trains with full batches of all 4 samples and reports the seeds (of 0..10) that did not
/// reach "all four on the right side of 0.5 and MSE < 0.01".
fn failing_seeds<O: Optimizer<Xor>>(make: impl Fn() -> O, epochs: usize) -> Vec<(u64, f32)> {
    let mut failed = Vec::new();
    for seed in 0..10 {
        let mut net = Xor::ZERO;
        net.init(Init::XavierUniform, &mut stacknet::rng(seed));
        let mut ws = Workspace::<Xor>::new();
        let mut opt = make();
        for _ in 0..epochs {
            ws.batch(&mut net, &mut opt, &Mse, &X, &Y).unwrap();
        }
        let loss = mse(&net, &X);
        if !(separates(&net, &X) && loss < 0.01) {
            failed.push((seed, loss));
        }
    }
    failed
}

/// Full-batch SGD, lr 2.0, 2000 epochs. Why not the posts' lr 0.1 × 10 000 epochs: our
/// MSE is a mean with the factor 2 (dL/dy = 2(y − t)/N) and the batch gradient is averaged,
/// so our lr 2.0 moves the weights exactly like the posts' summed-gradient lr 1.0. At lr 0.1
/// XOR's plateau holds most seeds for more than 10 000 epochs (19 of 50 seeds converged when
/// we measured); at 2.0 all 50 seeds 0..50 converged within 2000 epochs.
#[test]
fn xor_2_4_1_sgd_converges_for_9_of_10_seeds() {
    let failed = failing_seeds(|| Sgd::new(2.0).unwrap(), 2000);
    println!("SGD: seeds that failed: {failed:?}");
    assert!(failed.len() <= 1, "too many seeds failed: {failed:?}");
}

/// Adam, lr 0.01, full batch, 3000 epochs (49 of seeds 0..50 converged when measured; a
/// 2-4-1 sigmoid net has true local minima where two points sit at 0.5, MSE 0.125).
#[test]
fn xor_2_4_1_adam_converges_for_9_of_10_seeds() {
    let failed = failing_seeds(|| Adam::new(0.01).unwrap(), 3000);
    println!("Adam: seeds that failed: {failed:?}");
    assert!(failed.len() <= 1, "too many seeds failed: {failed:?}");
}

#[test]
fn xor_reference_settings_sgd_full_batch() {
    // The posts' recipe: MSE, full batch, lr 0.1, 10 000 epochs. Our MSE gradient carries
    // the factor 2/N, so lr 0.1 here moves weights like the posts' lr 0.05; report how many
    // seeds make it rather than pretending it is reliable.
    let mut ok = 0;
    for seed in 0..10 {
        let mut net = Xor::ZERO;
        net.init(Init::XavierUniform, &mut stacknet::rng(seed));
        let mut ws = Workspace::<Xor>::new();
        let mut opt = Sgd::new(0.1).unwrap();
        let start = mse(&net, &X);
        for _ in 0..10_000 {
            ws.batch(&mut net, &mut opt, &Mse, &X, &Y).unwrap();
        }
        assert!(
            mse(&net, &X) < start,
            "seed {seed}: SGD did not reduce the loss"
        );
        ok += usize::from(separates(&net, &X));
    }
    println!("plain SGD lr 0.1 separates XOR for {ok}/10 seeds");
}

#[test]
fn xor_with_bias_column_3_4_1() {
    let xs: [[f32; 3]; 4] = [
        [0.0, 0.0, 1.0],
        [0.0, 1.0, 1.0],
        [1.0, 0.0, 1.0],
        [1.0, 1.0, 1.0],
    ];
    let mut net = XorBias::ZERO;
    net.init(Init::XavierUniform, &mut stacknet::rng(42));
    let mut ws = Workspace::<XorBias>::new();
    let mut opt = Sgd::new(2.0).unwrap();
    for _ in 0..2000 {
        ws.batch(&mut net, &mut opt, &Mse, &xs, &Y).unwrap();
    }
    let loss = mse(&net, &xs);
    assert!(separates(&net, &xs) && loss < 0.01, "seed 42: loss {loss}");
}

#[test]
fn per_sample_steps_also_converge() {
    let mut net = Xor::ZERO;
    net.init(Init::XavierUniform, &mut stacknet::rng(7));
    let mut ws = Workspace::<Xor>::new();
    let mut opt = Sgd::new(0.5).unwrap();
    for _ in 0..2000 {
        for (x, t) in X.iter().zip(&Y) {
            ws.step(&mut net, &mut opt, &Mse, x, t).unwrap();
        }
    }
    assert!(separates(&net, &X), "seed 7 per-sample");
    assert!(mse(&net, &X) < 0.01);
}
