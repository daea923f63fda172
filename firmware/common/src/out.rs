//! Output over semihosting with a tiny integer formatter instead of `core::fmt`
//! (`hprintln!` of one float links about 15 KB of formatting code).

#[cfg(target_arch = "arm")]
use cortex_m_semihosting::hio;
#[cfg(target_arch = "riscv32")]
use riscv_semihosting::hio;

/// One output line, built in a fixed buffer; text past its capacity is dropped.
#[derive(Debug)]
pub struct Line {
    buf: [u8; 160],
    len: usize,
}

impl Line {
    /// An empty line.
    pub const fn new() -> Self {
        Self {
            buf: [0; 160],
            len: 0,
        }
    }

    fn byte(&mut self, b: u8) {
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = b;
            self.len += 1;
        }
    }

    /// Appends text.
    pub fn text(&mut self, s: &str) -> &mut Self {
        for &b in s.as_bytes() {
            self.byte(b);
        }
        self
    }

    /// Appends `n` in decimal.
    pub fn dec(&mut self, mut n: u32) -> &mut Self {
        let mut digits = [0u8; 10];
        let mut i = digits.len();
        while i > 0 {
            i -= 1;
            if let Some(d) = digits.get_mut(i) {
                *d = b'0' + (n % 10) as u8;
            }
            n /= 10;
            if n == 0 {
                break;
            }
        }
        for &d in digits.get(i..).unwrap_or(&[]) {
            self.byte(d);
        }
        self
    }

    /// Appends `n` as 8 hexadecimal digits.
    pub fn hex(&mut self, n: u32) -> &mut Self {
        for shift in (0..8).rev() {
            let d = ((n >> (shift * 4)) & 0xF) as u8;
            self.byte(if d < 10 { b'0' + d } else { b'a' + d - 10 });
        }
        self
    }

    /// Appends `x` rounded to an integer count of `1/scale` (e.g. scale 1e6 for micro-units);
    /// negative values print with a minus sign.
    pub fn fixed(&mut self, x: f32, scale: f32) -> &mut Self {
        let v = x * scale;
        if v < 0.0 {
            self.byte(b'-');
        }
        let mag = if v < 0.0 { -v } else { v };
        self.dec((mag + 0.5) as u32)
    }

    /// Writes the line and a newline to the host's stdout. Output is best effort: a
    /// semihosting error is ignored, the exit status still tells pass from fail.
    pub fn send(&mut self) {
        self.byte(b'\n');
        if let Ok(mut stdout) = hio::hstdout() {
            let _ = stdout.write_all(self.buf.get(..self.len).unwrap_or(&[]));
        }
        self.len = 0;
    }
}

impl Default for Line {
    fn default() -> Self {
        Self::new()
    }
}
