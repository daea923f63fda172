//! Compile-time memory figures for a model type.

use crate::layer::Layer;
use crate::optim::{Adam, Momentum};
use crate::train::{StepWorkspace, Workspace};
use core::mem::size_of;

/// Bytes a model of type `L` needs, all known at compile time (by `size_of`).
///
/// Stack frames are not included: a training step's peak stack depends on the target and
/// compiler settings and is measured per board in `docs/FOOTPRINT.md`.
///
/// ```
/// use stacknet::{chain, Dense, Sigmoid, Footprint};
/// type Xor = chain![Dense<2, 4>, Sigmoid<4>, Dense<4, 1>, Sigmoid<1>];
/// const XOR: Footprint = Footprint::of::<Xor>();
/// assert_eq!(XOR.params, 17 * 4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Footprint {
    /// Number of stored parameters (trained or frozen).
    pub param_count: usize,
    /// Number of trained parameters.
    pub trained_count: usize,
    /// Bytes of parameters (the model value itself; flash if it is a `static`).
    pub params: usize,
    /// Bytes of one gradient buffer (what the model trains: 0 for frozen layers).
    pub grads: usize,
    /// Bytes of the per-sample forward cache used in training (hidden activations
    /// included).
    pub cache: usize,
    /// Bytes of a [`StepWorkspace`] (per-sample steps: cache and output, no gradients).
    pub step_workspace: usize,
    /// Bytes of a mini-batch [`Workspace`] (step workspace + gradient buffer + a counter).
    pub workspace: usize,
    /// Bytes of SGD-with-momentum state.
    pub momentum: usize,
    /// Bytes of Adam state (two moment buffers + scalars).
    pub adam: usize,
    /// Bytes of the model's input.
    pub input: usize,
    /// Bytes of the model's output.
    pub output: usize,
    /// Bytes of the scratch [`Layer::infer_with`] needs (two of the largest tensor).
    pub infer_scratch: usize,
}

impl Footprint {
    /// The figures for model type `L`.
    pub const fn of<L: Layer>() -> Self {
        Self {
            param_count: L::PARAMS,
            trained_count: <L::Grads as crate::Params>::LEN,
            params: size_of::<L>(),
            grads: size_of::<L::Grads>(),
            cache: size_of::<L::Cache>(),
            step_workspace: size_of::<StepWorkspace<L>>(),
            workspace: size_of::<Workspace<L>>(),
            momentum: size_of::<Momentum<L>>(),
            adam: size_of::<Adam<L>>(),
            input: size_of::<L::Input>(),
            output: size_of::<L::Output>(),
            infer_scratch: 2 * L::LARGEST * size_of::<f32>(),
        }
    }

    /// RAM for per-sample training with plain SGD (params + step workspace), excluding
    /// stack frames.
    pub const fn train_sgd(&self) -> usize {
        self.params.saturating_add(self.step_workspace)
    }

    /// RAM for per-sample training with Adam (params + step workspace + Adam state),
    /// excluding stack frames.
    pub const fn train_adam(&self) -> usize {
        self.params
            .saturating_add(self.step_workspace)
            .saturating_add(self.adam)
    }

    /// RAM for mini-batch training with Adam (params + workspace + Adam state), excluding
    /// stack frames.
    pub const fn train_adam_batch(&self) -> usize {
        self.params
            .saturating_add(self.workspace)
            .saturating_add(self.adam)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dense, Relu, chain};

    #[test]
    fn the_inference_scratch_is_two_of_the_largest_tensor() {
        type Net = chain![Dense<3, 32>, Relu<32>, Dense<32, 2>];
        let f = Footprint::of::<Net>();
        assert_eq!(<Net as Layer>::LARGEST, 32);
        assert_eq!(f.infer_scratch, 2 * 32 * 4);
        assert_eq!(f.params, (3 * 32 + 32 + 32 * 2 + 2) * 4);
    }
}
