//! `TfliteError`: why a `.tflite` file could not be imported.

use std::string::String;

/// Why a `.tflite` file was refused. Every variant names what and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TfliteError {
    /// The bytes are not a well-formed TFLite flatbuffer: a truncated file or an offset
    /// out of range. `what` is the field being read, `offset` the byte position.
    Malformed {
        /// The field or table being read.
        what: String,
        /// Byte offset in the file.
        offset: usize,
    },
    /// An operator stacknet has no int8 kernel for.
    UnsupportedOp {
        /// Index of the operator in the subgraph.
        index: usize,
        /// Its name (`DEPTHWISE_CONV_2D`, or `builtin 123`, or a custom op's name).
        op: String,
    },
    /// Keras' `Flatten` converted with an unknown batch size (`SHAPE`, `STRIDED_SLICE`,
    /// `PACK`, `RESHAPE`).
    DynamicFlatten {
        /// Index of the first operator of the pattern.
        index: usize,
    },
    /// A supported operator used in a way stacknet does not support (a per-tensor
    /// quantized conv, a float tensor inside the model, dilation, …).
    Unsupported {
        /// Index of the operator (or `usize::MAX` for the model as a whole).
        index: usize,
        /// Its name.
        op: String,
        /// What is not supported.
        reason: String,
    },
}

impl core::fmt::Display for TfliteError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Malformed { what, offset } => write!(
                f,
                "not a valid .tflite file: {what} at byte {offset} is out of range (truncated or corrupt)"
            ),
            Self::UnsupportedOp { index, op } => write!(
                f,
                "operator {index} is {op}, which stacknet's int8 import does not support \
                 (supported: FULLY_CONNECTED, CONV_2D, MAX_POOL_2D, AVERAGE_POOL_2D, RESHAPE, \
                 QUANTIZE/DEQUANTIZE at the ends, fused RELU/RELU6)"
            ),
            Self::DynamicFlatten { index } => write!(
                f,
                "operators from {index} on are SHAPE, STRIDED_SLICE, PACK, RESHAPE: a Flatten \
                 converted with an unknown batch size. Convert with a fixed batch size of 1, \
                 e.g. build the Keras model on `keras.Input(shape=..., batch_size=1)` (or \
                 `tf.function` with `input_signature=[tf.TensorSpec([1, ...])]`), so Flatten \
                 becomes a single RESHAPE"
            ),
            Self::Unsupported { index, op, reason } => {
                if *index == usize::MAX {
                    write!(f, "model: {reason}")
                } else {
                    write!(f, "operator {index} ({op}): {reason}")
                }
            }
        }
    }
}

impl std::error::Error for TfliteError {}
