#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc(test(attr(deny(warnings))))]

#[cfg(feature = "std")]
extern crate std;

pub mod error;
pub mod footprint;
pub mod init;
pub mod layer;
pub mod layers;
pub mod loss;
pub mod math;
pub mod optim;
pub mod train;
pub mod zero;

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub mod std;

pub use error::{ConfigError, TrainError};
pub use footprint::Footprint;
pub use init::{Init, rng};
pub use layer::Layer;
pub use layers::{Act, Dense, Identity, LeakyRelu, Relu, Sigmoid, Softmax, Tanh};
pub use train::Workspace;
pub use zero::{Tensor, Zero};
