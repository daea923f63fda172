//! stacknet against PyTorch 2.5.1 on two small conv + pool stacks: forward values at every
//! tap, the loss, and the gradients of the input and of every parameter.
//!
//! The reference numbers were generated once by `tools/conv_fixture.py` into
//! `tests/fixtures/conv/` (f32, 9 significant digits); this test needs no Python. PyTorch
//! sums in a different order (and may use SIMD/FMA), so values agree to rounding, not bits:
//! the test asserts `|ours − torch| ≤ 1e-5 · (1 + |torch|)` for every element and prints
//! the largest absolute difference.

use stacknet::layers::conv::Map;
use stacknet::loss::{Loss, SoftmaxCrossEntropy, one_hot};
use stacknet::{
    AvgPool2d, Conv2d, Dense, Flatten, Layer, MaxPool2d, Params, Relu3, Tensor, Zero, chain,
};
use std::collections::HashMap;

/// The tensors of one fixture file, by name, flattened row-major, with their shapes.
struct Fixture {
    tensors: HashMap<String, (Vec<usize>, Vec<f32>)>,
    order: Vec<String>,
}

impl Fixture {
    fn parse(text: &str) -> Self {
        let mut lines = text.lines().filter(|l| !l.starts_with('#'));
        let mut tensors = HashMap::new();
        let mut order = Vec::new();
        while let Some(header) = lines.next() {
            let mut words = header.split_whitespace();
            let name = words.next().expect("tensor name").to_string();
            let shape: Vec<usize> = words.map(|w| w.parse().unwrap()).collect();
            let values: Vec<f32> = lines
                .next()
                .expect("values line")
                .split_whitespace()
                .map(|w| w.parse().unwrap())
                .collect();
            assert_eq!(values.len(), shape.iter().product::<usize>(), "{name}");
            order.push(name.clone());
            tensors.insert(name, (shape, values));
        }
        Self { tensors, order }
    }

    fn get(&self, name: &str) -> &[f32] {
        &self
            .tensors
            .get(name)
            .unwrap_or_else(|| panic!("no {name}"))
            .1
    }

    fn shape(&self, name: &str) -> &[usize] {
        &self.tensors[name].0
    }

    /// Names starting with `prefix`, in file order (state_dict order for parameters).
    fn names(&self, prefix: &str) -> Vec<&str> {
        self.order
            .iter()
            .filter(|n| n.starts_with(prefix))
            .map(String::as_str)
            .collect()
    }

    fn tensor<T: Tensor>(&self, name: &str) -> T {
        let mut t = T::ZERO;
        t.flat_mut().copy_from_slice(self.get(name));
        t
    }

    /// Copies the `param.*` tensors into the model's parameter blocks, checking shapes.
    fn load<L: Layer>(&self, net: &mut L) {
        let params = self.names("param.");
        assert_eq!(params.len(), L::PARAM_BLOCKS);
        for (b, name) in params.iter().enumerate() {
            net.param_block_mut(b).copy_from_slice(self.get(name));
        }
    }
}

/// Largest |ours − torch|, after asserting every element is within 1e-5 · (1 + |torch|).
fn compare(what: &str, ours: &[f32], torch: &[f32]) -> f32 {
    assert_eq!(ours.len(), torch.len(), "{what}: length");
    let mut max = 0.0f32;
    for (i, (&a, &b)) in ours.iter().zip(torch).enumerate() {
        let d = (a - b).abs();
        assert!(
            d <= 1e-5 * (1.0 + b.abs()),
            "{what}[{i}]: ours {a}, torch {b}"
        );
        max = max.max(d);
    }
    max
}

/// Forward, loss and backward of `net` on the fixture's sample; returns the largest
/// difference over all compared values. `taps` gives the intermediate outputs to compare.
fn check<L: Layer<Output = [f32; N]>, const N: usize>(
    fx: &Fixture,
    net: &L,
    taps: &[(&str, Vec<f32>)],
) -> f32 {
    let x: L::Input = fx.tensor("x");
    let label = fx.get("label")[0] as usize;
    let t: [f32; N] = one_hot(label).unwrap();
    let mut max = 0.0f32;
    for (name, ours) in taps {
        max = max.max(compare(name, ours, fx.get(&format!("out.{name}"))));
    }
    let mut cache = Box::new(L::Cache::ZERO);
    let mut logits = [0.0; N];
    net.forward(&x, &mut cache, &mut logits);
    assert_eq!(logits, net.infer(&x), "forward and infer must agree");
    max = max.max(compare("logits", &logits, fx.get("logits")));
    let (loss, dy) = SoftmaxCrossEntropy.loss_and_grad(&logits, &t);
    max = max.max(compare("loss", &[loss], fx.get("loss")));
    let mut grads = Box::new(L::Grads::ZERO);
    let mut dx = Box::new(L::Input::ZERO);
    net.backward(&mut cache, &dy, Some(&mut dx), Some(&mut grads));
    max = max.max(compare("grad.x", dx.flat(), fx.get("grad.x")));
    let param_grads: Vec<&str> = fx
        .names("grad.")
        .into_iter()
        .filter(|n| *n != "grad.x")
        .collect();
    assert_eq!(param_grads.len(), L::PARAM_BLOCKS);
    assert_eq!(<L::Grads as Params>::BLOCKS, L::PARAM_BLOCKS);
    for (b, name) in param_grads.iter().enumerate() {
        max = max.max(compare(name, grads.block(b), fx.get(name)));
    }
    max
}

type StackA = chain![
    Conv2d<2, 4, 3, 9, 9, 9, 9, 1, 1>,
    Relu3<4, 9, 9>,
    MaxPool2d<4, 9, 9, 4, 4>,
    Conv2d<4, 3, 3, 4, 4, 2, 2, 2, 1>,
    Relu3<3, 2, 2>,
    AvgPool2d<3, 2, 2, 1, 1>,
    Flatten<3, 1, 1, 3>,
    Dense<3, 5>,
];

/// Same padding, a max pool that drops an odd row/column, a strided padded convolution,
/// average pooling, flatten and dense.
#[test]
fn stack_a_matches_pytorch() {
    let fx = Fixture::parse(include_str!("fixtures/conv/stack_a.txt"));
    assert_eq!(fx.shape("param.0.weight"), [4, 2, 3, 3]);
    let mut net = StackA::ZERO;
    fx.load(&mut net);
    let x: Map<2, 9, 9> = fx.tensor("x");
    let conv1 = net.0.infer(&x);
    let pool1 = net.1.1.0.infer(&net.1.0.infer(&conv1));
    let conv2 = net.1.1.1.0.infer(&pool1);
    let taps = [
        ("conv1", conv1.flat().to_vec()),
        ("pool1", pool1.flat().to_vec()),
        ("conv2", conv2.flat().to_vec()),
    ];
    let max = check(&fx, &net, &taps);
    println!("stack_a: max |stacknet - torch| = {max:e}");
}

type StackB = chain![
    Conv2d<1, 4, 3, 12, 12, 10, 10>,
    Relu3<4, 10, 10>,
    MaxPool2d<4, 10, 10, 5, 5>,
    Flatten<4, 5, 5, 100>,
    Dense<100, 10>,
];

/// The example CNN's architecture in miniature: valid conv, ReLU, 2×2 max pool, dense.
#[test]
fn stack_b_matches_pytorch() {
    let fx = Fixture::parse(include_str!("fixtures/conv/stack_b.txt"));
    assert_eq!(fx.shape("param.4.weight"), [10, 100]);
    let mut net = StackB::ZERO;
    fx.load(&mut net);
    let x: Map<1, 12, 12> = fx.tensor("x");
    let conv1 = net.0.infer(&x);
    let pool1 = net.1.1.0.infer(&net.1.0.infer(&conv1));
    let taps = [
        ("conv1", conv1.flat().to_vec()),
        ("pool1", pool1.flat().to_vec()),
    ];
    let max = check(&fx, &net, &taps);
    println!("stack_b: max |stacknet - torch| = {max:e}");
}
