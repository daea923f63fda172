//! Compile-time memory figures for a model type.

use crate::layer::Layer;
use crate::optim::{Adam, Momentum};
use crate::train::Workspace;
use core::mem::size_of;

/// Bytes a model of type `L` needs, all known at compile time.
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
    /// Number of trainable parameters.
    pub param_count: usize,
    /// Bytes of parameters (the model value itself; flash if it is a `static`).
    pub params: usize,
    /// Bytes of the gradient buffer (same as `params`).
    pub grads: usize,
    /// Bytes of the per-sample forward cache used in training.
    pub cache: usize,
    /// Bytes of a whole training [`Workspace`] (cache + grads + a counter).
    pub workspace: usize,
    /// Bytes of SGD-with-momentum state.
    pub momentum: usize,
    /// Bytes of Adam state (two moment buffers + counters).
    pub adam: usize,
    /// Bytes of the model's input.
    pub input: usize,
    /// Bytes of the model's output.
    pub output: usize,
}

impl Footprint {
    /// The figures for model type `L`.
    pub const fn of<L: Layer>() -> Self {
        Self {
            param_count: L::PARAMS,
            params: size_of::<L>(),
            grads: size_of::<L>(),
            cache: size_of::<L::Cache>(),
            workspace: size_of::<Workspace<L>>(),
            momentum: size_of::<Momentum<L>>(),
            adam: size_of::<Adam<L>>(),
            input: size_of::<L::Input>(),
            output: size_of::<L::Output>(),
        }
    }

    /// RAM for training with plain SGD (params + workspace), excluding stack frames.
    pub const fn train_sgd(&self) -> usize {
        self.params + self.workspace
    }

    /// RAM for training with Adam (params + workspace + Adam state), excluding stack frames.
    pub const fn train_adam(&self) -> usize {
        self.params + self.workspace + self.adam
    }
}
