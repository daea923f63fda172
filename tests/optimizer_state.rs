//! Optimizer state and weights under hostile gradients and hyper-parameters (issue 13,
//! failures 1-3): state never becomes non-finite, a refused step changes nothing, and
//! clipping holds however large the finite gradients are.

use stacknet::optim::Adam;
use stacknet::{ConfigError, Dense, TrainError, Workspace, Zero, loss::Mse};

/// Issue 13, failure 2: a huge finite gradient used to store `inf` in the second moment
/// and freeze the weight forever while every step returned `Ok`.
#[test]
fn a_huge_gradient_never_freezes_a_weight() {
    type Linear = Dense<2, 1>;
    let mut model = Linear::ZERO;
    let mut opt = Adam::<Linear>::new(0.1).unwrap();
    let mut ws = Workspace::<Linear>::new();
    let r = ws.step(&mut model, &mut opt, &Mse, &[100.0, 1.0], &[1e19]);
    assert_eq!(r, Err(TrainError::GradientTooLarge));
    assert_eq!(opt.steps(), 0);
    assert!(!format!("{opt:?}").contains("inf"));
    assert!(format!("{opt:?}").contains("moments_finite: true"));
    for i in 0..2000 {
        let x = (i % 7) as f32 / 7.0;
        ws.step(&mut model, &mut opt, &Mse, &[x, 1.0], &[3.0 * x])
            .unwrap();
    }
    assert!((model.weights[0][0] - 3.0).abs() < 0.1, "{:?}", model);
    let (m, v) = opt.moments();
    assert!(
        m.weights
            .iter()
            .flatten()
            .chain(&v.weights[0])
            .all(|x| x.is_finite())
    );
}

/// Issue 13, failure 3: Adam changed the model and then reported an error.
#[test]
fn a_refused_step_changes_nothing() {
    type Linear = Dense<2, 1>;
    let mut model = Linear::from_parts([[f32::MAX, -f32::MAX]], [0.0]);
    assert_eq!(
        Adam::<Linear>::new(1e37).err(),
        Some(ConfigError::LearningRate)
    );
    let mut opt = Adam::<Linear>::new(1e20).unwrap();
    let mut ws = Workspace::<Linear>::new();
    let before = model;
    let r = ws.step(&mut model, &mut opt, &Mse, &[1.0, 1.0], &[1.0]);
    // Either refused with nothing changed, or accepted with every weight finite.
    match r {
        Err(_) => {
            assert_eq!(
                model.weights[0].map(f32::to_bits),
                before.weights[0].map(f32::to_bits)
            );
            assert_eq!(opt.steps(), 0);
        }
        Ok(_) => assert!(model.weights[0].iter().all(|w| w.is_finite())),
    }
}
