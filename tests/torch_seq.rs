//! The sequence layers against PyTorch: forward values and every gradient (weights, biases,
//! input) on the committed fixtures in tests/fixtures/seq/ (written by
//! tools/seq_fixtures.py, format in that directory's README), max |diff| ≤ 1e-5.

use std::collections::HashMap;

use stacknet::layers::{AvgPool1d, Conv1d, GlobalAvgPool1d, Gru, Last, Lstm, MaxPool1d, Sequence};
use stacknet::{Layer, Params, Tensor, Zero, grad};

const TOL: f32 = 1e-5;

/// Every tensor of a fixture file by name: its shape and values.
struct Fixture {
    name: String,
    tensors: HashMap<String, (Vec<usize>, Vec<f32>)>,
}

impl Fixture {
    fn load(file: &str) -> Self {
        let path = format!("{}/tests/fixtures/seq/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).expect(&path);
        let mut tensors = HashMap::new();
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let mut words = line.split_whitespace();
            let name = words.next().unwrap().to_string();
            let dims = words
                .next()
                .unwrap()
                .split('x')
                .map(|d| d.parse().unwrap())
                .collect();
            let values = words.map(|v| v.parse().unwrap()).collect();
            tensors.insert(name, (dims, values));
        }
        Self {
            name: file.to_string(),
            tensors,
        }
    }

    fn get(&self, name: &str) -> &[f32] {
        let (dims, values) = self
            .tensors
            .get(name)
            .unwrap_or_else(|| panic!("{}: no {name}", self.name));
        assert_eq!(dims.iter().product::<usize>(), values.len());
        values
    }

    /// A tensor of type `T` from the fixture's `name` (the lengths must agree).
    fn tensor<T: Tensor>(&self, name: &str) -> T {
        let values = self.get(name);
        assert_eq!(values.len(), T::LEN, "{}: size of {name}", self.name);
        let mut t = T::ZERO;
        t.flat_mut().copy_from_slice(values);
        t
    }

    /// A layer whose stored blocks are the fixture's `names`, in order.
    fn layer<L: Layer + Zero>(&self, names: &[&str]) -> L {
        assert_eq!(names.len(), L::PARAM_BLOCKS);
        let mut l = L::ZERO;
        for (b, name) in names.iter().enumerate() {
            let values = self.get(name);
            let block = l.param_block_mut(b);
            assert_eq!(block.len(), values.len(), "{}: size of {name}", self.name);
            block.copy_from_slice(values);
        }
        l
    }

    fn check(&self, what: &str, got: &[f32], name: &str) {
        let want = self.get(name);
        assert_eq!(got.len(), want.len(), "{}: {what}", self.name);
        let worst = got
            .iter()
            .zip(want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(
            worst <= TOL,
            "{}: {what} ({name}) max |diff| {worst:e} > {TOL:e}",
            self.name
        );
        println!("{}: {name} max |diff| {worst:.2e}", self.name);
    }
}

/// Forward output, input gradient and (for layers with parameters) every parameter
/// gradient of `L` against the fixture's tensors with suffix `out`.
fn check_layer<L: Layer + Zero>(f: &Fixture, params: &[&str], out: &str) {
    let layer: L = f.layer(params);
    let x: L::Input = f.tensor("input");
    f.check(
        "forward",
        grad::output(&layer, &x).flat(),
        &format!("output_{out}"),
    );
    f.check(
        "inference",
        layer.infer(&x).flat(),
        &format!("output_{out}"),
    );
    let dy: L::Output = f.tensor(&format!("upstream_{out}"));
    let (dx, g) = grad::of(&layer, &x, &dy);
    f.check("input gradient", dx.flat(), &format!("grad_input_{out}"));
    for (b, name) in params.iter().enumerate() {
        f.check(
            "parameter gradient",
            g.block(b),
            &format!("grad_{name}_{out}"),
        );
    }
}

#[test]
fn conv1d_matches_pytorch() {
    let f = Fixture::load("conv1d_s2p1.txt");
    check_layer::<Conv1d<3, 4, 3, 9, 5, 2, 1>>(&f, &["weight", "bias"], "out");
    let f = Fixture::load("conv1d_s1p0.txt");
    check_layer::<Conv1d<3, 2, 2, 6, 5>>(&f, &["weight", "bias"], "out");
}

#[test]
fn pooling_matches_pytorch() {
    let f = Fixture::load("pool1d.txt");
    check_layer::<MaxPool1d<3, 8, 4, 2, 2>>(&f, &[], "maxpool_k2s2");
    check_layer::<AvgPool1d<3, 8, 3, 3, 2>>(&f, &[], "avgpool_k3s2");
    check_layer::<GlobalAvgPool1d<3, 8>>(&f, &[], "global_avg");
}

const RECURRENT: [&str; 4] = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"];

#[test]
fn gru_matches_pytorch_for_both_readouts() {
    let f = Fixture::load("gru.txt");
    check_layer::<Gru<3, 4, 5, Sequence>>(&f, &RECURRENT, "seq");
    check_layer::<Gru<3, 4, 5, Last>>(&f, &RECURRENT, "last");
    let gru: Gru<3, 4, 5> = f.layer(&RECURRENT);
    let mut cache = Zero::ZERO;
    let mut y = Zero::ZERO;
    gru.forward(&f.tensor("input"), &mut cache, &mut y);
    let seq: Vec<f32> = (0..5).flat_map(|t| *cache.hidden(t).unwrap()).collect();
    f.check("hidden states", &seq, "output_seq");
}

#[test]
fn lstm_matches_pytorch_for_both_readouts() {
    let f = Fixture::load("lstm.txt");
    check_layer::<Lstm<3, 4, 5, Sequence>>(&f, &RECURRENT, "seq");
    check_layer::<Lstm<3, 4, 5, Last>>(&f, &RECURRENT, "last");
    // The final cell state (PyTorch's c_n) and the hidden states, read from the cache.
    let lstm: Lstm<3, 4, 5> = f.layer(&RECURRENT);
    let mut cache = Zero::ZERO;
    let mut y = Zero::ZERO;
    lstm.forward(&f.tensor("input"), &mut cache, &mut y);
    f.check("cell state", cache.cell(4).unwrap(), "output_last_cell");
    let seq: Vec<f32> = (0..5).flat_map(|t| *cache.hidden(t).unwrap()).collect();
    f.check("hidden states", &seq, "output_seq");
    assert_eq!(cache.cell(5), None);
}
