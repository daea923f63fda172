//! The layers: one file per kind.

pub mod activation;
pub mod conv;
pub mod conv1d;
pub mod dense;
pub mod flatten;
pub mod frozen;
pub mod gru;
pub mod lstm;
pub mod pool;
pub mod pool1d;
pub mod recurrent;
pub mod softmax;
pub mod standardize;
pub mod transpose;

pub use activation::{Act, Identity, LeakyRelu, Relu, Sigmoid, Tanh};
pub use conv::{Conv2d, Map, Relu3};
pub use conv1d::{Conv1d, Relu2, Series};
pub use dense::Dense;
pub use flatten::{Flatten, Unflatten};
pub use frozen::{BiasOnly, Biased, Frozen};
pub use gru::{Gru, GruCache};
pub use lstm::{Lstm, LstmCache};
pub use pool::{ArgMax, AvgPool2d, MaxPool2d};
pub use pool1d::{ArgMax1d, AvgPool1d, GlobalAvgPool1d, MaxPool1d};
pub use recurrent::{Last, Readout, Sequence};
pub use softmax::Softmax;
pub use standardize::{Standardize, StandardizeChannels, StandardizeError};
pub use transpose::{Transpose, UnflattenSeries};

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
    // Sequence layers (issue 18).
    pub const CONV1D: u32 = 30;
    pub const MAX_POOL1D: u32 = 31;
    pub const AVG_POOL1D: u32 = 32;
    pub const GLOBAL_AVG_POOL1D: u32 = 33;
    pub const GRU: u32 = 34;
    pub const LSTM: u32 = 35;
    pub const TRANSPOSE: u32 = 36;
    pub const UNFLATTEN_SERIES: u32 = 37;
}
