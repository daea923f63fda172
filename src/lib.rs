#![doc = include_str!("../README.md")]
// Unconditionally no_std unless the host-only `std` feature is on. With std linked the crate
// still calls math only through `math::` free functions, so results do not drift.
#![cfg_attr(not(feature = "std"), no_std)]
// `deny`, not `forbid`: `math::vsqrt` (Arm FPU square root, issue 16) is the one documented
// exception, allowed locally; nothing else may use `unsafe`.
#![deny(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc(test(attr(deny(warnings))))]

pub mod batch;
pub mod clip;
pub mod error;
pub mod footprint;
pub mod format;
pub mod grad;
pub mod history;
pub mod init;
pub mod layer;
pub mod layers;
pub mod loss;
pub mod math;
pub mod optim;
pub mod params;
pub mod quant;
pub mod replay;
pub mod schedule;
pub mod train;
pub mod zero;

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub mod std;

pub use batch::BatchWorkspace;
pub use error::{ConfigError, TrainError};
pub use footprint::Footprint;
pub use init::{Init, rng};
pub use layer::{Layer, Split};
pub use layers::{
    Act, AvgPool2d, BiasOnly, Conv2d, Dense, Flatten, Frozen, Identity, LeakyRelu, MaxPool2d, Relu,
    Relu3, Sigmoid, Softmax, Standardize, StandardizeChannels, Tanh, Unflatten,
};
pub use layers::{Conv1d, Gru, Lstm};
pub use params::Params;
pub use train::{StepWorkspace, Workspace};
pub use zero::{Tensor, Zero};
