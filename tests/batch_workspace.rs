//! `BatchWorkspace` (four samples at a time through `forward4`/`backward4`) gives exactly
//! what `Workspace` (one sample at a time) gives: the same losses, errors and weights, bit
//! for bit, over several Adam steps (so the optimizer state agrees too), for batch sizes
//! that leave every remainder, with bad samples inside a group of four, and for models
//! whose layers use the blocked kernels (dense), the default per-lane path (convolution,
//! recurrent, activations) and frozen parts.

use stacknet::layers::{
    Conv2d, Flatten, Frozen, Gru, MaxPool2d, Relu3, Sequence, Transpose, Unflatten,
};
use stacknet::loss::{Loss, Mse, SoftmaxCrossEntropy};
use stacknet::optim::Adam;
use stacknet::{
    BatchWorkspace, Dense, Init, Layer, Relu, Sigmoid, Tanh, Tensor, Workspace, Zero, chain,
};

fn bits<L: Layer>(m: &L) -> Vec<u32> {
    (0..L::PARAM_BLOCKS)
        .flat_map(|b| m.param_block(b).iter().map(|v| v.to_bits()))
        .collect()
}

/// Deterministic pseudo-random values in [-1, 1).
fn fill(seed: u64, out: &mut [f32]) {
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    for v in out {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        *v = (s >> 40) as f32 / (1u64 << 23) as f32 - 1.0;
    }
}

fn inputs<T: Tensor>(n: usize, seed: u64) -> Vec<T> {
    (0..n)
        .map(|i| {
            let mut x = T::ZERO;
            fill(seed + i as u64, x.flat_mut());
            x
        })
        .collect()
}

/// Trains two copies of one model, one per workspace, on the same batches; asserts the
/// same bits after every batch. `poison` makes chosen samples non-finite.
fn same_as_workspace<L, Lo, const N: usize>(
    loss: &Lo,
    targets: impl Fn(usize) -> [f32; N],
    poison: &[usize],
) where
    L: Layer<Output = [f32; N]> + Zero + Clone,
    Lo: Loss<N>,
{
    let mut a = L::ZERO;
    a.init(Init::XavierUniform, &mut stacknet::rng(7));
    let mut b = a.clone();
    let mut opt_a = Box::new(Adam::<L>::new(0.01).unwrap());
    let mut opt_b = Box::new(Adam::<L>::new(0.01).unwrap());
    let mut ws_a: Box<Workspace<L>> = Box::new(Workspace::ZERO);
    let mut ws_b: Box<BatchWorkspace<L>> = Box::new(BatchWorkspace::ZERO);
    for (round, n) in [1usize, 2, 3, 4, 5, 7, 8, 9, 11, 16]
        .into_iter()
        .enumerate()
    {
        let mut xs: Vec<L::Input> = inputs(n, 100 * round as u64);
        let ts: Vec<[f32; N]> = (0..n).map(&targets).collect();
        for &p in poison {
            if p < n {
                xs[p].flat_mut()[0] = f32::NAN;
            }
        }
        let ra = ws_a.batch(&mut a, &mut *opt_a, loss, &xs, &ts);
        let rb = ws_b.batch(&mut b, &mut *opt_b, loss, &xs, &ts);
        assert_eq!(
            ra.map(f32::to_bits),
            rb.map(f32::to_bits),
            "loss, batch of {n}"
        );
        assert_eq!(bits(&a), bits(&b), "weights after a batch of {n}");
        assert_eq!(
            format!("{opt_a:?}"),
            format!("{opt_b:?}"),
            "optimizer, batch of {n}"
        );
    }
}

type Mlp = chain![Dense<13, 20>, Relu<20>, Dense<20, 9>, Tanh<9>, Dense<9, 3>];
type Classifier = chain![Dense<64, 32>, Sigmoid<32>, Dense<32, 10>];
type Cnn = chain![
    Unflatten<1, 8, 8, 64>,
    Conv2d<1, 4, 3, 8, 8, 6, 6>,
    Relu3<4, 6, 6>,
    MaxPool2d<4, 6, 6, 3, 3>,
    Flatten<4, 3, 3, 36>,
    Dense<36, 10>,
];
type Recurrent = chain![Transpose<3, 6>, Gru<3, 5, 6, Sequence>, Gru<5, 4, 6>, Dense<4, 2>];
type FrozenBody = chain![Frozen<chain![Dense<10, 12>, Relu<12>]>, Dense<12, 4>];

fn one_hot<const N: usize>(i: usize) -> [f32; N] {
    let mut t = [0.0; N];
    t[i % N] = 1.0;
    t
}

#[test]
fn dense_nets_match_bit_for_bit() {
    same_as_workspace::<Mlp, _, 3>(&Mse, |i| [i as f32 * 0.1, -0.5, 0.25], &[]);
    same_as_workspace::<Classifier, _, 10>(&SoftmaxCrossEntropy, one_hot, &[]);
}

#[test]
fn conv_recurrent_and_frozen_models_match_bit_for_bit() {
    same_as_workspace::<Cnn, _, 10>(&SoftmaxCrossEntropy, one_hot, &[]);
    same_as_workspace::<Recurrent, _, 2>(&SoftmaxCrossEntropy, one_hot, &[]);
    same_as_workspace::<FrozenBody, _, 4>(&SoftmaxCrossEntropy, one_hot, &[]);
}

#[test]
fn bad_samples_inside_a_group_of_four_are_skipped_the_same_way() {
    // Sample 1 (in the first group), 6 (second group) and 10 (the remainder) are NaN.
    same_as_workspace::<Mlp, _, 3>(&Mse, |i| [i as f32, 0.0, 1.0], &[1, 6, 10]);
    // Only NaN samples in a batch of one: the same error from both.
    same_as_workspace::<Classifier, _, 10>(&SoftmaxCrossEntropy, one_hot, &[0]);
}

#[test]
fn a_non_finite_loss_in_one_lane_keeps_the_others() {
    type Net = chain![Dense<2, 2>];
    let mut a = Net::ZERO;
    a.init(Init::XavierUniform, &mut stacknet::rng(3));
    let mut b = a;
    let xs = [
        [1.0, 2.0],
        [3e38, 3e38],
        [0.5, -1.0],
        [2.0, 0.0],
        [1.0, 1.0],
    ];
    let ts = [
        [1.0, 0.0],
        [-3e38, 3e38],
        [0.0, 1.0],
        [1.0, 1.0],
        [0.0, 0.0],
    ];
    let mut opt = stacknet::optim::Sgd::new(0.1).unwrap();
    let mut ws = BatchWorkspace::<Net>::new();
    let results = ws.accumulate4(
        &b,
        &Mse,
        [&xs[0], &xs[1], &xs[2], &xs[3]],
        [&ts[0], &ts[1], &ts[2], &ts[3]],
    );
    assert!(results[0].is_ok() && results[2].is_ok() && results[3].is_ok());
    assert_eq!(results[1], Err(stacknet::TrainError::NonFiniteLoss));
    assert_eq!(ws.pending(), 3);
    ws.clear();
    let ra = Workspace::<Net>::new().batch(&mut a, &mut opt, &Mse, &xs, &ts);
    let rb = ws.batch(&mut b, &mut opt, &Mse, &xs, &ts);
    assert_eq!(ra.map(f32::to_bits), rb.map(f32::to_bits));
    assert_eq!(bits(&a), bits(&b));
}

/// A loss (written elsewhere) whose value is finite but whose gradient is not, for targets
/// above 1: the lane must still be refused, exactly as `Workspace` refuses it.
struct FiniteValueNanGrad;

impl Loss<2> for FiniteValueNanGrad {
    fn loss(&self, y: &[f32; 2], t: &[f32; 2]) -> f32 {
        Mse.loss(y, t)
    }
    fn loss_and_grad(&self, y: &[f32; 2], t: &[f32; 2]) -> (f32, [f32; 2]) {
        let (value, dy) = Mse.loss_and_grad(y, t);
        (value, if t[0] > 1.0 { [f32::NAN, 0.0] } else { dy })
    }
}

#[test]
fn a_lane_with_a_finite_loss_but_a_bad_gradient_is_refused() {
    type Net = chain![Dense<2, 2>];
    let mut a = Net::ZERO;
    a.init(Init::XavierUniform, &mut stacknet::rng(4));
    let mut b = a;
    let xs = [[1.0, 2.0], [0.5, 0.5], [0.5, -1.0], [2.0, 0.0]];
    let ts = [[1.0, 0.0], [2.0, 0.0], [0.0, 1.0], [1.0, 1.0]];
    let mut ws = BatchWorkspace::<Net>::new();
    let r = ws.accumulate4(&b, &FiniteValueNanGrad, xs.each_ref(), ts.each_ref());
    assert_eq!(r[1], Err(stacknet::TrainError::NonFiniteLoss));
    assert_eq!(ws.pending(), 3);
    ws.clear();
    let mut opt = stacknet::optim::Sgd::new(0.1).unwrap();
    let ra = Workspace::<Net>::new().batch(&mut a, &mut opt, &FiniteValueNanGrad, &xs, &ts);
    let rb = ws.batch(&mut b, &mut opt, &FiniteValueNanGrad, &xs, &ts);
    assert_eq!(ra.map(f32::to_bits), rb.map(f32::to_bits));
    assert_eq!(bits(&a), bits(&b));
}

#[test]
fn mismatched_or_empty_batches_are_refused() {
    type Net = chain![Dense<2, 1>];
    let mut m = Net::ZERO;
    let mut opt = stacknet::optim::Sgd::new(0.1).unwrap();
    let mut ws = BatchWorkspace::<Net>::new();
    let err = Err(stacknet::TrainError::DataMismatch);
    assert_eq!(ws.batch(&mut m, &mut opt, &Mse, &[[1.0, 2.0]], &[]), err);
    assert_eq!(ws.batch(&mut m, &mut opt, &Mse, &[], &[]), err);
    assert_eq!(
        ws.batch(&mut m, &mut opt, &Mse, &[[1.0, 2.0]; 5], &[[0.0]; 4]),
        err
    );
    assert_eq!(
        ws.apply(&mut m, &mut opt),
        Err(stacknet::TrainError::EmptyBatch)
    );
    assert_eq!(m, Net::ZERO);
}

#[test]
fn each_lane_reports_its_own_error_kind() {
    type Net = chain![Dense<2, 1>];
    let mut net = Net::ZERO;
    net.init(Init::XavierUniform, &mut stacknet::rng(2));
    let mut ws = BatchWorkspace::<Net>::new();
    let xs = [[1.0, 2.0], [f32::NAN, 0.0], [0.5, 0.5], [1.0, 1.0]];
    let ts = [[1.0], [0.0], [f32::INFINITY], [0.5]];
    let r = ws.accumulate4(&net, &Mse, xs.each_ref(), ts.each_ref());
    use stacknet::TrainError::{NonFiniteInput, NonFiniteTarget};
    assert!(r[0].is_ok() && r[3].is_ok());
    assert_eq!((r[1], r[2]), (Err(NonFiniteInput), Err(NonFiniteTarget)));
    assert_eq!(ws.pending(), 2);
    assert_eq!(format!("{ws:?}"), "BatchWorkspace { pending: 2, .. }");
    // Only an input bad, or only a target: still named as such.
    let good_ts = [[1.0], [0.0], [0.5], [0.5]];
    let r = ws.accumulate4(&net, &Mse, xs.each_ref(), good_ts.each_ref());
    assert_eq!(r[1], Err(NonFiniteInput));
    let good_xs = [[1.0, 2.0], [0.0, 0.0], [0.5, 0.5], [1.0, 1.0]];
    let r = ws.accumulate4(&net, &Mse, good_xs.each_ref(), ts.each_ref());
    assert_eq!(r[2], Err(NonFiniteTarget));
    assert_eq!(ws.pending(), 2 + 3 + 3);
}
