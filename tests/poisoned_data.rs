//! NaN or ±Inf in data must never reach the weights.

use stacknet::loss::{Mse, SoftmaxCrossEntropy};
use stacknet::optim::{Adam, Sgd};
use stacknet::{Dense, Init, Layer, Relu, Sigmoid, TrainError, Workspace, Zero, chain};

type Net = chain![Dense<3, 4>, Sigmoid<4>, Dense<4, 2>, Sigmoid<2>];

fn bits<L: Layer>(m: &L) -> Vec<u32> {
    (0..L::PARAM_BLOCKS)
        .flat_map(|b| m.param_block(b).iter().map(|v| v.to_bits()))
        .collect()
}

fn trained() -> (Net, Workspace<Net>, Adam<Net>) {
    let mut net = Net::ZERO;
    net.init(Init::XavierUniform, &mut stacknet::rng(11));
    let mut ws = Workspace::new();
    let mut opt = Adam::new(0.01).unwrap();
    for _ in 0..10 {
        ws.step(&mut net, &mut opt, &Mse, &[0.1, 0.2, 0.3], &[1.0, 0.0])
            .unwrap();
    }
    (net, ws, opt)
}

#[test]
fn poisoned_samples_leave_weights_bit_identical() {
    let (mut net, mut ws, mut opt) = trained();
    let before = bits(&net);
    let cases: [([f32; 3], [f32; 2], TrainError); 5] = [
        ([f32::NAN, 0.0, 0.0], [1.0, 0.0], TrainError::NonFiniteInput),
        (
            [0.0, f32::INFINITY, 0.0],
            [1.0, 0.0],
            TrainError::NonFiniteInput,
        ),
        (
            [0.0, 0.0, f32::NEG_INFINITY],
            [1.0, 0.0],
            TrainError::NonFiniteInput,
        ),
        (
            [0.0, 0.0, 0.0],
            [f32::NAN, 0.0],
            TrainError::NonFiniteTarget,
        ),
        (
            [0.0, 0.0, 0.0],
            [0.0, f32::INFINITY],
            TrainError::NonFiniteTarget,
        ),
    ];
    for (x, t, err) in cases {
        assert_eq!(ws.step(&mut net, &mut opt, &Mse, &x, &t), Err(err));
        assert_eq!(bits(&net), before, "weights changed after {x:?} / {t:?}");
        assert_eq!(ws.pending(), 0);
    }
    // A poisoned sample inside a batch is skipped; the clean ones still train.
    let xs = [[0.1, 0.2, 0.3], [f32::NAN, 0.0, 0.0]];
    let ts = [[1.0, 0.0], [1.0, 0.0]];
    assert!(ws.batch(&mut net, &mut opt, &Mse, &xs, &ts).is_ok());
    assert_ne!(bits(&net), before);
    // A batch of only poisoned samples reports the first error and changes nothing.
    let after = bits(&net);
    let bad = [[f32::NAN, 0.0, 0.0]];
    assert_eq!(
        ws.batch(&mut net, &mut opt, &Mse, &bad, &ts[..1]),
        Err(TrainError::NonFiniteInput)
    );
    assert_eq!(bits(&net), after);
}

#[test]
fn overflowing_model_is_refused_not_poisoned() {
    // Weights so large that the logits overflow to ±inf: the loss is not finite.
    type Big = chain![Dense<2, 2>, Relu<2>, Dense<2, 2>];
    let mut net = Big::ZERO;
    net.0.weights = [[3e38, 3e38], [3e38, 3e38]];
    net.1.1.weights = [[3e38, 3e38], [-3e38, 3e38]];
    let before = bits(&net);
    let mut ws = Workspace::<Big>::new();
    let mut opt = Sgd::new(0.1).unwrap();
    let r = ws.step(
        &mut net,
        &mut opt,
        &SoftmaxCrossEntropy,
        &[1.0, 1.0],
        &[1.0, 0.0],
    );
    assert!(
        matches!(
            r,
            Err(TrainError::NonFiniteLoss | TrainError::NonFiniteGradient)
        ),
        "{r:?}"
    );
    assert_eq!(bits(&net), before);
}

#[test]
fn misuse_gets_errors_not_panics() {
    let (mut net, mut ws, mut opt) = trained();
    assert_eq!(ws.apply(&mut net, &mut opt), Err(TrainError::EmptyBatch));
    let none: [[f32; 3]; 0] = [];
    assert_eq!(
        ws.batch(&mut net, &mut opt, &Mse, &none, &[]),
        Err(TrainError::DataMismatch)
    );
    assert_eq!(
        ws.batch(&mut net, &mut opt, &Mse, &[[0.0; 3]], &[[0.0; 2], [0.0; 2]]),
        Err(TrainError::DataMismatch)
    );
    assert!(stacknet::loss::one_hot::<2>(2).is_err());
}
