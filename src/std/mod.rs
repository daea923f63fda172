//! Host-only conveniences (feature `std`): nothing here is needed on a microcontroller.

pub mod codegen;
pub mod dataset;
pub mod diverge;
pub mod fit;
#[cfg(feature = "plot")]
#[cfg_attr(docsrs, doc(cfg(feature = "plot")))]
pub mod plot;
pub mod predict;
#[cfg(feature = "progress")]
#[cfg_attr(docsrs, doc(cfg(feature = "progress")))]
pub mod progress;
pub mod quantize;
pub mod quantize_codegen;
pub mod quantize_format;
pub mod quantized_model;
pub mod tflite;
