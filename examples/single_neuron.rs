//! One sigmoid neuron with 3 inputs learns "output = first input" (10 000 full-batch steps)
//! and predicts the unseen input [1, 0, 0].
//!
//! Run: `cargo run --release --example single_neuron`

use stacknet::loss::Mse;
use stacknet::optim::Sgd;
use stacknet::{Dense, Init, Layer, Sigmoid, Workspace, Zero, chain};

type Neuron = chain![Dense<3, 1>, Sigmoid<1>];

fn main() {
    let x = [
        [0.0, 0.0, 1.0],
        [1.0, 1.0, 1.0],
        [1.0, 0.0, 1.0],
        [0.0, 1.0, 1.0],
    ];
    let y = [[0.0], [1.0], [1.0], [0.0]];
    let mut neuron = Neuron::ZERO;
    neuron.init(Init::Uniform(1.0), &mut stacknet::rng(1));
    println!(
        "initial weights {:?}, bias {:?}",
        neuron.0.weights[0], neuron.0.bias
    );
    let mut ws = Workspace::<Neuron>::new();
    let mut opt = Sgd::new(2.0).expect("valid lr");
    for step in 1..=10_000 {
        let loss = ws
            .batch(&mut neuron, &mut opt, &Mse, &x, &y)
            .expect("finite data");
        if step % 2000 == 0 {
            println!("step {step:>5}  mse {loss:.8}");
        }
    }
    println!(
        "trained weights {:?}, bias {:?}",
        neuron.0.weights[0], neuron.0.bias
    );
    let p = neuron.infer(&[1.0, 0.0, 0.0])[0];
    println!("new situation [1, 0, 0] -> {p:.8}");
    if p <= 0.99 {
        std::process::exit(1);
    }
}
