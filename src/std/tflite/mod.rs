//! `.tflite` import (feature `std`): reads a fully-int8 TensorFlow Lite model with a
//! hand-written, bounds-checked FlatBuffers reader (no dependency) and turns it into a
//! [`QModelSpec`](crate::std::quantized_model::QModelSpec), from which
//! [`rust_source`](crate::std::quantized_model::QModelSpec::rust_source) generates a
//! typed `static` for the firmware and [`build`](crate::std::quantized_model::QModelSpec::build)
//! makes the typed model on the host. Outputs are bit-exact with TFLite's interpreter
//! (`tests/int8_tflite.rs` checks the committed fixtures).
//!
//! Layouts: TFLite stores maps as `H×W×C` and conv kernels as `[out][ky][kx][in]`;
//! stacknet uses `C×H×W` and `[out][in][ky][kx]`. The importer transposes the kernels and,
//! after a `Flatten` of a multi-channel map, reorders the next dense layer's columns, so
//! no data moves at run time. A model whose input is a map with C > 1 channels takes its
//! input as `C×H×W` (transpose the image once on the way in).

mod error;
mod flatbuffer;
mod import;
mod schema;

pub use error::TfliteError;
pub use import::{Quantization, import, io_quantization};
