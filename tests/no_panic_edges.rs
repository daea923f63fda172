//! The extreme arguments behind the panic paths that the no-panic link proof
//! (tools/nopanic, docs/RELIABILITY.md) found in session 3: each call here overflowed (a
//! panic in this test profile, which has overflow checks on) before its fix, and each
//! result is checked against the value the function documents.

use stacknet::layers::conv::out_size;
use stacknet::layers::{Last, Readout, Sequence, StandardizeChannels, StandardizeError};
use stacknet::quant::fixed_point::rounding_divide_by_pot;
use stacknet::quant::{Dequantize, OutputStage, QConv2d, QLayer, Requant};
use stacknet::{Dense, Footprint, Relu, chain};

#[test]
fn last_readout_ignores_steps_past_the_end() {
    let mut y = [7.0f32; 2];
    <Last as Readout<2, 3>>::put(&mut y, usize::MAX, &[1.0, 2.0]);
    assert_eq!(y, [7.0; 2]);
    assert_eq!(<Last as Readout<2, 3>>::grad_at(&y, usize::MAX), None);
    <Last as Readout<2, 3>>::put(&mut y, 2, &[1.0, 2.0]);
    assert_eq!(y, [1.0, 2.0]);
    assert_eq!(<Last as Readout<2, 3>>::grad_at(&y, 2), Some(&[1.0, 2.0]));
    assert_eq!(<Last as Readout<2, 3>>::grad_at(&y, 1), None);
    let ys = [[0.0f32; 2]; 3];
    assert_eq!(<Sequence as Readout<2, 3>>::grad_at(&ys, usize::MAX), None);
}

#[test]
fn footprint_sums_saturate() {
    type Net = chain![Dense<4, 8>, Relu<8>, Dense<8, 2>];
    let real = Footprint::of::<Net>();
    assert_eq!(real.train_sgd(), real.params + real.step_workspace);
    assert_eq!(
        real.train_adam_batch(),
        real.params + real.workspace + real.adam
    );
    let huge = Footprint {
        params: usize::MAX - 1,
        ..real
    };
    assert_eq!(huge.train_sgd(), usize::MAX);
    assert_eq!(huge.train_adam(), usize::MAX);
    assert_eq!(huge.train_adam_batch(), usize::MAX);
}

#[test]
fn out_size_saturates_on_run_time_sizes() {
    assert_eq!(out_size(8, 3, 1, 1), 8);
    assert_eq!(out_size(8, 3, 2, 0), 3);
    assert_eq!(out_size(usize::MAX, 0, 1, 0), usize::MAX);
    assert_eq!(out_size(usize::MAX, 1, 1, usize::MAX), usize::MAX);
    assert_eq!(out_size(2, 3, 1, 0), 0);
    assert_eq!(out_size(5, 3, 0, 0), 0);
}

#[test]
fn dequantize_with_any_zero_point() {
    let d = Dequantize::<3>::new(0.5, i32::MIN);
    let want = |q: i64| 0.5 * (q - i64::from(i32::MIN)) as f32;
    assert_eq!(d.infer(&[1, -1, 127]), [want(1), want(-1), want(127)]);
    let d = Dequantize::<2>::new(0.25, 3);
    assert_eq!(d.infer(&[5, -5]), [0.5, -2.0]);
}

/// `QConv2d` with an extreme input zero point: the border kernel (wrapping) and the
/// interior kernel (zero point folded into the bias) must still agree with the direct
/// formula computed in wrapping `i32`, as TFLite's accumulator would.
#[test]
#[allow(clippy::needless_range_loop)] // the direct formula, index by index
fn qconv_border_and_interior_agree_for_any_zero_point() {
    let r = Requant::from_real(0.0003).unwrap();
    let mut w = [[[[0i8; 3]; 3]; 1]; 1];
    let mut x = [[[0i8; 4]; 4]; 1];
    for (i, v) in w[0][0].as_flattened_mut().iter_mut().enumerate() {
        *v = ((i as i32 * 29) % 200 - 100) as i8;
    }
    for (i, v) in x[0].as_flattened_mut().iter_mut().enumerate() {
        *v = ((i as i32 * 17) % 240 - 120) as i8;
    }
    for zp in [i32::MIN, i32::MAX, -7] {
        let conv =
            QConv2d::<1, 1, 3, 4, 4, 4, 4, 1, 1>::new(w, [1000], [r], zp, OutputStage::plain(2));
        let y = conv.infer(&x);
        for oy in 0..4 {
            for ox in 0..4 {
                let mut acc = 1000i32;
                for ky in 0..3 {
                    for kx in 0..3 {
                        let (iy, ix) = (oy + ky, ox + kx);
                        if (1..5).contains(&iy) && (1..5).contains(&ix) {
                            let xv = i32::from(x[0][iy - 1][ix - 1]);
                            let term = i32::from(w[0][0][ky][kx]).wrapping_mul(xv.wrapping_sub(zp));
                            acc = acc.wrapping_add(term);
                        }
                    }
                }
                let want = OutputStage::plain(2).finish(r.apply(acc));
                assert_eq!(y[0][oy][ox], want, "zp {zp}, output ({oy}, {ox})");
            }
        }
    }
}

#[test]
fn rounding_divide_at_the_top_of_the_range() {
    assert_eq!(rounding_divide_by_pot(i32::MAX, 0), i32::MAX);
    // (2^31 − 1) / 2 = 2^30 − 0.5: rounds away from zero.
    assert_eq!(rounding_divide_by_pot(i32::MAX, 1), 1 << 30);
    assert_eq!(rounding_divide_by_pot(i32::MIN, 1), -(1 << 30));
}

#[test]
fn standardize_channels_names_the_bad_pixel() {
    let mut map = [[[0.5f32; 2]; 2]; 2];
    map[1][1][1] = f32::NAN;
    let err = StandardizeChannels::<2, 2, 2>::fit(&[[[[0.0; 2]; 2]; 2], map]).unwrap_err();
    // Channel 1, pixel 3 of 4: feature 1·4 + 3 of the flattened sample.
    assert_eq!(
        err,
        StandardizeError::NonFinite {
            sample: 1,
            feature: 7
        }
    );
}
