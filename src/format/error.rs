//! Why a weight image could not be saved or loaded.

use core::fmt;

/// Why [`load`](super::load) refused a weight image. In every case the target model is
/// unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum LoadError {
    /// The image does not start with [`MAGIC`](super::MAGIC): it is not a stacknet image.
    BadMagic,
    /// The image has a format version this build cannot read.
    UnsupportedVersion {
        /// The version stored in the image.
        found: u32,
    },
    /// The image is shorter or longer than its header says (truncated, or trailing bytes),
    /// or too short to hold a header at all.
    WrongLength {
        /// The length the header (or, without a header, the target model) calls for.
        expected: usize,
        /// The length of the slice given.
        found: usize,
    },
    /// The stored CRC-32 differs from the one computed over the image: it was corrupted.
    Checksum {
        /// The CRC-32 stored in the last four bytes.
        stored: u32,
        /// The CRC-32 of everything before them.
        computed: u32,
    },
    /// The image holds weights for another architecture (layer kinds or sizes differ).
    ShapeMismatch {
        /// The signature of the target model type ([`Layer::SIGNATURE`](crate::Layer::SIGNATURE)).
        expected: u64,
        /// The signature stored in the image.
        found: u64,
    },
    /// A stored parameter is NaN or infinite.
    NonFinite {
        /// Index of the parameter in the payload (0-based, in `param_block` order).
        index: usize,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::BadMagic => f.write_str("not a stacknet weight image (bad magic)"),
            Self::UnsupportedVersion { found } => {
                write!(f, "unsupported weight format version {found}")
            }
            Self::WrongLength { expected, found } => {
                write!(f, "weight image is {found} bytes, expected {expected}")
            }
            Self::Checksum { stored, computed } => write!(
                f,
                "weight image checksum mismatch (stored {stored:#010x}, computed {computed:#010x})"
            ),
            Self::ShapeMismatch { expected, found } => write!(
                f,
                "weights are for another architecture (signature {found:#018x}, model has {expected:#018x})"
            ),
            Self::NonFinite { index } => write!(f, "parameter {index} is NaN or infinite"),
        }
    }
}

impl core::error::Error for LoadError {}

/// Why [`save`](super::save) wrote nothing usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum SaveError {
    /// The output buffer is shorter than [`encoded_len`](super::encoded_len).
    BufferTooSmall {
        /// Bytes the image needs.
        needed: usize,
        /// Bytes the buffer has.
        got: usize,
    },
    /// A parameter is NaN or infinite; such a model would be refused on load.
    NonFinite {
        /// Index of the parameter (0-based, in `param_block` order).
        index: usize,
    },
    /// The model cannot be described in this format: more than `u32::MAX` parameters, or a
    /// `Layer` implementation whose parameter blocks do not add up to `PARAMS`.
    Unrepresentable,
}

impl fmt::Display for SaveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::BufferTooSmall { needed, got } => {
                write!(
                    f,
                    "buffer holds {got} bytes, the weight image needs {needed}"
                )
            }
            Self::NonFinite { index } => write!(f, "parameter {index} is NaN or infinite"),
            Self::Unrepresentable => {
                f.write_str("model parameters cannot be described in the weight format")
            }
        }
    }
}

impl core::error::Error for SaveError {}
