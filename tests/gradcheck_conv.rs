//! Central-difference gradient checks for Conv2d, MaxPool2d, AvgPool2d, Flatten and
//! Unflatten, alone and chained with ReLU and Dense under the softmax cross-entropy loss.
//!
//! f32 throughout, h = 1e-2 and tolerance 1e-2 · (1 + |numeric|) (STYLE.md §9). Each layer
//! alone is checked on the scalar `L = Σ r ⊙ y` for a fixed random `r`, so `dL/dy = r`.
//! Max pooling and ReLU are piecewise linear: inputs are spaced so no window has a tie
//! within h, and in the chained test a coordinate whose ±h step flips a ReLU or an argmax
//! is detected (through the layer caches) and skipped, with the number skipped bounded.

use stacknet::init::fill_uniform;
use stacknet::layers::conv::Map;
use stacknet::loss::{Loss, SoftmaxCrossEntropy, one_hot};
use stacknet::{
    AvgPool2d, Conv2d, Dense, Flatten, Init, Layer, MaxPool2d, Params, Relu3, Tensor, Unflatten,
    Workspace, Zero, chain,
};

const H_STEP: f32 = 1e-2;

fn close(analytic: f32, numeric: f32) -> bool {
    (analytic - numeric).abs() <= 1e-2 * (1.0 + numeric.abs())
}

fn random<T: Tensor>(seed: u64, scale: f32) -> T {
    let mut t = T::ZERO;
    fill_uniform(t.flat_mut(), scale, &mut stacknet::rng(seed));
    t
}

/// `Σ r ⊙ y` in f64, so the sum adds no rounding of its own.
fn weighted_sum<T: Tensor>(y: &T, r: &T) -> f32 {
    y.flat()
        .iter()
        .zip(r.flat())
        .map(|(&a, &b)| a as f64 * b as f64)
        .sum::<f64>() as f32
}

/// Checks d(Σ r ⊙ layer(x))/dx and /d(params) of one layer against central differences.
fn check_layer<L: Layer + Copy + Zero>(name: &str, layer: &L, x: &L::Input, r: &L::Output) {
    let mut cache = L::Cache::ZERO;
    let mut y = L::Output::ZERO;
    layer.forward(x, &mut cache, &mut y);
    let mut dx = L::Input::ZERO;
    let mut grads = L::Grads::ZERO;
    layer.backward(&mut cache, r, Some(&mut dx), Some(&mut grads));
    // Every parameter trains here, so the gradient has the layer's block layout.
    assert_eq!(
        <L::Grads as Params>::BLOCKS,
        L::PARAM_BLOCKS,
        "{name}: blocks"
    );
    // A backward without dx must give the same parameter gradient as one with it.
    let mut grads2 = L::Grads::ZERO;
    layer.backward(&mut cache, r, None, Some(&mut grads2));
    for b in 0..L::PARAM_BLOCKS {
        assert_eq!(grads.block(b), grads2.block(b), "{name}: block {b}");
    }
    // And one without parameter gradients the same input gradient.
    let mut dx2 = L::Input::ZERO;
    layer.backward(&mut cache, r, Some(&mut dx2), None);
    assert_eq!(dx.flat(), dx2.flat(), "{name}: dx without grads");

    let loss = |l: &L, x: &L::Input| weighted_sum(&l.infer(x), r);
    for i in 0..L::Input::LEN {
        let (mut up, mut down) = (*x, *x);
        up.flat_mut()[i] += H_STEP;
        down.flat_mut()[i] -= H_STEP;
        let numeric = (loss(layer, &up) - loss(layer, &down)) / (2.0 * H_STEP);
        let a = dx.flat()[i];
        assert!(close(a, numeric), "{name}: d/dx[{i}]: {a} vs {numeric}");
    }
    for b in 0..L::PARAM_BLOCKS {
        for i in 0..layer.param_block(b).len() {
            let (mut up, mut down) = (*layer, *layer);
            up.param_block_mut(b)[i] += H_STEP;
            down.param_block_mut(b)[i] -= H_STEP;
            let numeric = (loss(&up, x) - loss(&down, x)) / (2.0 * H_STEP);
            let a = grads.block(b)[i];
            assert!(
                close(a, numeric),
                "{name}: d/dp[{b}][{i}]: {a} vs {numeric}"
            );
        }
    }
    // Parameter gradients accumulate: a second backward doubles them.
    layer.backward(&mut cache, r, None, Some(&mut grads2));
    for b in 0..L::PARAM_BLOCKS {
        for (g2, g) in grads2.block(b).iter().zip(grads.block(b)) {
            assert!(
                (g2 - 2.0 * g).abs() <= 1e-5 * (1.0 + g.abs()),
                "{name}: accumulate"
            );
        }
    }
}

fn check_conv<
    const CI: usize,
    const CO: usize,
    const K: usize,
    const H: usize,
    const W: usize,
    const OH: usize,
    const OW: usize,
    const S: usize,
    const P: usize,
>(
    name: &str,
    seed: u64,
) {
    let mut conv = Conv2d::<CI, CO, K, H, W, OH, OW, S, P>::ZERO;
    conv.init(Init::HeUniform, &mut stacknet::rng(seed));
    // Non-zero biases, so their gradient is checked around a non-trivial point.
    fill_uniform(conv.param_block_mut(1), 0.5, &mut stacknet::rng(seed + 100));
    let x: Map<CI, H, W> = random(seed + 1, 1.0);
    let r: Map<CO, OH, OW> = random(seed + 2, 1.0);
    check_layer(name, &conv, &x, &r);
}

#[test]
fn conv2d_valid() {
    check_conv::<1, 3, 3, 6, 7, 4, 5, 1, 0>("valid 1→3 k3", 1);
    check_conv::<3, 2, 3, 5, 5, 3, 3, 1, 0>("valid 3→2 k3", 2);
    check_conv::<2, 2, 1, 4, 4, 4, 4, 1, 0>("1×1 kernel", 3);
}

/// Conv2d picks its kernel family by shape (patches when `C_IN·K·K > OW`, rows otherwise);
/// the cases above use patches, these wide single-channel maps use rows.
#[test]
fn conv2d_row_kernels() {
    check_conv::<1, 2, 3, 6, 14, 4, 12, 1, 0>("rows valid", 9);
    check_conv::<1, 2, 3, 5, 12, 5, 12, 1, 1>("rows same", 10);
    check_conv::<1, 2, 3, 5, 21, 3, 11, 2, 1>("rows stride 2", 11);
}

#[test]
fn conv2d_same_padding() {
    check_conv::<2, 3, 3, 6, 5, 6, 5, 1, 1>("same k3", 4);
    check_conv::<1, 2, 5, 7, 7, 7, 7, 1, 2>("same k5", 5);
}

#[test]
fn conv2d_strided() {
    check_conv::<2, 2, 3, 7, 6, 4, 3, 2, 1>("stride 2 pad 1", 6);
    check_conv::<1, 2, 2, 6, 6, 3, 3, 2, 0>("stride 2 k2", 7);
    check_conv::<2, 1, 3, 8, 8, 3, 3, 3, 1>("stride 3 pad 1", 8);
}

/// Distinct values at least 0.05 apart (a permutation of a grid), so no pooling window has
/// two elements within 2h of each other and the argmax never flips under a ±h step.
fn spaced<const C: usize, const H: usize, const W: usize>() -> Map<C, H, W> {
    let mut x: Map<C, H, W> = Zero::ZERO;
    let n = C * H * W;
    assert_ne!(n % 37, 0);
    for (i, v) in x.flat_mut().iter_mut().enumerate() {
        *v = ((i * 37) % n) as f32 * 0.05 - 1.0;
    }
    x
}

#[test]
fn max_pool_2x2() {
    let x = spaced::<2, 6, 7>();
    let r: Map<2, 3, 3> = random(11, 1.0);
    check_layer("maxpool 2x2", &MaxPool2d::<2, 6, 7, 3, 3>::new(), &x, &r);
}

#[test]
fn max_pool_overlapping_3x3_stride_2() {
    let x = spaced::<2, 7, 7>();
    let r: Map<2, 3, 3> = random(12, 1.0);
    check_layer(
        "maxpool 3x3/2",
        &MaxPool2d::<2, 7, 7, 3, 3, 3, 2>::new(),
        &x,
        &r,
    );
}

#[test]
fn avg_pool() {
    let x: Map<2, 6, 6> = random(13, 1.0);
    check_layer(
        "avgpool 2x2",
        &AvgPool2d::<2, 6, 6, 3, 3>::new(),
        &x,
        &random(14, 1.0),
    );
    let r: Map<2, 2, 2> = random(15, 1.0);
    check_layer(
        "avgpool 3x3/2",
        &AvgPool2d::<2, 6, 6, 2, 2, 3, 2>::new(),
        &x,
        &r,
    );
}

#[test]
fn flatten_and_unflatten() {
    let x: Map<3, 2, 4> = random(16, 1.0);
    let r: [f32; 24] = random(17, 1.0);
    check_layer("flatten", &Flatten::<3, 2, 4, 24>::new(), &x, &r);
    let v: [f32; 24] = random(18, 1.0);
    let r: Map<3, 2, 4> = random(19, 1.0);
    check_layer("unflatten", &Unflatten::<3, 2, 4, 24>::new(), &v, &r);
}

type Cnn = chain![
    Conv2d<1, 4, 3, 8, 8, 6, 6>,
    Relu3<4, 6, 6>,
    MaxPool2d<4, 6, 6, 3, 3>,
    Conv2d<4, 3, 3, 3, 3, 3, 3, 1, 1>,
    Relu3<3, 3, 3>,
    Flatten<3, 3, 3, 27>,
    Dense<27, 10>,
];

/// The ReLU masks and argmax positions of a forward pass: if a ±h step changes them the
/// loss has a kink inside the step and central differences are meaningless there.
fn pattern(net: &Cnn, x: &Map<1, 8, 8>) -> Vec<u8> {
    let mut cache = <Cnn as Layer>::Cache::ZERO;
    let mut y = [0.0; 10];
    net.forward(x, &mut cache, &mut y);
    // A chain's cache is (first's cache, hidden activation, rest's cache).
    let relu1 = cache.2.0.flat().iter().map(|&v| (v > 0.0) as u8);
    let relu2 = cache.2.2.2.2.0.flat().iter().map(|&v| (v > 0.0) as u8);
    let mut argmax = Vec::new();
    for c in 0..4 {
        for i in 0..3 {
            for j in 0..3 {
                argmax.extend(cache.2.2.0.offset(c, i, j));
            }
        }
    }
    relu1.chain(relu2).chain(argmax).collect()
}

/// The whole chain through `Workspace::accumulate` with the softmax cross-entropy loss:
/// the parameter gradients the optimiser sees and the input gradient of `backward`.
#[test]
fn cnn_chain_with_softmax_cross_entropy() {
    let seed = 21;
    let mut net = Cnn::ZERO;
    net.init(Init::HeUniform, &mut stacknet::rng(seed));
    let x: Map<1, 8, 8> = random(seed + 1, 1.0);
    let t: [f32; 10] = one_hot(3).unwrap();
    let loss = |n: &Cnn, x: &Map<1, 8, 8>| SoftmaxCrossEntropy.loss(&n.infer(x), &t);

    let mut ws = Box::new(Workspace::<Cnn>::new());
    ws.accumulate(&net, &SoftmaxCrossEntropy, &x, &t).unwrap();
    let (_, dy) = SoftmaxCrossEntropy.loss_and_grad(&stacknet::grad::output(&net, &x), &t);
    let (dx, grads) = stacknet::grad::of(&net, &x, &dy);

    let base = pattern(&net, &x);
    let (mut checked, mut skipped) = (0, 0);
    for i in 0..64 {
        let (mut up, mut down) = (x, x);
        up.flat_mut()[i] += H_STEP;
        down.flat_mut()[i] -= H_STEP;
        if pattern(&net, &up) != base || pattern(&net, &down) != base {
            skipped += 1;
            continue;
        }
        let numeric = (loss(&net, &up) - loss(&net, &down)) / (2.0 * H_STEP);
        let a = dx.flat()[i];
        assert!(
            close(a, numeric),
            "seed {seed}: d/dx[{i}]: {a} vs {numeric}"
        );
        checked += 1;
    }
    for b in 0..Cnn::PARAM_BLOCKS {
        assert_eq!(ws.grads().block(b), grads.block(b), "block {b}");
        for i in 0..net.param_block(b).len() {
            let (mut up, mut down) = (net, net);
            up.param_block_mut(b)[i] += H_STEP;
            down.param_block_mut(b)[i] -= H_STEP;
            if pattern(&up, &x) != base || pattern(&down, &x) != base {
                skipped += 1;
                continue;
            }
            let numeric = (loss(&up, &x) - loss(&down, &x)) / (2.0 * H_STEP);
            let a = grads.block(b)[i];
            assert!(
                close(a, numeric),
                "seed {seed}: d/dp[{b}][{i}]: {a} vs {numeric}"
            );
            checked += 1;
        }
    }
    println!("checked {checked}, skipped {skipped} (kink within ±h)");
    assert!(
        checked >= 64 + Cnn::PARAMS - 20,
        "skipped too many: {skipped}"
    );
}
