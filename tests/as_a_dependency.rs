//! How another crate uses stacknet: models as ordinary, compile-time-sized values in its own
//! structs and in `static`s, through the public API only.

use stacknet::loss::{Loss, Mse};
use stacknet::optim::Adam;
use stacknet::{Dense, Footprint, Init, Layer, Sigmoid, Workspace, Zero, chain, model};

type Xor = chain![Dense<2, 4>, Sigmoid<4>, Dense<4, 1>, Sigmoid<1>];

/// A firmware-style "device" that owns its model and all training state, sized at compile
/// time. `size_of::<Device>()` is the whole cost.
struct Device {
    model: Xor,
    workspace: Workspace<Xor>,
    optimizer: Adam<Xor>,
    steps: u32,
}

impl Device {
    fn new(seed: u64) -> Self {
        let mut model = Xor::ZERO;
        model.init(Init::XavierUniform, &mut stacknet::rng(seed));
        Self {
            model,
            workspace: Workspace::new(),
            optimizer: Adam::new(0.01).unwrap(),
            steps: 0,
        }
    }

    fn learn(&mut self, x: &[f32; 2], t: &[f32; 1]) -> f32 {
        self.steps += 1;
        self.workspace.accumulate(&self.model, &Mse, x, t).unwrap()
    }

    fn end_batch(&mut self) {
        self.workspace
            .apply(&mut self.model, &mut self.optimizer)
            .unwrap();
    }
}

/// A trained model in a `static`: weights are a const initializer (flash on an MCU).
/// These values were produced by training this architecture; any weights work for the test.
static FROZEN: Xor = model![
    Dense::from_parts(
        [[5.5, 5.5], [-3.0, 2.0], [3.0, -3.0], [2.0, 2.0]],
        [-2.5, 0.5, -1.0, -3.0],
    ),
    Sigmoid::new(),
    Dense::from_parts([[7.0, 0.0, 0.0, -8.0]], [-3.0]),
    Sigmoid::new(),
];

#[test]
fn a_struct_holding_a_model_trains() {
    const X: [[f32; 2]; 4] = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    const Y: [[f32; 1]; 4] = [[0.0], [1.0], [1.0], [0.0]];
    let mut dev = Device::new(3);
    let mut first = 0.0;
    let mut last = 0.0;
    for epoch in 0..3000 {
        let mut sum = 0.0;
        for (x, t) in X.iter().zip(&Y) {
            sum += dev.learn(x, t);
        }
        dev.end_batch();
        if epoch == 0 {
            first = sum;
        }
        last = sum;
    }
    assert_eq!(dev.steps, 12_000);
    assert!(last < first / 10.0, "loss {first} -> {last}");
    for (x, t) in X.iter().zip(&Y) {
        assert!((dev.model.infer(x)[0] > 0.5) == (t[0] > 0.5));
    }
}

#[test]
fn a_static_model_infers_with_shared_reference_only() {
    fn classify(m: &'static Xor, x: [f32; 2]) -> bool {
        m.infer(&x)[0] > 0.5
    }
    // Hand-set weights: h0 ≈ OR, h3 ≈ AND, out ≈ OR and not AND.
    assert!(!classify(&FROZEN, [0.0, 0.0]));
    assert!(classify(&FROZEN, [0.0, 1.0]));
    assert!(classify(&FROZEN, [1.0, 0.0]));
    assert!(!classify(&FROZEN, [1.0, 1.0]));
    assert!(Mse.loss(&FROZEN.infer(&[1.0, 1.0]), &[0.0]) < 0.1);
}

#[test]
fn sizes_are_compile_time_constants() {
    const F: Footprint = Footprint::of::<Xor>();
    const _: () = assert!(F.params == 17 * 4);
    assert_eq!(F.param_count, 17);
    assert_eq!(F.trained_count, 17);
    assert_eq!(F.grads, F.params);
    // Dense caches its input, activations their output: 2 + 4 + 4 + 1 floats; the chain
    // also keeps the three hidden activations between the layers: 4 + 4 + 1 floats.
    assert_eq!(F.cache, (11 + 9) * 4);
    // The per-sample workspace is the cache and the output; the mini-batch one adds the
    // gradients and a sample counter.
    assert_eq!(F.step_workspace, F.cache + F.output);
    assert_eq!(F.workspace, F.step_workspace + F.grads + 4);
    // Two moment buffers plus lr, β1, β2, ε, weight decay, β1ᵗ, β2ᵗ, the step counter and
    // the current step's three coefficients.
    assert_eq!(F.adam, 2 * F.params + 11 * 4);
    // `infer_with` needs two of the largest tensor (the 4-wide hidden layer).
    assert_eq!(F.infer_scratch, 2 * 4 * 4);
    assert_eq!(
        core::mem::size_of::<Device>(),
        F.params + F.workspace + F.adam + 4
    );
}
