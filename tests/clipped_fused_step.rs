//! The fused per-sample step when `ClipNorm` scales the update (the optimizers'
//! `update_outer` with `scale != 1`): the same update as accumulating the sample and
//! applying it, for SGD, momentum and Adam, up to the rounding of the gradient's norm (the
//! fused step gathers a dense layer's norm from ‖dy‖·‖x‖ instead of from the materialised
//! outer product, so the clip factor can differ in its last bit: documented on
//! `StepWorkspace`); and the clipped update really is the clipped gradient's. Also
//! momentum's state and bound, and `Norm` on subnormal values.

use stacknet::clip::ClipNorm;
use stacknet::loss::Mse;
use stacknet::optim::{Adam, GradStats, Momentum, Norm, Optimizer, Sgd};
use stacknet::{Dense, Layer, StepWorkspace, Workspace, Zero, chain};

type Net = chain![Dense<3, 2>, Dense<2, 1>];

fn start() -> Net {
    (
        Dense::from_parts([[0.5, -1.0, 0.25], [1.5, 0.75, -0.5]], [0.1, -0.2]),
        Dense::from_parts([[2.0, -1.0]], [0.3]),
    )
}

fn bits(m: &Net) -> Vec<u32> {
    (0..Net::PARAM_BLOCKS)
        .flat_map(|b| m.param_block(b).iter().map(|v| v.to_bits()))
        .collect()
}

/// Three clipped steps (gradient norms far above the limit) and one unclipped, both ways:
/// every parameter within a few float spacings of the other path's.
fn fused_equals_buffered<O: Optimizer<Net> + Clone + core::fmt::Debug>(opt: O) {
    let mut fused_opt = ClipNorm::new(opt.clone(), 0.5).unwrap();
    let mut buffered_opt = ClipNorm::new(opt, 0.5).unwrap();
    let (mut a, mut b) = (start(), start());
    let mut step = StepWorkspace::<Net>::new();
    let mut ws = Workspace::<Net>::new();
    let samples = [
        ([3.0, -2.0, 1.0], [40.0]),
        ([-1.0, 4.0, 0.5], [-30.0]),
        ([2.0, 2.0, -3.0], [25.0]),
        ([0.01, 0.0, 0.0], [a.infer(&[0.01, 0.0, 0.0])[0] + 1e-4]),
    ];
    for (x, t) in samples {
        let la = step.step(&mut a, &mut fused_opt, &Mse, &x, &t).unwrap();
        ws.accumulate(&b, &Mse, &x, &t).unwrap();
        ws.apply(&mut b, &mut buffered_opt).unwrap();
        for (p, q) in bits(&a).into_iter().zip(bits(&b)) {
            let (p, q) = (f32::from_bits(p), f32::from_bits(q));
            assert!(
                (p - q).abs() <= 4.0 * f32::EPSILON * q.abs().max(1.0),
                "{x:?}: {p} vs {q}"
            );
        }
        assert!(la.is_finite());
    }
    assert_eq!(fused_opt.clipped(), 3);
    assert_eq!(buffered_opt.clipped(), 3);
}

#[test]
fn clipped_fused_steps_match_the_buffered_path_for_every_optimizer() {
    fused_equals_buffered(Sgd::new(0.1).unwrap());
    fused_equals_buffered(Momentum::<Net>::new(0.1, 0.9).unwrap());
    fused_equals_buffered(Adam::<Net>::new(0.01).unwrap());
}

#[test]
fn a_clipped_sgd_step_moves_the_weights_by_exactly_lr_times_the_limit() {
    let mut opt = ClipNorm::new(Sgd::new(0.1).unwrap(), 0.5).unwrap();
    let mut m = start();
    let before = m;
    StepWorkspace::<Net>::new()
        .step(&mut m, &mut opt, &Mse, &[3.0, -2.0, 1.0], &[40.0])
        .unwrap();
    // The update is −lr · g · (limit / |g|): its norm is lr · limit = 0.05, and it points
    // down the gradient (the loss falls).
    let moved: f64 = (0..Net::PARAM_BLOCKS)
        .flat_map(|b| {
            let (p, q) = (m.param_block(b).to_vec(), before.param_block(b).to_vec());
            p.into_iter()
                .zip(q)
                .map(|(p, q)| f64::from(p - q).powi(2))
                .collect::<Vec<_>>()
        })
        .sum::<f64>()
        .sqrt();
    assert!((moved - 0.05).abs() < 1e-6, "{moved}");
    let loss = |m: &Net| (m.infer(&[3.0, -2.0, 1.0])[0] - 40.0).powi(2);
    assert!(loss(&m) < loss(&before));
}

#[test]
fn momentum_reset_forgets_the_velocity() {
    let mut opt = Momentum::<Net>::new(0.1, 0.9).unwrap();
    let mut m = start();
    let mut step = StepWorkspace::<Net>::new();
    step.step(&mut m, &mut opt, &Mse, &[1.0, 2.0, 3.0], &[0.0])
        .unwrap();
    assert!(opt.velocity().1.bias[0] != 0.0);
    assert!(format!("{opt:?}").starts_with("Momentum"));
    opt.reset();
    assert_eq!(opt.velocity(), &(Dense::ZERO, Dense::ZERO));
    // After a reset, the next step is a first step: plain SGD's.
    let (mut a, mut b) = (m, m);
    step.step(&mut a, &mut opt, &Mse, &[1.0, 2.0, 3.0], &[0.0])
        .unwrap();
    step.step(
        &mut b,
        &mut Sgd::new(0.1).unwrap(),
        &Mse,
        &[1.0, 2.0, 3.0],
        &[0.0],
    )
    .unwrap();
    assert_eq!(bits(&a), bits(&b));
}

#[test]
fn momentum_refuses_exactly_the_steps_beyond_its_documented_bound() {
    // Momentum refuses a gradient whose largest element exceeds (1 − μ) · 2^99 / lr: the
    // velocity, a geometric sum of such gradients, then stays below 2^99 / lr.
    let (lr, mu) = (1e-3f32, 0.75f32);
    let edge = (1.0 - f64::from(mu)) * 2f64.powi(99) / f64::from(lr);
    for (g, ok) in [(edge * 0.999, true), (edge * 1.001, false)] {
        let mut opt = Momentum::<Dense<1, 1>>::new(lr, mu).unwrap();
        let stats = GradStats {
            max_abs: g as f32,
            ..GradStats::ZERO
        };
        assert_eq!(
            Optimizer::<Dense<1, 1>>::begin(&mut opt, &stats).is_ok(),
            ok,
            "{g:e}"
        );
    }
}

#[test]
fn norms_of_subnormal_values_are_exact() {
    let unit = f32::from_bits(1 << 9); // 2^-140, subnormal
    let n = Norm::of(&[3.0 * unit, -4.0 * unit], 1.0);
    assert_eq!(n.value(), 5.0 * unit);
    let tiny = Norm::of(&[unit, unit, unit, unit], 1.0);
    assert_eq!(tiny.value(), 2.0 * unit);
}
