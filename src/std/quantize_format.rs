//! The weight file for quantized models: a kind of its own next to the float format
//! ([`crate::format`], magic `SNET`), so float files keep loading as before and neither
//! reader mistakes the other's files.
//!
//! | offset | size | field                                                    |
//! |--------|------|----------------------------------------------------------|
//! | 0      | 4    | magic `b"SNQ8"`                                          |
//! | 4      | 4    | format version, `u32` LE ([`QVERSION`] = 1)              |
//! | 8      | 4    | number of layers, `u32` LE                               |
//! | 12     | 4    | length `n` of the layer records in bytes, `u32` LE       |
//! | 16     | n    | layer records (below)                                    |
//! | 16 + n | 4    | CRC-32 (IEEE, as zlib) of bytes `0 .. 16 + n`, `u32` LE  |
//!
//! A layer record is a tag byte and its fields, all little-endian: sizes `u32`, zero
//! points and biases `i32`, scales `f32`, weights `i8`, requantization as all multipliers
//! (`i32`) then all shifts (`i8`), clamp bounds `i8`:
//! `1` Quantize / `2` Dequantize: len, scale, zero point;
//! `3` Dense: inputs, outputs, number of requantization factors (outputs, or 1 for
//! per-tensor weights), input zp, output zp, min, max, weights, bias, requant;
//! `4` Conv2d: c_in, c_out, k, h, w, oh, ow, stride, pad, then as Dense from input zp
//! (one factor per output channel);
//! `5` Pool2d: average (`u8` 0/1), c, h, w, oh, ow, k, stride, min, max;
//! `6` Flatten / `7` Unflatten: c, h, w.
//!
//! ```
//! use stacknet::std::quantized_model::{QLayerSpec, QModelSpec};
//! let spec = QModelSpec { layers: vec![QLayerSpec::Flatten { c: 2, h: 3, w: 4 }] };
//! let bytes = spec.to_bytes();
//! assert_eq!(QModelSpec::from_bytes(&bytes)?, spec);
//! let mut bad = bytes.clone();
//! bad[17] ^= 1;
//! assert!(QModelSpec::from_bytes(&bad).is_err());
//! # Ok::<(), stacknet::std::quantize_format::QFormatError>(())
//! ```

use crate::format::crc32;
use crate::quant::{OutputStage, Requant};
use crate::std::quantized_model::{QLayerSpec, QModelSpec};
use std::string::String;
use std::vec::Vec;

/// The first four bytes of every quantized-model file.
pub const QMAGIC: [u8; 4] = *b"SNQ8";
/// The version this build writes and reads.
pub const QVERSION: u32 = 1;
/// Largest size field accepted (any one dimension), so a corrupt file cannot ask for a
/// huge allocation.
const MAX_DIM: u32 = 1 << 20;

/// Why bytes were refused as a quantized model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QFormatError {
    /// The file does not start with `SNQ8`.
    BadMagic,
    /// A version this build cannot read.
    UnsupportedVersion(u32),
    /// The file ends before `offset` + the field being read.
    Truncated {
        /// Byte offset of the field.
        offset: usize,
    },
    /// The CRC-32 does not match: the bytes were corrupted.
    Checksum {
        /// The CRC stored in the file.
        stored: u32,
        /// The CRC of the bytes read.
        computed: u32,
    },
    /// Bytes follow the checksum: not one whole file (two concatenated, or garbage).
    Trailing {
        /// How many.
        bytes: usize,
    },
    /// A record is well-formed but its values are not a valid layer.
    Invalid {
        /// Index of the layer.
        layer: usize,
        /// What is wrong.
        reason: String,
    },
}

impl core::fmt::Display for QFormatError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::BadMagic => write!(f, "not a stacknet quantized model (magic is not SNQ8)"),
            Self::UnsupportedVersion(v) => {
                write!(
                    f,
                    "quantized model format version {v}, this build reads {QVERSION}"
                )
            }
            Self::Truncated { offset } => write!(f, "file truncated at byte {offset}"),
            Self::Checksum { stored, computed } => write!(
                f,
                "checksum mismatch (stored {stored:#010x}, computed {computed:#010x}): corrupted"
            ),
            Self::Trailing { bytes } => write!(f, "{bytes} unexpected bytes after the checksum"),
            Self::Invalid { layer, reason } => write!(f, "layer {layer}: {reason}"),
        }
    }
}

impl std::error::Error for QFormatError {}

struct Writer(Vec<u8>);

impl Writer {
    fn u32(&mut self, v: usize) {
        self.0.extend_from_slice(&(v as u32).to_le_bytes());
    }
    fn i32(&mut self, v: i32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i8(&mut self, v: i8) {
        self.0.push(v as u8);
    }
    fn params(&mut self, zp: i32, out: OutputStage, w: &[i8], b: &[i32], r: &[Requant]) {
        self.i32(zp);
        self.i32(out.zero_point);
        self.i8(out.min);
        self.i8(out.max);
        w.iter().for_each(|&v| self.i8(v));
        b.iter().for_each(|&v| self.i32(v));
        r.iter().for_each(|v| self.i32(v.multiplier));
        r.iter().for_each(|v| self.i8(v.clamped_shift()));
    }
}

impl QModelSpec {
    /// The model as a `SNQ8` file.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer(Vec::new());
        for layer in &self.layers {
            match layer {
                QLayerSpec::Quantize {
                    len,
                    scale,
                    zero_point,
                }
                | QLayerSpec::Dequantize {
                    len,
                    scale,
                    zero_point,
                } => {
                    w.0.push(if matches!(layer, QLayerSpec::Quantize { .. }) {
                        1
                    } else {
                        2
                    });
                    w.u32(*len);
                    w.0.extend_from_slice(&scale.to_le_bytes());
                    w.i32(*zero_point);
                }
                QLayerSpec::Dense {
                    inputs,
                    outputs,
                    weights,
                    bias,
                    requant,
                    input_zero_point,
                    output,
                } => {
                    w.0.push(3);
                    w.u32(*inputs);
                    w.u32(*outputs);
                    w.u32(requant.len());
                    w.params(*input_zero_point, *output, weights, bias, requant);
                }
                QLayerSpec::Conv2d {
                    c_in,
                    c_out,
                    k,
                    h,
                    w: width,
                    oh,
                    ow,
                    stride,
                    pad,
                    weights,
                    bias,
                    requant,
                    input_zero_point,
                    output,
                } => {
                    w.0.push(4);
                    for v in [c_in, c_out, k, h, width, oh, ow, stride, pad] {
                        w.u32(*v);
                    }
                    w.params(*input_zero_point, *output, weights, bias, requant);
                }
                QLayerSpec::Pool2d {
                    average,
                    c,
                    h,
                    w: width,
                    oh,
                    ow,
                    k,
                    stride,
                    min,
                    max,
                } => {
                    w.0.push(5);
                    w.0.push(u8::from(*average));
                    for v in [c, h, width, oh, ow, k, stride] {
                        w.u32(*v);
                    }
                    w.i8(*min);
                    w.i8(*max);
                }
                QLayerSpec::Flatten { c, h, w: width }
                | QLayerSpec::Unflatten { c, h, w: width } => {
                    w.0.push(if matches!(layer, QLayerSpec::Flatten { .. }) {
                        6
                    } else {
                        7
                    });
                    for v in [c, h, width] {
                        w.u32(*v);
                    }
                }
            }
        }
        let body = w.0;
        let mut out = Vec::with_capacity(body.len() + 20);
        out.extend_from_slice(&QMAGIC);
        out.extend_from_slice(&QVERSION.to_le_bytes());
        out.extend_from_slice(&(self.layers.len() as u32).to_le_bytes());
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(&body);
        let crc = crc32(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// Reads a `SNQ8` file, checking magic, version, length, checksum and every layer's
    /// values. Nothing is returned unless all of it is valid.
    ///
    /// # Errors
    /// A [`QFormatError`] saying what is wrong and where.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, QFormatError> {
        if bytes.len() < 4 {
            return Err(QFormatError::Truncated {
                offset: bytes.len(),
            });
        }
        if bytes[..4] != QMAGIC {
            return Err(QFormatError::BadMagic);
        }
        let mut r = Reader { bytes, pos: 4 };
        let version = r.u32()?;
        if version != QVERSION {
            return Err(QFormatError::UnsupportedVersion(version));
        }
        let count = r.u32()? as usize;
        let len = r.u32()? as usize;
        let end = 16usize
            .checked_add(len)
            .filter(|e| e.checked_add(4).is_some_and(|t| t <= bytes.len()))
            .ok_or(QFormatError::Truncated {
                offset: bytes.len(),
            })?;
        if end + 4 != bytes.len() {
            return Err(QFormatError::Trailing {
                bytes: bytes.len() - end - 4,
            });
        }
        let stored =
            u32::from_le_bytes([bytes[end], bytes[end + 1], bytes[end + 2], bytes[end + 3]]);
        let computed = crc32(&bytes[..end]);
        if stored != computed {
            return Err(QFormatError::Checksum { stored, computed });
        }
        let mut r = Reader {
            bytes: &bytes[..end],
            pos: 16,
        };
        let mut layers = Vec::new();
        for index in 0..count {
            layers.push(r.layer(index)?);
        }
        if r.pos != end {
            return Err(QFormatError::Invalid {
                layer: count,
                reason: std::format!("{} bytes after the last layer", end - r.pos),
            });
        }
        Ok(Self { layers })
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], QFormatError> {
        let s = self
            .pos
            .checked_add(n)
            .and_then(|e| self.bytes.get(self.pos..e))
            .ok_or(QFormatError::Truncated { offset: self.pos })?;
        self.pos += n;
        Ok(s)
    }
    fn u32(&mut self) -> Result<u32, QFormatError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn i32(&mut self) -> Result<i32, QFormatError> {
        self.u32().map(|v| v as i32)
    }
    fn i8(&mut self) -> Result<i8, QFormatError> {
        Ok(self.take(1)?[0] as i8)
    }
    fn dims<const N: usize>(&mut self, layer: usize) -> Result<[usize; N], QFormatError> {
        let mut out = [0usize; N];
        for d in &mut out {
            let v = self.u32()?;
            if v > MAX_DIM {
                return Err(invalid(layer, "a size is implausibly large"));
            }
            *d = v as usize;
        }
        Ok(out)
    }

    /// Input zero point, output stage, weights, bias and requantization.
    #[allow(clippy::type_complexity)]
    fn params(
        &mut self,
        layer: usize,
        weights: usize,
        channels: usize,
        factors: usize,
    ) -> Result<(i32, OutputStage, Vec<i8>, Vec<i32>, Vec<Requant>), QFormatError> {
        let zp = self.i32()?;
        let out = OutputStage {
            zero_point: self.i32()?,
            min: self.i8()?,
            max: self.i8()?,
        };
        if !(-128..=127).contains(&zp) || !out.is_valid() {
            return Err(invalid(layer, "zero point or clamp range out of int8"));
        }
        // Bound the allocation by what is actually left in the file.
        let need = channels
            .saturating_mul(4)
            .saturating_add(factors.saturating_mul(5))
            .checked_add(weights);
        if need.is_none_or(|n| n > self.bytes.len()) {
            return Err(QFormatError::Truncated { offset: self.pos });
        }
        let w = self.take(weights)?.iter().map(|&b| b as i8).collect();
        let b = (0..channels)
            .map(|_| self.i32())
            .collect::<Result<_, _>>()?;
        let m: Vec<i32> = (0..factors).map(|_| self.i32()).collect::<Result<_, _>>()?;
        let s: Vec<i8> = (0..factors).map(|_| self.i8()).collect::<Result<_, _>>()?;
        let r: Vec<Requant> = m
            .into_iter()
            .zip(s)
            .map(|(multiplier, shift)| Requant {
                multiplier,
                shift: shift as i32,
            })
            .collect();
        if !r.iter().all(|q| q.is_valid()) {
            return Err(invalid(layer, "a requantization factor is out of range"));
        }
        Ok((zp, out, w, b, r))
    }

    fn layer(&mut self, index: usize) -> Result<QLayerSpec, QFormatError> {
        let tag = self.i8()? as u8;
        Ok(match tag {
            1 | 2 => {
                let [len] = self.dims::<1>(index)?;
                let scale = f32::from_bits(self.u32()?);
                let zero_point = self.i32()?;
                if !(scale.is_finite() && scale > 0.0 && (-128..=127).contains(&zero_point)) {
                    return Err(invalid(index, "invalid scale or zero point"));
                }
                if tag == 1 {
                    QLayerSpec::Quantize {
                        len,
                        scale,
                        zero_point,
                    }
                } else {
                    QLayerSpec::Dequantize {
                        len,
                        scale,
                        zero_point,
                    }
                }
            }
            3 => {
                let [inputs, outputs, factors] = self.dims::<3>(index)?;
                if factors != outputs && factors != 1 {
                    return Err(invalid(
                        index,
                        "requantization factors are neither one nor one per output",
                    ));
                }
                let n = inputs
                    .checked_mul(outputs)
                    .ok_or_else(|| invalid(index, "size overflow"))?;
                let (input_zero_point, output, weights, bias, requant) =
                    self.params(index, n, outputs, factors)?;
                QLayerSpec::Dense {
                    inputs,
                    outputs,
                    weights,
                    bias,
                    requant,
                    input_zero_point,
                    output,
                }
            }
            4 => {
                let [c_in, c_out, k, h, w, oh, ow, stride, pad] = self.dims::<9>(index)?;
                let n = c_out
                    .checked_mul(c_in)
                    .and_then(|n| n.checked_mul(k))
                    .and_then(|n| n.checked_mul(k))
                    .ok_or_else(|| invalid(index, "size overflow"))?;
                let (input_zero_point, output, weights, bias, requant) =
                    self.params(index, n, c_out, c_out)?;
                QLayerSpec::Conv2d {
                    c_in,
                    c_out,
                    k,
                    h,
                    w,
                    oh,
                    ow,
                    stride,
                    pad,
                    weights,
                    bias,
                    requant,
                    input_zero_point,
                    output,
                }
            }
            5 => {
                let average = match self.i8()? {
                    0 => false,
                    1 => true,
                    _ => return Err(invalid(index, "pool kind is neither max nor average")),
                };
                let [c, h, w, oh, ow, k, stride] = self.dims::<7>(index)?;
                let (min, max) = (self.i8()?, self.i8()?);
                if min > max {
                    return Err(invalid(index, "clamp range is empty"));
                }
                QLayerSpec::Pool2d {
                    average,
                    c,
                    h,
                    w,
                    oh,
                    ow,
                    k,
                    stride,
                    min,
                    max,
                }
            }
            6 | 7 => {
                let [c, h, w] = self.dims::<3>(index)?;
                if tag == 6 {
                    QLayerSpec::Flatten { c, h, w }
                } else {
                    QLayerSpec::Unflatten { c, h, w }
                }
            }
            other => return Err(invalid(index, &std::format!("unknown layer tag {other}"))),
        })
    }
}

fn invalid(layer: usize, reason: &str) -> QFormatError {
    QFormatError::Invalid {
        layer,
        reason: String::from(reason),
    }
}
