//! One sample's gradients by value: for gradient checks, tests and tools.
//!
//! Training never needs these (a [`Workspace`](crate::Workspace) keeps everything in
//! place); they return fresh values, so they suit host code that compares gradients with
//! finite differences or with another framework.
//!
//! ```
//! use stacknet::{Dense, grad};
//! let layer = Dense::<2, 1>::from_parts([[2.0, -1.0]], [0.5]);
//! assert_eq!(grad::output(&layer, &[1.0, 1.0]), [1.5]);
//! let (dx, g) = grad::of(&layer, &[1.0, 3.0], &[1.0]);
//! assert_eq!(dx, [2.0, -1.0]);
//! assert_eq!(g.weights, [[1.0, 3.0]]);
//! ```

use crate::layer::Layer;
use crate::zero::Zero;

/// The training forward pass's output for `x` (exact math even with `fast-math`, unlike
/// [`Layer::infer`]).
pub fn output<L: Layer>(model: &L, x: &L::Input) -> L::Output {
    let mut cache = L::Cache::ZERO;
    let mut y = L::Output::ZERO;
    model.forward(x, &mut cache, &mut y);
    y
}

/// d(loss)/d(input) and the parameter gradients for input `x` when d(loss)/d(output) is
/// `dy`.
pub fn of<L: Layer>(model: &L, x: &L::Input, dy: &L::Output) -> (L::Input, L::Grads) {
    let mut cache = L::Cache::ZERO;
    let mut y = L::Output::ZERO;
    model.forward(x, &mut cache, &mut y);
    let mut dx = L::Input::ZERO;
    let mut grads = L::Grads::ZERO;
    model.backward(&mut cache, dy, Some(&mut dx), Some(&mut grads));
    (dx, grads)
}
