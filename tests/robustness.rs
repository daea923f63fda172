//! Numerical robustness and bad caller data: every case in docs/RELIABILITY.md that the
//! public API must survive, with the exact result the caller gets.

use stacknet::clip::{ClipError, ClipNorm, clip_global_norm, clip_value, global_norm};
use stacknet::history::{Diverged, LossHistory};
use stacknet::loss::{BinaryCrossEntropy, Loss, Mse, SoftmaxCrossEntropy, argmax, one_hot};
use stacknet::optim::{Adam, AdamConfig, GradStats, Momentum, Optimizer, Sgd};
use stacknet::{
    ConfigError, Dense, Identity, Init, Layer, LeakyRelu, Params, Relu, Sigmoid, Softmax, Tanh,
    TrainError, Workspace, Zero, chain,
};

const BIG: f32 = 1e30;
const INF: f32 = f32::INFINITY;
const NAN: f32 = f32::NAN;

type Xor = chain![Dense<2, 4>, Sigmoid<4>, Dense<4, 1>, Sigmoid<1>];
type Linear = chain![Dense<2, 1>, Identity<1>];
type Classifier = chain![Dense<2, 4>, Tanh<4>, Dense<4, 3>];

/// Every parameter's bit pattern, block by block: "unchanged" means bit-identical.
fn bits<L: Layer>(model: &L) -> Vec<u32> {
    (0..L::PARAM_BLOCKS)
        .flat_map(|b| model.param_block(b).iter().map(|v| v.to_bits()))
        .collect()
}

/// Every gradient value's bit pattern, block by block.
fn grad_bits<P: Params>(grads: &P) -> Vec<u32> {
    (0..P::BLOCKS)
        .flat_map(|b| grads.block(b).iter().map(|v| v.to_bits()))
        .collect()
}

fn xor() -> Xor {
    let mut m = Xor::ZERO;
    m.init(Init::XavierUniform, &mut stacknet::rng(7));
    m
}

/// `(input, expected)` with `None` meaning NaN; exact equality otherwise.
fn check_table<L: Layer<Input = [f32; 1], Output = [f32; 1]>>(
    name: &str,
    layer: &L,
    table: &[(f32, Option<f32>)],
) {
    for &(x, want) in table {
        // Both the inference path and the training path (with its cache).
        for (path, y) in [
            ("infer", layer.infer(&[x])[0]),
            ("forward", stacknet::grad::output(layer, &[x])[0]),
        ] {
            match want {
                None => assert!(y.is_nan(), "{name}.{path}({x}) = {y}, want NaN"),
                Some(w) => assert_eq!(y, w, "{name}.{path}({x})"),
            }
        }
    }
}

#[test]
fn activations_at_extremes_and_non_finite_inputs() {
    let table = |pos: f32, neg: f32, big_pos: f32, big_neg: f32| {
        [
            (BIG, Some(big_pos)),
            (-BIG, Some(big_neg)),
            (INF, Some(pos)),
            (-INF, Some(neg)),
            (NAN, None),
        ]
    };
    check_table("sigmoid", &Sigmoid::<1>::new(), &table(1.0, 0.0, 1.0, 0.0));
    check_table("tanh", &Tanh::<1>::new(), &table(1.0, -1.0, 1.0, -1.0));
    check_table("relu", &Relu::<1>::new(), &table(INF, 0.0, BIG, 0.0));
    check_table(
        "leaky_relu",
        &LeakyRelu::<1>::new(),
        &table(INF, -INF, BIG, -BIG * 0.01),
    );
    check_table(
        "identity",
        &Identity::<1>::new(),
        &table(INF, -INF, BIG, -BIG),
    );
}

#[test]
fn saturated_activations_have_finite_zero_derivatives() {
    // Backward through a saturated sigmoid/tanh gives exactly 0, never NaN.
    let x = [BIG, -BIG, INF, -INF];
    let s = Sigmoid::<4>::new();
    let (mut c, mut y, mut dx) = (Zero::ZERO, [0.0; 4], [NAN; 4]);
    s.forward(&x, &mut c, &mut y);
    s.backward(&mut c, &[1.0; 4], Some(&mut dx), None);
    assert_eq!(dx, [0.0; 4]);
    let t = Tanh::<4>::new();
    let mut dx = [NAN; 4];
    t.forward(&x, &mut c, &mut y);
    t.backward(&mut c, &[1.0; 4], Some(&mut dx), None);
    assert_eq!(dx, [0.0; 4]);
}

#[test]
fn softmax_at_extremes() {
    let s = Softmax::<3>::new();
    let mut c = Zero::ZERO;
    let cases: [([f32; 3], Option<[f32; 3]>); 8] = [
        ([BIG, -BIG, 0.0], Some([1.0, 0.0, 0.0])),
        ([BIG, BIG, -BIG], Some([0.5, 0.5, 0.0])),
        ([-BIG, -BIG, -BIG], Some([1.0 / 3.0; 3])),
        ([INF, 0.0, INF], Some([0.5, 0.0, 0.5])),
        ([INF, -INF, 0.0], Some([1.0, 0.0, 0.0])),
        ([-INF, 0.0, 0.0], Some([0.0, 0.5, 0.5])),
        // Documented: NaN anywhere, or every entry −∞, gives NaN everywhere.
        ([NAN, 0.0, 1.0], None),
        ([-INF, -INF, -INF], None),
    ];
    for (x, want) in cases {
        for y in [s.infer(&x), stacknet::grad::output(&s, &x)] {
            match want {
                Some(w) => assert_eq!(y, w, "softmax({x:?})"),
                None => assert!(y.iter().all(|v| v.is_nan()), "softmax({x:?}) = {y:?}"),
            }
        }
    }
    // Backward from a saturated softmax stays finite.
    let (mut y, mut dx) = ([0.0; 3], [NAN; 3]);
    s.forward(&[BIG, -BIG, 0.0], &mut c, &mut y);
    s.backward(&mut c, &[1.0, -1.0, 0.5], Some(&mut dx), None);
    assert!(dx.iter().all(|v| v.is_finite()), "{dx:?}");
}

#[test]
fn mse_at_extremes() {
    // Up to |y − t| ≈ 1.8e19 the loss is finite; beyond, the true value is not an f32 and
    // the loss is +∞ (never NaN), while the gradient 2(y − t)/N stays finite to ±1e38.
    let (l, g) = Mse.loss_and_grad(&[1e19, 0.0], &[0.0, 0.0]);
    assert!(l.is_finite() && g[0] == 1e19, "{l} {g:?}");
    let (l, g) = Mse.loss_and_grad(&[BIG, -BIG], &[0.0, 0.0]);
    assert_eq!(l, INF);
    assert_eq!(g, [BIG, -BIG]);
    let (l, g) = Mse.loss_and_grad(&[INF], &[0.0]);
    assert_eq!((l, g), (INF, [INF]));
    let (l, g) = Mse.loss_and_grad(&[INF], &[INF]);
    assert!(l.is_nan() && g[0].is_nan());
    assert!(Mse.loss(&[NAN], &[0.0]).is_nan());
}

#[test]
fn bce_at_extremes() {
    // Probabilities are clamped to [1e-7, 1 − 1e-7]: out-of-range or saturated outputs give
    // a large finite loss and gradient; NaN passes through.
    let eps = BinaryCrossEntropy::EPS;
    for y in [0.0, -BIG, -INF, 1.0, BIG, INF] {
        for t in [0.0, 1.0, 0.5] {
            let (l, g) = BinaryCrossEntropy.loss_and_grad(&[y], &[t]);
            assert!(
                l.is_finite() && l >= 0.0 && g[0].is_finite(),
                "bce({y}, {t}) = {l}, {g:?}"
            );
            assert!(l <= -libm::logf(eps) * 1.01, "bce({y}, {t}) = {l}");
        }
    }
    let (l, g) = BinaryCrossEntropy.loss_and_grad(&[NAN], &[1.0]);
    assert!(l.is_nan() && g[0].is_nan());
    let (l, _) = BinaryCrossEntropy.loss_and_grad(&[0.5], &[NAN]);
    assert!(l.is_nan());
}

#[test]
fn softmax_cross_entropy_at_extremes() {
    let ce = SoftmaxCrossEntropy;
    for z in [
        [BIG, -BIG, 0.0],
        [-BIG, BIG, BIG],
        [-BIG, -BIG, -BIG],
        [BIG, BIG, BIG],
    ] {
        for label in 0..3 {
            let t = one_hot::<3>(label).unwrap();
            let (l, g) = ce.loss_and_grad(&z, &t);
            assert!(l.is_finite() && l >= 0.0, "ce({z:?}, {label}) = {l}");
            assert!(g.iter().all(|v| v.is_finite() && v.abs() <= 1.0), "{g:?}");
        }
    }
    // The right class at +1e30 over the rest: loss exactly 0; the wrong class: ≈ 2e30.
    assert_eq!(ce.loss(&[BIG, -BIG, 0.0], &[1.0, 0.0, 0.0]), 0.0);
    let l = ce.loss(&[BIG, -BIG, 0.0], &[0.0, 1.0, 0.0]);
    assert!((l / 2e30 - 1.0).abs() < 1e-6, "{l}");
    // Documented: an infinite or NaN logit gives a NaN loss (training refuses the step).
    assert!(ce.loss(&[INF, 0.0, 0.0], &[1.0, 0.0, 0.0]).is_nan());
    assert!(ce.loss(&[NAN, 0.0, 0.0], &[0.0, 1.0, 0.0]).is_nan());
}

#[test]
fn labels_out_of_range_are_errors() {
    assert_eq!(
        one_hot::<3>(3),
        Err(TrainError::LabelOutOfRange {
            label: 3,
            classes: 3
        })
    );
    assert_eq!(
        one_hot::<10>(usize::MAX),
        Err(TrainError::LabelOutOfRange {
            label: usize::MAX,
            classes: 10
        })
    );
    assert_eq!(
        TrainError::LabelOutOfRange {
            label: 7,
            classes: 3
        }
        .to_string(),
        "label 7 out of range for 3 classes"
    );
    // argmax never indexes out of range, whatever the values.
    assert_eq!(argmax(&[NAN, NAN, NAN]), 0);
    assert_eq!(argmax(&[NAN, -INF, NAN]), 1);
    assert_eq!(argmax(&[-INF, -INF]), 0);
}

#[test]
fn bad_hyper_parameters_are_refused() {
    for lr in [NAN, INF, -INF, 0.0, -0.0, -1e-3] {
        assert_eq!(Sgd::new(lr), Err(ConfigError::LearningRate), "sgd lr {lr}");
        assert_eq!(
            Momentum::<Xor>::new(lr, 0.9).err(),
            Some(ConfigError::LearningRate)
        );
        assert_eq!(Adam::<Xor>::new(lr).err(), Some(ConfigError::LearningRate));
    }
    for m in [NAN, 1.0, -0.1, INF] {
        assert_eq!(
            Momentum::<Xor>::new(0.1, m).err(),
            Some(ConfigError::Momentum)
        );
    }
    let base = AdamConfig::default();
    let adam = |c| Adam::<Xor>::with_config(c).err();
    assert_eq!(
        adam(AdamConfig { beta1: NAN, ..base }),
        Some(ConfigError::Beta1)
    );
    assert_eq!(
        adam(AdamConfig { beta2: 1.0, ..base }),
        Some(ConfigError::Beta2)
    );
    assert_eq!(
        adam(AdamConfig { eps: NAN, ..base }),
        Some(ConfigError::Epsilon)
    );
    assert_eq!(
        adam(AdamConfig { eps: INF, ..base }),
        Some(ConfigError::Epsilon)
    );
    // β1² ≥ β2 leaves Adam's step unbounded.
    assert_eq!(
        adam(AdamConfig {
            beta1: 0.9,
            beta2: 0.8,
            ..base
        }),
        Some(ConfigError::BetaRatio)
    );
    for wd in [NAN, INF, -0.1] {
        assert_eq!(
            Adam::<Xor>::adamw(0.1, wd).err(),
            Some(ConfigError::WeightDecay),
            "weight decay {wd}"
        );
    }
    // lr·λ above 1 would flip the weights' sign every step.
    assert_eq!(
        Adam::<Xor>::adamw(0.1, 11.0).err(),
        Some(ConfigError::WeightDecay)
    );
    // A learning rate so large that one Adam step could exceed 2^100.
    assert_eq!(
        Adam::<Xor>::new(1e37).err(),
        Some(ConfigError::LearningRate)
    );
    // The smallest positive learning rate is valid (and moves nothing visible).
    assert!(Sgd::new(f32::from_bits(1)).is_ok());
}

#[test]
fn non_finite_data_is_refused_and_weights_stay_bit_identical() {
    let mut m = xor();
    let before = bits(&m);
    let mut ws = Workspace::<Xor>::new();
    let mut opt = Adam::new(0.1).unwrap();
    let cases: [([f32; 2], [f32; 1], TrainError); 5] = [
        ([NAN, 0.0], [1.0], TrainError::NonFiniteInput),
        ([0.0, INF], [1.0], TrainError::NonFiniteInput),
        ([0.0, -INF], [1.0], TrainError::NonFiniteInput),
        ([0.0, 1.0], [NAN], TrainError::NonFiniteTarget),
        ([0.0, 1.0], [-INF], TrainError::NonFiniteTarget),
    ];
    for (x, t, want) in cases {
        assert_eq!(ws.step(&mut m, &mut opt, &Mse, &x, &t), Err(want));
        assert_eq!(ws.pending(), 0);
    }
    assert_eq!(bits(&m), before);
    assert_eq!(opt.steps(), 0, "a refused step must not advance Adam");
    // All samples of a batch bad: the first error, nothing applied.
    let xs = [[NAN, 0.0], [0.0, 0.0]];
    let ts = [[1.0], [NAN]];
    assert_eq!(
        ws.batch(&mut m, &mut opt, &Mse, &xs, &ts),
        Err(TrainError::NonFiniteInput)
    );
    assert_eq!(bits(&m), before);
    // One good sample among bad ones: only it is applied.
    let xs = [[NAN, 0.0], [0.0, 1.0]];
    let ts = [[1.0], [1.0]];
    assert!(ws.batch(&mut m, &mut opt, &Mse, &xs, &ts).is_ok());
    assert_ne!(bits(&m), before);
    assert_eq!(opt.steps(), 1);
}

#[test]
fn non_finite_loss_is_refused() {
    // Weights of 1e30 on inputs of 1e10: the output overflows to +∞.
    let mut m = Linear::ZERO;
    m.0 = Dense::from_parts([[BIG, BIG]], [0.0]);
    let before = bits(&m);
    let mut ws = Workspace::<Linear>::new();
    let mut opt = Sgd::new(0.1).unwrap();
    assert_eq!(
        ws.step(&mut m, &mut opt, &Mse, &[1e10, 1e10], &[0.0]),
        Err(TrainError::NonFiniteLoss)
    );
    // Finite output 1e30, but its square overflows: the loss is +∞ and refused too.
    assert_eq!(
        ws.step(&mut m, &mut opt, &Mse, &[1.0, 0.0], &[0.0]),
        Err(TrainError::NonFiniteLoss)
    );
    // Softmax cross-entropy on an infinite logit.
    let mut c = Classifier::ZERO;
    c.1.1 = Dense::from_parts([[BIG; 4]; 3], [INF, 0.0, 0.0]);
    let cb = bits(&c);
    let mut cws = Workspace::<Classifier>::new();
    let t = one_hot::<3>(1).unwrap();
    assert_eq!(
        cws.step(&mut c, &mut opt, &SoftmaxCrossEntropy, &[1.0, 1.0], &t),
        Err(TrainError::NonFiniteLoss)
    );
    assert_eq!(bits(&m), before);
    assert_eq!(bits(&c), cb);
}

#[test]
fn non_finite_gradient_is_refused_and_batch_discarded() {
    // Zero weights, finite loss 1, but dL/dw = 2·(0 − 1)·3e38 overflows to −∞.
    let mut m = Linear::ZERO;
    let before = bits(&m);
    let mut ws = Workspace::<Linear>::new();
    let mut opt = Momentum::new(0.1, 0.9).unwrap();
    assert_eq!(
        ws.step(&mut m, &mut opt, &Mse, &[3e38, 0.0], &[1.0]),
        Err(TrainError::NonFiniteGradient)
    );
    assert_eq!(bits(&m), before);
    assert_eq!(ws.pending(), 0, "the bad batch is discarded");
    assert!(
        grad_bits(ws.grads()).iter().all(|&b| b == 0),
        "gradients cleared"
    );
    // Each sample's gradient is finite, but their sum overflows.
    let xs = [[2e38, 0.0], [2e38, 0.0]];
    let ts = [[-0.5], [-0.5]]; // dL/dw = 2·0.5·2e38 = 2e38 each, 4e38 together

    let mut adam = Adam::new(0.1).unwrap();
    assert_eq!(
        ws.batch(&mut m, &mut adam, &Mse, &xs, &ts),
        Err(TrainError::NonFiniteGradient)
    );
    assert_eq!(bits(&m), before);
    assert_eq!(adam.steps(), 0);
    // The workspace is usable again right after.
    assert!(ws.step(&mut m, &mut opt, &Mse, &[1.0, 0.0], &[1.0]).is_ok());
}

#[test]
fn empty_and_mismatched_batches_are_errors() {
    let mut m = xor();
    let before = bits(&m);
    let mut ws = Workspace::<Xor>::new();
    let mut opt = Sgd::new(0.1).unwrap();
    assert_eq!(ws.apply(&mut m, &mut opt), Err(TrainError::EmptyBatch));
    let none: [[f32; 2]; 0] = [];
    let no_t: [[f32; 1]; 0] = [];
    assert_eq!(
        ws.batch(&mut m, &mut opt, &Mse, &none, &no_t),
        Err(TrainError::DataMismatch)
    );
    assert_eq!(
        ws.batch(&mut m, &mut opt, &Mse, &[[0.0, 1.0]], &[[1.0], [0.0]]),
        Err(TrainError::DataMismatch)
    );
    assert_eq!(
        ws.batch(&mut m, &mut opt, &Mse, &[[0.0, 1.0], [1.0, 1.0]], &[[1.0]]),
        Err(TrainError::DataMismatch)
    );
    assert_eq!(bits(&m), before);
}

#[test]
fn gradient_clipping_keeps_huge_gradients_usable() {
    // Gradients near f32::MAX: a plain Σg² would overflow; the norm does not.
    let mut g = Dense::<2, 1>::from_parts([[2e38, -2e38]], [1e38]);
    let n = global_norm(&g);
    assert!(n.is_finite() && (n / 3e38 - 1.0).abs() < 1e-5, "{n}");
    assert_eq!(clip_global_norm(&mut g, 1.0), Ok(n));
    assert!((global_norm(&g) - 1.0).abs() < 1e-5);
    assert_eq!(clip_value(&mut g, f32::MIN_POSITIVE), Ok(3));
    assert_eq!(clip_value(&mut g, NAN), Err(ClipError::Limit));
    assert_eq!(clip_global_norm(&mut g, -1.0), Err(ClipError::Limit));
    let mut inf = Dense::<1, 1>::from_parts([[INF]], [0.0]);
    assert_eq!(
        clip_global_norm(&mut inf, 1.0),
        Err(ClipError::NonFiniteGradient)
    );

    // Training through ClipNorm: a gradient of 1e30 moves each weight by at most lr·1.
    let mut m = Linear::ZERO;
    let mut ws = Workspace::<Linear>::new();
    let mut opt = ClipNorm::new(Sgd::new(0.5).unwrap(), 1.0).unwrap();
    ws.step(&mut m, &mut opt, &Mse, &[1e29, 0.0], &[-1.0])
        .unwrap();
    let moved = global_norm(&m.0); // the identity has no parameters
    assert!(moved <= 0.5 * 1.0001 && moved > 0.49, "{moved}");
    assert_eq!(opt.clipped(), 1);
}

#[test]
fn divergence_is_detected_on_a_real_run() {
    // Linear regression with a learning rate far above 2/λ: each epoch overshoots more.
    let xs = [[1.0, 2.0], [2.0, -1.0], [3.0, 0.5], [-1.0, 1.0]];
    let ts = [[1.0], [2.0], [3.0], [0.0]];
    let mut m = Linear::ZERO;
    let mut ws = Workspace::<Linear>::new();
    let mut opt = Sgd::new(1.0).unwrap();
    let mut h = LossHistory::<4>::new(5);
    let mut stopped = None;
    for _ in 0..200 {
        // Once weights overflow the step itself is refused: that ends the run as well.
        let r = match ws.batch(&mut m, &mut opt, &Mse, &xs, &ts) {
            Ok(loss) => h.record(loss),
            Err(_) => h.record(f32::INFINITY),
        };
        if let Err(d) = r {
            stopped = Some(d);
            break;
        }
    }
    match stopped {
        Some(Diverged::Growing {
            epoch,
            rises,
            from,
            to,
        }) => {
            assert_eq!(rises, 5);
            assert!(epoch <= 10, "took {epoch} epochs");
            assert!(to > from * 10.0, "{from} → {to}");
        }
        other => panic!("expected growing divergence, got {other:?}"),
    }
    // A well-chosen learning rate on the same problem never trips the detector.
    let mut m = Linear::ZERO;
    let mut opt = Sgd::new(0.02).unwrap();
    let mut h = LossHistory::<4>::new(5);
    for _ in 0..300 {
        let loss = ws.batch(&mut m, &mut opt, &Mse, &xs, &ts).unwrap();
        assert_eq!(h.record(loss), Ok(()));
    }
    assert!(h.last().unwrap() < 0.2, "{:?}", h.last());
}

#[test]
fn degenerate_inputs_to_infallible_functions() {
    // Zero-size losses return NaN (0/0), not a panic.
    assert!(Loss::<0>::loss(&Mse, &[], &[]).is_nan());
    assert_eq!(Loss::<0>::loss(&SoftmaxCrossEntropy, &[], &[]), 0.0);
    // Init limits with zero fans do not divide by zero.
    assert!(Init::XavierUniform.limit(0, 0).is_finite());
    assert!(Init::HeUniform.limit(0, 3).is_finite());
    // The optimizer driven directly with a zero scale changes nothing.
    let mut m = xor();
    let before = bits(&m);
    let mut g = <Xor as Layer>::Grads::ZERO;
    for b in 0..Xor::PARAM_BLOCKS {
        g.block_mut(b).copy_from_slice(xor().param_block(b));
    }
    let mut opt = Sgd::new(0.1).unwrap();
    // A gradient times 0 is the zero gradient.
    Optimizer::<Xor>::begin(&mut opt, &GradStats::ZERO).unwrap();
    m.apply::<Xor, _>(&g, 0.0, &mut opt, 0);
    assert_eq!(bits(&m), before);
}

/// A finite but huge step would overflow the weights: the optimizer refuses it
/// (`TrainError::GradientTooLarge`: SGD refuses lr·|g| > 2^100 before writing anything)
/// and writes nothing non-finite.
#[test]
fn a_huge_learning_rate_never_writes_non_finite_weights() {
    let mut m = Linear::ZERO;
    let before = bits(&m);
    let mut ws = Workspace::<Linear>::new();
    let mut opt = Sgd::new(1e38).unwrap();
    let r = ws.step(&mut m, &mut opt, &Mse, &[10.0, 0.0], &[1.0]);
    assert_eq!(r, Err(stacknet::TrainError::GradientTooLarge));
    assert!(
        bits(&m).iter().all(|&b| f32::from_bits(b).is_finite()),
        "step returned {r:?} and left non-finite weights"
    );
    assert_eq!(bits(&m), before, "a refused step changes nothing");
}
