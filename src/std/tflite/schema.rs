//! The parts of TensorFlow Lite's FlatBuffers schema (`schema.fbs`) the importer reads:
//! field numbers, enum values and operator names, with typed accessors over
//! [`flatbuffer`](super::flatbuffer).

use crate::std::tflite::error::TfliteError;
use crate::std::tflite::flatbuffer::Table;
use std::string::String;
use std::vec::Vec;

/// `BuiltinOperator` values the importer knows by name.
pub(crate) mod op {
    pub const AVERAGE_POOL_2D: i32 = 1;
    pub const CONV_2D: i32 = 3;
    pub const DEQUANTIZE: i32 = 6;
    pub const FULLY_CONNECTED: i32 = 9;
    pub const MAX_POOL_2D: i32 = 17;
    pub const RESHAPE: i32 = 22;
    pub const CUSTOM: i32 = 32;
    pub const STRIDED_SLICE: i32 = 45;
    pub const SHAPE: i32 = 77;
    pub const PACK: i32 = 83;
    pub const QUANTIZE: i32 = 114;
}

/// `TensorType` values.
pub(crate) mod ty {
    pub const FLOAT32: u8 = 0;
    pub const INT32: u8 = 2;
    pub const INT8: u8 = 9;
}

/// The name of a builtin operator, for messages (the common ones; others by number).
pub(crate) fn op_name(code: i32) -> String {
    let name = match code {
        0 => "ADD",
        1 => "AVERAGE_POOL_2D",
        2 => "CONCATENATION",
        3 => "CONV_2D",
        4 => "DEPTHWISE_CONV_2D",
        6 => "DEQUANTIZE",
        9 => "FULLY_CONNECTED",
        14 => "LOGISTIC",
        17 => "MAX_POOL_2D",
        18 => "MUL",
        19 => "RELU",
        21 => "RELU6",
        22 => "RESHAPE",
        25 => "SOFTMAX",
        28 => "TANH",
        32 => "CUSTOM",
        34 => "PAD",
        39 => "TRANSPOSE",
        40 => "MEAN",
        41 => "SUB",
        45 => "STRIDED_SLICE",
        49 => "SPLIT",
        53 => "CAST",
        77 => "SHAPE",
        83 => "PACK",
        98 => "LEAKY_RELU",
        114 => "QUANTIZE",
        117 => "HARD_SWISH",
        _ => return std::format!("builtin operator {code}"),
    };
    String::from(name)
}

/// One tensor's metadata.
#[derive(Debug, Clone)]
pub(crate) struct Tensor {
    pub shape: Vec<i32>,
    pub ty: u8,
    pub buffer: u32,
    pub name: String,
    pub scales: Vec<f32>,
    pub zero_points: Vec<i64>,
    pub quantized_dimension: i32,
}

impl Tensor {
    pub(crate) fn read(t: &Table<'_>, index: usize) -> Result<Self, TfliteError> {
        let what = |f: &str| std::format!("tensor {index} {f}");
        let (scales, zero_points, quantized_dimension) = match t.table(4, &what("quantization"))? {
            None => (Vec::new(), Vec::new(), 0),
            Some(q) => (
                q.vector(2, 4, &what("scales"))?.f32s(&what("scales"))?,
                q.vector(3, 8, &what("zero points"))?
                    .i64s(&what("zero points"))?,
                q.i32(6, 0, &what("quantized dimension"))?,
            ),
        };
        Ok(Self {
            shape: t.vector(0, 4, &what("shape"))?.i32s(&what("shape"))?,
            ty: t.u8(1, 0, &what("type"))?,
            buffer: t.u32(2, 0, &what("buffer"))?,
            name: t.string(3, &what("name"))?,
            scales,
            zero_points,
            quantized_dimension,
        })
    }

    /// Number of elements (product of the shape; negative dimensions count as 0). A shape
    /// whose product overflows saturates at `usize::MAX`, which no buffer can match, so the
    /// importer reports a size mismatch instead of overflowing (found by fuzzing).
    pub(crate) fn len(&self) -> usize {
        self.shape
            .iter()
            .map(|&d| usize::try_from(d).unwrap_or(0))
            .fold(1usize, |n, d| n.saturating_mul(d))
    }
}

/// One operator: its builtin code, tensors and options table.
#[derive(Debug, Clone)]
pub(crate) struct Operator<'a> {
    pub code: i32,
    pub custom_name: String,
    pub inputs: Vec<i32>,
    pub outputs: Vec<i32>,
    pub options: Option<Table<'a>>,
}

/// The operator codes table: `max(deprecated_builtin_code, builtin_code)` per entry, as
/// TFLite resolves them, and custom names.
pub(crate) fn operator_codes(model: &Table<'_>) -> Result<Vec<(i32, String)>, TfliteError> {
    let codes = model.vector(1, 4, "model operator codes")?;
    (0..codes.len())
        .map(|i| {
            let what = std::format!("operator code {i}");
            let c = codes.table(i, &what)?;
            let deprecated = c.u8(0, 0, &what)? as i8 as i32;
            let builtin = c.i32(3, 0, &what)?;
            Ok((deprecated.max(builtin), c.string(1, &what)?))
        })
        .collect()
}

impl<'a> Operator<'a> {
    pub(crate) fn read(
        t: &Table<'a>,
        index: usize,
        codes: &[(i32, String)],
    ) -> Result<Self, TfliteError> {
        let what = std::format!("operator {index}");
        let opcode = t.u32(0, 0, &what)? as usize;
        let Some((code, custom_name)) = codes.get(opcode) else {
            return Err(TfliteError::Malformed {
                what: std::format!("{what} opcode index {opcode}"),
                offset: 0,
            });
        };
        Ok(Self {
            code: *code,
            custom_name: custom_name.clone(),
            inputs: t.vector(1, 4, &what)?.i32s(&what)?,
            outputs: t.vector(2, 4, &what)?.i32s(&what)?,
            options: t.table(4, &what)?,
        })
    }

    /// The operator's name for messages.
    pub(crate) fn name(&self) -> String {
        if self.code == op::CUSTOM {
            std::format!("CUSTOM ({})", self.custom_name)
        } else {
            op_name(self.code)
        }
    }
}
