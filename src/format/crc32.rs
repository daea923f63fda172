//! CRC-32 as used by zlib, PNG and Ethernet (IEEE 802.3): reflected polynomial
//! `0xEDB8_8320`, initial value and final XOR `0xFFFF_FFFF`.
//!
//! The 1 KiB lookup table is built at compile time and lives in flash.

/// Reflected IEEE 802.3 polynomial.
const POLY: u32 = 0xEDB8_8320;

/// `TABLE[b]` is the CRC register after shifting byte `b` through eight rounds.
static TABLE: [u32; 256] = build_table();

const fn build_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut byte = 0;
    while byte < 256 {
        let mut reg = byte as u32;
        let mut round = 0;
        while round < 8 {
            reg = if reg & 1 == 1 {
                (reg >> 1) ^ POLY
            } else {
                reg >> 1
            };
            round += 1;
        }
        table[byte] = reg;
        byte += 1;
    }
    table
}

/// A running CRC-32, for data that arrives in pieces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crc32 {
    reg: u32,
}

impl Crc32 {
    /// A CRC over no data yet.
    pub const fn new() -> Self {
        Self { reg: 0xFFFF_FFFF }
    }

    /// Feeds `bytes` into the checksum.
    pub fn update(&mut self, bytes: &[u8]) {
        for &b in bytes {
            let slot = ((self.reg ^ u32::from(b)) & 0xFF) as u8;
            self.reg = (self.reg >> 8) ^ TABLE[usize::from(slot)];
        }
    }

    /// The checksum of everything fed so far.
    pub const fn finish(&self) -> u32 {
        self.reg ^ 0xFFFF_FFFF
    }
}

impl Default for Crc32 {
    fn default() -> Self {
        Self::new()
    }
}

/// CRC-32 (IEEE) of `bytes`; equal to Python's `zlib.crc32(bytes)`.
///
/// ```
/// assert_eq!(stacknet::format::crc32(b"123456789"), 0xCBF4_3926);
/// ```
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut c = Crc32::new();
    c.update(bytes);
    c.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        // The standard check value, and values from Python's zlib.crc32.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"a"), 0xE8B7_BE43);
        assert_eq!(crc32(&[0u8; 32]), 0x190A_55AD);
    }

    #[test]
    fn pieces_equal_whole() {
        let data = b"The quick brown fox jumps over the lazy dog";
        let mut c = Crc32::new();
        c.update(&data[..10]);
        c.update(&data[10..]);
        assert_eq!(c.finish(), crc32(data));
        assert_eq!(c.finish(), 0x414F_A339);
    }
}
