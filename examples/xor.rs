//! Trains a 2-4-1 sigmoid network on XOR and prints the loss curve and the truth table.
//!
//! Run: `cargo run --release --example xor` (optionally `-- adam` and/or a seed: `-- adam 3`).

use stacknet::loss::{Loss, Mse};
use stacknet::optim::{Adam, Optimizer, Sgd};
use stacknet::{Dense, Footprint, Init, Layer, Sigmoid, Workspace, Zero, chain};

type Xor = chain![Dense<2, 4>, Sigmoid<4>, Dense<4, 1>, Sigmoid<1>];

const X: [[f32; 2]; 4] = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
const Y: [[f32; 1]; 4] = [[0.0], [1.0], [1.0], [0.0]];

fn train<O: Optimizer<Xor>>(net: &mut Xor, opt: &mut O, epochs: usize) -> f32 {
    let mut ws = Workspace::<Xor>::new();
    let mut loss = f32::NAN;
    for epoch in 1..=epochs {
        loss = ws
            .batch(net, opt, &Mse, &X, &Y)
            .expect("XOR data is finite");
        if epoch == 1 || epoch % (epochs / 10) == 0 {
            println!("epoch {epoch:>5}  mse {loss:.6}");
        }
    }
    loss
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let use_adam = args.iter().any(|a| a == "adam");
    let seed = args.iter().find_map(|a| a.parse::<u64>().ok()).unwrap_or(1);

    let mut net = Xor::ZERO;
    net.init(Init::XavierUniform, &mut stacknet::rng(seed));
    // Full batch of the 4 samples. SGD lr 2.0 here equals the classic posts' lr 1.0 with a
    // summed gradient (our MSE is a mean with a factor 2; batches are averaged).
    if use_adam {
        println!("XOR 2-4-1 sigmoid, MSE, full batch, Adam lr 0.01, seed {seed}");
        train(&mut net, &mut Adam::new(0.01).expect("valid lr"), 3000);
    } else {
        println!("XOR 2-4-1 sigmoid, MSE, full batch, SGD lr 2.0, seed {seed}");
        train(&mut net, &mut Sgd::new(2.0).expect("valid lr"), 2000);
    }

    println!("\n  a  b | xor | output");
    let mut correct = 0;
    for (x, t) in X.iter().zip(&Y) {
        let y = net.infer(x)[0];
        correct += usize::from((y > 0.5) == (t[0] > 0.5));
        println!("  {}  {} |  {}  | {y:.4}", x[0], x[1], t[0]);
    }
    let mse: f32 = X
        .iter()
        .zip(&Y)
        .map(|(x, t)| Mse.loss(&net.infer(x), t))
        .sum::<f32>()
        / 4.0;
    println!("\n{correct}/4 correct, final mse {mse:.6}");

    let f = Footprint::of::<Xor>();
    println!(
        "memory: params {} B, grads {} B, cache {} B, Adam state {} B; \
         training with SGD {} B, with Adam {} B (excluding stack)",
        f.params,
        f.grads,
        f.cache,
        f.adam,
        f.train_sgd(),
        f.train_adam()
    );
    if correct != 4 {
        std::process::exit(1);
    }
}
