//! The *shifted domain* of the fine-tuning experiment (issue 12): scikit-learn's 8×8 digits
//! (other writers, a 4-bit sensor at a far lower resolution) turned into MNIST-shaped
//! 28×28 images, the way a device that was trained on one camera and now sees another
//! would meet them.
//!
//! Shared, bit for bit, by the host (`examples/transfer.rs`, `tests/firmware_finetune.rs`
//! include this file with `#[path]`) and the firmware (`fw_common::shift`): plain `core`
//! arithmetic in a fixed order, no `floor` (it is `libm` on one side and an intrinsic on
//! the other); source coordinates are non-negative, so `as usize` truncates exactly as
//! `floor` would.

/// Side of the raw digits, in pixels.
pub const RAW_SIDE: usize = 8;
/// Side of MNIST's bounding box that the digit is scaled into.
pub const BOX_SIDE: usize = 20;
/// Side of the MNIST image.
pub const SIDE: usize = 28;
/// Largest raw pixel value (4-bit sensor).
pub const RAW_MAX: u8 = 16;

/// Raw 8×8 digit pixels (`0..=16`, row-major) → the `0..=1` features the host's dataset
/// loader produces (`value / 16`, exact in `f32`).
pub fn normalise(raw: &[u8; 64], out: &mut [f32; 64]) {
    for (o, &r) in out.iter_mut().zip(raw) {
        *o = f32::from(r) * (1.0 / RAW_MAX as f32);
    }
}

/// A `0..=1` 8×8 digit → 28×28: bilinear to 20×20 (pixel centres mapped onto pixel
/// centres), centred with a 4-pixel margin like MNIST's digits. Writes every pixel of `out`.
pub fn upsample(x: &[f32; 64], out: &mut [f32; 784]) {
    const MARGIN: usize = (SIDE - BOX_SIDE) / 2;
    const LAST: usize = RAW_SIDE - 1;
    let scale = RAW_SIDE as f32 / BOX_SIDE as f32;
    out.fill(0.0);
    let at = |y: usize, x: usize| x.min(LAST) + RAW_SIDE * y.min(LAST);
    for oy in 0..BOX_SIDE {
        let sy = ((oy as f32 + 0.5) * scale - 0.5).clamp(0.0, LAST as f32);
        let y0 = sy as usize; // sy ≥ 0: truncation is floor
        let (y1, fy) = ((y0 + 1).min(LAST), sy - y0 as f32);
        for ox in 0..BOX_SIDE {
            let sx = ((ox as f32 + 0.5) * scale - 0.5).clamp(0.0, LAST as f32);
            let x0 = sx as usize;
            let (x1, fx) = ((x0 + 1).min(LAST), sx - x0 as f32);
            let top = x[at(y0, x0)] * (1.0 - fx) + x[at(y0, x1)] * fx;
            let bottom = x[at(y1, x0)] * (1.0 - fx) + x[at(y1, x1)] * fx;
            if let Some(o) = out.get_mut((oy + MARGIN) * SIDE + ox + MARGIN) {
                *o = top * (1.0 - fy) + bottom * fy;
            }
        }
    }
}

/// A raw 8×8 digit straight to the 28×28 model input.
pub fn shifted(raw: &[u8; 64], out: &mut [f32; 784]) {
    let mut x = [0.0; 64];
    normalise(raw, &mut x);
    upsample(&x, out);
}
