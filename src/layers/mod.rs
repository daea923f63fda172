//! The layers: one file per kind.

pub mod activation;
pub mod conv;
pub mod dense;
pub mod flatten;
pub mod frozen;
pub mod pool;
pub mod softmax;
pub mod standardize;

pub use activation::{Act, Identity, LeakyRelu, Relu, Sigmoid, Tanh};
pub use conv::{Conv2d, Map, Relu3};
pub use dense::Dense;
pub use flatten::{Flatten, Unflatten};
pub use frozen::{BiasOnly, Biased, Frozen};
pub use pool::{ArgMax, AvgPool2d, MaxPool2d};
pub use softmax::Softmax;
pub use standardize::{Standardize, StandardizeChannels, StandardizeError};

/// Kind tags for shape signatures. Never reuse or renumber: saved weights depend on them.
pub(crate) mod kind {
    pub const DENSE: u32 = 1;
    pub const SIGMOID: u32 = 2;
    pub const TANH: u32 = 3;
    pub const RELU: u32 = 4;
    pub const LEAKY_RELU: u32 = 5;
    pub const IDENTITY: u32 = 6;
    pub const SOFTMAX: u32 = 7;
    pub const STANDARDIZE: u32 = 8;
    pub const CONV2D: u32 = 20;
    pub const MAX_POOL2D: u32 = 21;
    pub const AVG_POOL2D: u32 = 22;
    pub const FLATTEN: u32 = 23;
    pub const UNFLATTEN: u32 = 24;
    pub const STANDARDIZE_CHANNELS: u32 = 25;
}
