#![doc = include_str!("../README.md")]
// Unconditionally no_std unless the host-only `std` feature is on. With std linked the crate
// still calls math only through `math::` free functions, so results do not drift.
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc(test(attr(deny(warnings))))]

pub mod clip;
pub mod error;
pub mod footprint;
pub mod format;
pub mod history;
pub mod init;
pub mod layer;
pub mod layers;
pub mod loss;
pub mod math;
pub mod optim;
pub mod quant;
pub mod replay;
pub mod train;
pub mod zero;

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub mod std;

pub use error::{ConfigError, TrainError};
pub use footprint::Footprint;
pub use init::{Init, rng};
pub use layer::Layer;
pub use layers::{
    Act, AvgPool2d, Conv2d, Dense, Flatten, Identity, LeakyRelu, MaxPool2d, Relu, Relu3, Sigmoid,
    Softmax, Tanh, Unflatten,
};
pub use train::Workspace;
pub use zero::{Tensor, Zero};
