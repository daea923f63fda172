//! How a quantized dense layer stores its requantization factors: one per output channel
//! ([`PerChannel`], TFLite's default) or one for the whole layer ([`PerTensor`], TFLite's
//! per-tensor weights), so a layer with many outputs and few inputs does not spend more
//! flash on factors than it saves on weights.

use crate::quant::requant::Requant;

/// The requantization factors of a layer with `OUT` outputs.
pub trait Requants<const OUT: usize>: Copy + PartialEq + core::fmt::Debug {
    /// Number of factors stored: `OUT`, or 1 when shared.
    const STORED: usize;
    /// Q31 multiplier and shift of output `o` (`(0, 0)` past the end: never reached).
    fn factor(&self, o: usize) -> (i32, i8);
    /// The factors from a list of [`STORED`](Self::STORED) of them; `None` for any other
    /// length.
    fn from_slice(factors: &[Requant]) -> Option<Self>;
}

/// One factor per output channel, multipliers and one-byte shifts in two arrays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PerChannel<const OUT: usize> {
    multiplier: [i32; OUT],
    shift: [i8; OUT],
}

/// One factor shared by every output (per-tensor weights).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PerTensor {
    multiplier: i32,
    shift: i8,
}

impl<const OUT: usize> PerChannel<OUT> {
    /// Factors for each output. Usable in `const` and `static` items.
    pub const fn new(factors: [Requant; OUT]) -> Self {
        let mut multiplier = [0i32; OUT];
        let mut shift = [0i8; OUT];
        let mut o = 0;
        while o < OUT {
            multiplier[o] = factors[o].multiplier;
            shift[o] = factors[o].clamped_shift();
            o += 1;
        }
        Self { multiplier, shift }
    }
}

impl PerTensor {
    /// One factor for every output. Usable in `const` and `static` items.
    pub const fn new(factor: Requant) -> Self {
        Self {
            multiplier: factor.multiplier,
            shift: factor.clamped_shift(),
        }
    }
}

impl<const OUT: usize> Requants<OUT> for PerChannel<OUT> {
    const STORED: usize = OUT;
    #[inline(always)]
    fn factor(&self, o: usize) -> (i32, i8) {
        match (self.multiplier.get(o), self.shift.get(o)) {
            (Some(&m), Some(&s)) => (m, s),
            _ => (0, 0),
        }
    }
    fn from_slice(factors: &[Requant]) -> Option<Self> {
        let factors: [Requant; OUT] = factors.try_into().ok()?;
        Some(Self::new(factors))
    }
}

impl<const OUT: usize> Requants<OUT> for PerTensor {
    const STORED: usize = 1;
    #[inline(always)]
    fn factor(&self, _: usize) -> (i32, i8) {
        (self.multiplier, self.shift)
    }
    fn from_slice(factors: &[Requant]) -> Option<Self> {
        match factors {
            [one] => Some(Self::new(*one)),
            _ => None,
        }
    }
}
