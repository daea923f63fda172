//! The sensor-sized net of the MCU yardstick (issue 16): 16 inputs, 32 ReLU units, 4
//! outputs, mean squared error against one-hot targets, plain SGD one sample at a time.
//! `firmware/c-yardstick/sensor.c` is the same work in hand-written C: the start and the
//! data come from the same generator, so the two can be compared bit for bit.
#![no_std]

use stacknet::loss::Mse;
use stacknet::optim::Sgd;
use stacknet::{Dense, Layer, Relu, StepWorkspace, TrainError, Zero, chain};

/// Dense(16→32), ReLU, Dense(32→4): 676 parameters, 640 multiply-adds per inference.
pub type Sensor = chain![Dense<16, 32>, Relu<32>, Dense<32, 4>];

/// Samples in the data set.
pub const SAMPLES: usize = 8;
/// Passes over the samples, one SGD update per sample.
pub const EPOCHS: usize = 8;
/// SGD learning rate.
pub const LR: f32 = 0.05;

/// Numerical Recipes' 32-bit LCG; yields the top byte as a signed integer in [−128, 127].
/// The C yardstick uses the same generator and seed.
struct Lcg(u32);

impl Lcg {
    fn next(&mut self) -> f32 {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        ((self.0 >> 24) as i32 - 128) as f32
    }
}

/// The start and the data: weights k/512 and inputs k/128 (exact floats) from the LCG
/// seeded with 0x5EED5EED, in that order; zero biases; sample s labelled s mod 4.
pub fn init() -> (Sensor, [[f32; 16]; SAMPLES], [[f32; 4]; SAMPLES]) {
    let mut lcg = Lcg(0x5EED_5EED);
    let mut net = Sensor::ZERO;
    for row in &mut net.0.weights {
        for w in row.iter_mut() {
            *w = lcg.next() / 512.0;
        }
    }
    for row in &mut net.1.1.weights {
        for w in row.iter_mut() {
            *w = lcg.next() / 512.0;
        }
    }
    let mut xs = [[0.0; 16]; SAMPLES];
    let mut ts = [[0.0; 4]; SAMPLES];
    for (s, (x, t)) in xs.iter_mut().zip(&mut ts).enumerate() {
        for v in x.iter_mut() {
            *v = lcg.next() / 128.0;
        }
        t[s % 4] = 1.0;
    }
    (net, xs, ts)
}

/// One per-sample SGD step (stacknet's fused step: forward, loss, backward, checks,
/// update). Never inlined, so the markers bracket exactly one call, as in the C.
#[inline(never)]
pub fn step(
    net: &mut Sensor,
    ws: &mut StepWorkspace<Sensor>,
    opt: &mut Sgd,
    x: &[f32; 16],
    t: &[f32; 4],
) -> Result<f32, TrainError> {
    ws.step(net, opt, &Mse, x, t)
}

/// One inference. Never inlined, like [`step`].
#[inline(never)]
pub fn predict(net: &Sensor, x: &[f32; 16]) -> [f32; 4] {
    net.infer(x)
}

/// stacknet's per-sample SGD step **without its checks**: the same passes as
/// `StepWorkspace::step` (forward, loss and gradient, backward, fused update through the
/// public `Layer` methods) but no finiteness tests, no gradient survey and no step-size
/// bound. Same arithmetic, so the same weights bit for bit; the instruction difference to
/// [`step`] is what the checks cost. Not a safe way to train: bad data reaches the weights.
#[inline(never)]
pub fn unchecked_step<L: Layer<Output = [f32; N]>, const N: usize>(
    net: &mut L,
    cache: &mut L::Cache,
    opt: &mut Sgd,
    x: &L::Input,
    t: &[f32; N],
) -> f32 {
    use stacknet::loss::Loss;
    let mut y = [0.0; N];
    net.forward(x, cache, &mut y);
    let (loss, dy) = Mse.loss_and_grad(&y, t);
    net.backward(cache, &dy, None, None);
    net.update::<L, Sgd>(cache, &dy, opt, 0);
    loss
}
