//! The layers: one file per kind.

pub mod activation;
pub mod dense;
pub mod softmax;

pub use activation::{Act, Identity, LeakyRelu, Relu, Sigmoid, Tanh};
pub use dense::Dense;
pub use softmax::Softmax;

/// Kind tags for shape signatures. Never reuse or renumber: saved weights depend on them.
pub(crate) mod kind {
    pub const DENSE: u32 = 1;
    pub const SIGMOID: u32 = 2;
    pub const TANH: u32 = 3;
    pub const RELU: u32 = 4;
    pub const LEAKY_RELU: u32 = 5;
    pub const IDENTITY: u32 = 6;
    pub const SOFTMAX: u32 = 7;
}
