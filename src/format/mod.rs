//! A versioned, checksummed binary format for model weights, readable and writable
//! without a heap (`no_std`). The full specification is in `docs/FORMAT.md`.
//!
//! An image is a 20-byte header, the parameters as little-endian `f32`, and a CRC-32:
//!
//! | offset    | size | field                                                        |
//! |-----------|------|--------------------------------------------------------------|
//! | 0         | 4    | magic `b"SNET"`                                              |
//! | 4         | 4    | format version, `u32` LE ([`VERSION`] = 1)                   |
//! | 8         | 8    | shape signature, `u64` LE ([`Layer::SIGNATURE`])             |
//! | 16        | 4    | parameter count `n`, `u32` LE ([`Layer::PARAMS`])            |
//! | 20        | 4·n  | parameters, `f32` LE, blocks in [`Layer::param_block`] order |
//! | 20 + 4·n  | 4    | CRC-32 (IEEE, as zlib) of bytes `0 .. 20 + 4·n`, `u32` LE    |
//!
//! The signature hashes every layer's kind and sizes, so weights for a 2-4-1 network are
//! refused by a 2-5-1 network with [`LoadError::ShapeMismatch`] instead of being loaded
//! into the wrong places.
//!
//! ```
//! use stacknet::{chain, format, Dense, Init, Layer, Sigmoid, Zero};
//! type Xor = chain![Dense<2, 4>, Sigmoid<4>, Dense<4, 1>, Sigmoid<1>];
//!
//! let mut trained = Xor::ZERO;
//! trained.init(Init::XavierUniform, &mut stacknet::rng(7));
//!
//! // The size is a compile-time constant: no heap needed.
//! let mut buf = [0u8; format::encoded_len::<Xor>()];
//! let n = format::save(&trained, &mut buf)?;
//! assert_eq!(n, 24 + 17 * 4);
//!
//! let mut model = Xor::ZERO;
//! format::load(&mut model, &buf)?;
//! assert_eq!(model, trained);
//!
//! // One flipped bit is caught, and the model is left as it was.
//! buf[30] ^= 0x10;
//! assert!(matches!(format::load(&mut model, &buf), Err(format::LoadError::Checksum { .. })));
//! assert_eq!(model, trained);
//!
//! // Weights for another architecture are refused.
//! type Wider = chain![Dense<2, 5>, Sigmoid<5>, Dense<5, 1>, Sigmoid<1>];
//! buf[30] ^= 0x10;
//! let mut wider = Wider::ZERO;
//! assert!(matches!(format::load(&mut wider, &buf), Err(format::LoadError::ShapeMismatch { .. })));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! In firmware, the image can be linked into flash with `include_bytes!` and loaded at
//! start-up (`examples/flash_model.rs`); to keep the parameters out of RAM entirely,
//! generate a `static` initializer instead (`stacknet::std::codegen`, feature `std`).

mod crc32;
mod error;

pub use crc32::{Crc32, crc32};
pub use error::{LoadError, SaveError};

use crate::layer::Layer;

/// The first four bytes of every image.
pub const MAGIC: [u8; 4] = *b"SNET";
/// The format version this build writes and reads.
pub const VERSION: u32 = 1;
/// Bytes before the parameters: magic, version, signature, parameter count.
pub const HEADER_LEN: usize = 20;
/// Bytes after the parameters: the CRC-32.
pub const CRC_LEN: usize = 4;

/// Size in bytes of the image of a model of type `L`: `24 + 4 · L::PARAMS`.
///
/// A `const fn`, so it can size a buffer: `[0u8; format::encoded_len::<Net>()]`.
pub const fn encoded_len<L: Layer>() -> usize {
    HEADER_LEN + 4 * L::PARAMS + CRC_LEN
}

/// The fixed-size fields at the start of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Format version.
    pub version: u32,
    /// Shape signature of the model type the weights belong to.
    pub signature: u64,
    /// Number of `f32` parameters in the payload.
    pub params: u32,
}

impl Header {
    /// Reads the header at the start of `bytes`, which may be longer than the image (an
    /// image in a flash partition followed by erased bytes, for example). Checks the magic
    /// and the version only; use [`verify`] for the length and checksum.
    ///
    /// # Errors
    /// [`LoadError::BadMagic`], [`LoadError::UnsupportedVersion`], or
    /// [`LoadError::WrongLength`] when `bytes` is shorter than a header.
    pub fn read(bytes: &[u8]) -> Result<Self, LoadError> {
        if let Some(magic) = bytes.first_chunk::<4>()
            && *magic != MAGIC
        {
            return Err(LoadError::BadMagic);
        }
        if let Some(&[_, _, _, _, a, b, c, d]) = bytes.first_chunk::<8>() {
            let version = u32::from_le_bytes([a, b, c, d]);
            if version != VERSION {
                return Err(LoadError::UnsupportedVersion { found: version });
            }
        }
        let Some(head) = bytes.first_chunk::<HEADER_LEN>() else {
            return Err(LoadError::WrongLength {
                expected: HEADER_LEN + CRC_LEN,
                found: bytes.len(),
            });
        };
        let [
            _,
            _,
            _,
            _,
            v0,
            v1,
            v2,
            v3,
            s0,
            s1,
            s2,
            s3,
            s4,
            s5,
            s6,
            s7,
            p0,
            p1,
            p2,
            p3,
        ] = *head;
        Ok(Self {
            version: u32::from_le_bytes([v0, v1, v2, v3]),
            signature: u64::from_le_bytes([s0, s1, s2, s3, s4, s5, s6, s7]),
            params: u32::from_le_bytes([p0, p1, p2, p3]),
        })
    }

    /// Total image length this header describes, or `None` if it does not fit in `usize`.
    pub fn image_len(&self) -> Option<usize> {
        usize::try_from(self.params)
            .ok()?
            .checked_mul(4)?
            .checked_add(HEADER_LEN + CRC_LEN)
    }
}

/// Checks that `bytes` is exactly one intact image of any model: magic, version, length
/// and checksum. Returns its header.
///
/// # Errors
/// Every [`LoadError`] except `ShapeMismatch` and `NonFinite`, which need a target model.
pub fn verify(bytes: &[u8]) -> Result<Header, LoadError> {
    let header = Header::read(bytes)?;
    let expected = header.image_len().unwrap_or(usize::MAX);
    if bytes.len() != expected {
        return Err(LoadError::WrongLength {
            expected,
            found: bytes.len(),
        });
    }
    let Some((body, stored)) = bytes.split_last_chunk::<CRC_LEN>() else {
        return Err(LoadError::WrongLength {
            expected,
            found: bytes.len(),
        });
    };
    let stored = u32::from_le_bytes(*stored);
    let computed = crc32(body);
    if stored != computed {
        return Err(LoadError::Checksum { stored, computed });
    }
    Ok(header)
}

/// Sum of the model's parameter block lengths, which a correct `Layer` makes `PARAMS`.
fn block_total<L: Layer>(model: &L) -> usize {
    // Saturating, not `sum()`: its overflow check stays at opt-level `s`; a saturated total
    // differs from `PARAMS` (which fits in memory) just as the true one would.
    (0..L::PARAM_BLOCKS).fold(0usize, |n, i| n.saturating_add(model.param_block(i).len()))
}

/// Writes the image of `model` into the start of `out` and returns its length,
/// [`encoded_len::<L>()`](encoded_len). Bytes of `out` past that are not touched.
///
/// # Errors
/// - [`SaveError::BufferTooSmall`] if `out` is shorter than `encoded_len::<L>()`;
/// - [`SaveError::NonFinite`] if a parameter is NaN or infinite;
/// - [`SaveError::Unrepresentable`] for more than `u32::MAX` parameters.
///
/// On error `out` is unchanged.
pub fn save<L: Layer>(model: &L, out: &mut [u8]) -> Result<usize, SaveError> {
    let params = u32::try_from(L::PARAMS).map_err(|_| SaveError::Unrepresentable)?;
    if block_total(model) != L::PARAMS {
        return Err(SaveError::Unrepresentable);
    }
    let needed = encoded_len::<L>();
    let got = out.len();
    let Some(image) = out.get_mut(..needed) else {
        return Err(SaveError::BufferTooSmall { needed, got });
    };
    let values = (0..L::PARAM_BLOCKS).flat_map(|i| model.param_block(i).iter().copied());
    // `zip(0..PARAMS)`, not `position()`: no counter to overflow (`block_total` above made
    // the values exactly `PARAMS` many).
    let bad = (0..L::PARAMS)
        .zip(values.clone())
        .find(|(_, v)| !v.is_finite());
    if let Some((index, _)) = bad {
        return Err(SaveError::NonFinite { index });
    }

    let (head, rest) = image.split_at_mut(HEADER_LEN);
    let (payload, crc) = rest.split_at_mut(rest.len() - CRC_LEN);
    head[0..4].copy_from_slice(&MAGIC);
    head[4..8].copy_from_slice(&VERSION.to_le_bytes());
    head[8..16].copy_from_slice(&L::SIGNATURE.to_le_bytes());
    head[16..20].copy_from_slice(&params.to_le_bytes());
    let (words, _) = payload.as_chunks_mut::<4>();
    for (word, v) in words.iter_mut().zip(values) {
        *word = v.to_le_bytes();
    }
    let mut sum = Crc32::new();
    sum.update(head);
    sum.update(payload);
    crc.copy_from_slice(&sum.finish().to_le_bytes());
    Ok(needed)
}

/// Loads the image in `bytes` into `model`, replacing all its parameters.
///
/// Everything is checked before the first parameter is written, so on any error `model`
/// is unchanged. Never panics, whatever `bytes` holds. `bytes` must be exactly one image;
/// to load from a larger region, cut it to [`Header::image_len`] first.
///
/// # Errors
/// In the order they are checked: [`LoadError::BadMagic`],
/// [`LoadError::UnsupportedVersion`], [`LoadError::WrongLength`], [`LoadError::Checksum`],
/// [`LoadError::ShapeMismatch`] (signature or parameter count differ from `L`'s), and
/// [`LoadError::NonFinite`].
pub fn load<L: Layer>(model: &mut L, bytes: &[u8]) -> Result<(), LoadError> {
    let header = verify(bytes)?;
    let mismatch = LoadError::ShapeMismatch {
        expected: L::SIGNATURE,
        found: header.signature,
    };
    if header.signature != L::SIGNATURE
        || usize::try_from(header.params) != Ok(L::PARAMS)
        || block_total(model) != L::PARAMS
    {
        return Err(mismatch);
    }
    let payload = bytes
        .get(HEADER_LEN..bytes.len().saturating_sub(CRC_LEN))
        .ok_or(mismatch)?;
    let (words, _) = payload.as_chunks::<4>();
    if let Some(index) = words
        .iter()
        .position(|w| !f32::from_le_bytes(*w).is_finite())
    {
        return Err(LoadError::NonFinite { index });
    }
    // Validated: from here on nothing can fail.
    let mut words = words.iter();
    for i in 0..L::PARAM_BLOCKS {
        for (p, w) in model.param_block_mut(i).iter_mut().zip(words.by_ref()) {
            *p = f32::from_le_bytes(*w);
        }
    }
    Ok(())
}

/// A new model of type `L` with the parameters from `bytes`. Like [`load`] into
/// `L::ZERO`; the model is built on the stack.
///
/// # Errors
/// As [`load`].
pub fn from_bytes<L: Layer + crate::Zero>(bytes: &[u8]) -> Result<L, LoadError> {
    let mut model = L::ZERO;
    load(&mut model, bytes)?;
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dense, Init, Sigmoid, Zero, chain};

    type Xor = chain![Dense<2, 4>, Sigmoid<4>, Dense<4, 1>, Sigmoid<1>];

    fn trained() -> Xor {
        let mut m = Xor::ZERO;
        m.init(Init::XavierUniform, &mut crate::rng(5));
        m.1.1.0.bias = [0.25];
        m
    }

    #[test]
    fn layout_matches_the_spec() {
        let m = trained();
        let mut buf = [0xAAu8; 100];
        let n = save(&m, &mut buf).unwrap();
        assert_eq!(n, 24 + 17 * 4);
        assert_eq!(&buf[0..4], b"SNET");
        assert_eq!(buf[4..8], 1u32.to_le_bytes());
        assert_eq!(buf[8..16], Xor::SIGNATURE.to_le_bytes());
        assert_eq!(buf[16..20], 17u32.to_le_bytes());
        assert_eq!(buf[20..24], m.0.weights[0][0].to_le_bytes());
        // The last parameter is the output bias.
        assert_eq!(buf[84..88], 0.25f32.to_le_bytes());
        assert_eq!(buf[88..92], crc32(&buf[..88]).to_le_bytes());
        assert!(buf[92..].iter().all(|&b| b == 0xAA), "wrote past the image");
    }

    #[test]
    fn small_buffer_and_nan_are_refused_without_writing() {
        let mut m = trained();
        let mut buf = [7u8; 91];
        assert_eq!(
            save(&m, &mut buf),
            Err(SaveError::BufferTooSmall {
                needed: 92,
                got: 91
            })
        );
        m.0.bias[1] = f32::NAN;
        let mut buf = [7u8; 92];
        assert_eq!(save(&m, &mut buf), Err(SaveError::NonFinite { index: 9 }));
        assert!(buf.iter().all(|&b| b == 7));
    }

    #[test]
    fn header_read_tolerates_trailing_bytes() {
        let mut buf = [0xFFu8; 128];
        save(&trained(), &mut buf).unwrap();
        let h = Header::read(&buf).unwrap();
        assert_eq!(h.params, 17);
        assert_eq!(h.image_len(), Some(92));
        let mut m = Xor::ZERO;
        assert!(matches!(
            load(&mut m, &buf),
            Err(LoadError::WrongLength {
                expected: 92,
                found: 128
            })
        ));
        assert_eq!(from_bytes::<Xor>(&buf[..92]).unwrap(), trained());
    }
}
