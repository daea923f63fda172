//! `QConv2d`: int8 2-D convolution on `C×H×W` maps (TFLite's `CONV_2D`).

use crate::layers::conv::out_size;
use crate::quant::fixed_point::{
    multiply_by_quantized_multiplier, multiply_by_quantized_multiplier_single,
};
use crate::quant::layer::QLayer;
use crate::quant::output::OutputStage;
use crate::quant::requant::Requant;

/// An int8 `C×H×W` feature map (stacknet's channel-first layout; the `.tflite` importer
/// transposes TFLite's `H×W×C`).
pub type QMap<const C: usize, const H: usize, const W: usize> = [[[i8; W]; H]; C];

/// Requantizes a conv accumulator. By default with one rounding, as LiteRT's default CPU
/// kernels do; with the `tflite-reference-rounding` feature in two steps (high multiply,
/// then rounding shift), as TFLite's reference `CONV_2D` and TFLite Micro do. The two
/// differ by one step on rare exact ties (`tests/int8_tflite.rs` counts them).
#[inline(always)]
fn requantize(acc: i32, multiplier: i32, shift: i8) -> i32 {
    if cfg!(feature = "tflite-reference-rounding") {
        multiply_by_quantized_multiplier(acc, multiplier, shift as i32)
    } else {
        multiply_by_quantized_multiplier_single(acc, multiplier, shift)
    }
}

/// The kernel taps `lo..hi` of output position `o` that fall inside an input of length `n`
/// (the others read padding, which is the input zero point and contributes nothing).
#[inline(always)]
pub(crate) const fn taps(
    o: usize,
    n: usize,
    k: usize,
    stride: usize,
    pad: usize,
) -> (usize, usize) {
    let start = o * stride; // input index of tap k is start + k − pad
    let lo = pad.saturating_sub(start);
    let end = n + pad; // tap k is inside while start + k < n + pad
    let hi = end.saturating_sub(start);
    let hi = if hi < k { hi } else { k };
    if lo < hi { (lo, hi) } else { (0, 0) }
}

/// Int8 convolution, TFLite's integer scheme:
/// `y[o][i][j] = clamp(zp_out + requant[o](bias[o] + Σ w[o][c][ky][kx]·(x[c][iy][ix] − zp_in)))`
/// over the taps inside the input, with `iy = i·S + ky − P`, `ix = j·S + kx − P`.
///
/// Parameters as [`Conv2d`](crate::layers::Conv2d): `C_IN`, `C_OUT`, kernel `K`, input
/// `H×W`, output `OH×OW`, stride `S`, padding `P` before the first row and column. After the
/// last row/column the padding is `P` or `P + 1` (TFLite's `SAME` padding puts the odd
/// one at the end), whichever `OH`/`OW` say; any other size does not build:
///
/// ```compile_fail,E0080
/// use stacknet::quant::{QConv2d, QLayer};
/// let conv: &QConv2d<1, 2, 3, 8, 8, 5, 5> = todo!();
/// let _ = conv.infer(&[[[0; 8]; 8]; 1]);
/// ```
///
/// Weights are symmetric int8 per output channel, `[C_OUT][C_IN][K][K]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QConv2d<
    const C_IN: usize,
    const C_OUT: usize,
    const K: usize,
    const H: usize,
    const W: usize,
    const OH: usize,
    const OW: usize,
    const S: usize = 1,
    const P: usize = 0,
> {
    weights: [[[[i8; K]; K]; C_IN]; C_OUT],
    bias: [i32; C_OUT],
    /// The requantization factors, split so the shifts take one byte each in flash.
    multiplier: [i32; C_OUT],
    shift: [i8; C_OUT],
    input_zero_point: i32,
    output: OutputStage,
}

impl<
    const C_IN: usize,
    const C_OUT: usize,
    const K: usize,
    const H: usize,
    const W: usize,
    const OH: usize,
    const OW: usize,
    const S: usize,
    const P: usize,
> QConv2d<C_IN, C_OUT, K, H, W, OH, OW, S, P>
{
    const SHAPE_OK: () = {
        assert!(
            C_IN > 0 && C_OUT > 0 && K > 0 && S > 0,
            "QConv2d needs C_IN, C_OUT, K and S > 0"
        );
        assert!(
            P < K,
            "QConv2d: padding P must be smaller than the kernel K"
        );
        assert!(
            OH > 0 && (OH == out_size(H, K, S, P) || OH == out_size(H + 1, K, S, P)),
            "QConv2d: OH must be (H + 2P - K) / S + 1, or (H + 2P + 1 - K) / S + 1"
        );
        assert!(
            OW > 0 && (OW == out_size(W, K, S, P) || OW == out_size(W + 1, K, S, P)),
            "QConv2d: OW must be (W + 2P - K) / S + 1, or (W + 2P + 1 - K) / S + 1"
        );
    };

    /// A layer from int8 weights `[out][in][ky][kx]`, int32 bias, per-channel
    /// requantization, the input zero point and the output stage. Usable in `const` and
    /// `static` items.
    pub const fn new(
        weights: [[[[i8; K]; K]; C_IN]; C_OUT],
        bias: [i32; C_OUT],
        requant: [Requant; C_OUT],
        input_zero_point: i32,
        output: OutputStage,
    ) -> Self {
        let () = Self::SHAPE_OK;
        let mut multiplier = [0i32; C_OUT];
        let mut shift = [0i8; C_OUT];
        let mut o = 0;
        while o < C_OUT {
            multiplier[o] = requant[o].multiplier;
            shift[o] = requant[o].clamped_shift();
            o += 1;
        }
        Self {
            weights,
            bias,
            multiplier,
            shift,
            input_zero_point,
            output,
        }
    }

    /// The accumulator of an output whose kernel hangs over the input's edge: only the taps
    /// `ky_lo..ky_hi` × `kx_lo..kx_hi` read the input (the others read padding, which equals
    /// the zero point and adds nothing).
    #[inline(never)]
    fn border(
        &self,
        x: &QMap<C_IN, H, W>,
        kernel: &[[[i8; K]; K]; C_IN],
        bias: i32,
        (oy, ox): (usize, usize),
        (ky_lo, ky_hi): (usize, usize),
        (kx_lo, kx_hi): (usize, usize),
    ) -> i32 {
        let zp = self.input_zero_point;
        // Saturating: this function is not inlined, so the optimizer cannot bound `oy`/`ox`
        // by the output size; a position past the input reads nothing.
        let x_lo = ox.saturating_mul(S).saturating_add(kx_lo).saturating_sub(P);
        let mut acc = bias;
        for (x_map, k_map) in x.iter().zip(kernel) {
            for ky in ky_lo..ky_hi {
                let iy = oy.saturating_mul(S).saturating_add(ky).saturating_sub(P);
                let (Some(x_row), Some(k_row)) = (x_map.get(iy), k_map.get(ky)) else {
                    continue;
                };
                let x_hi = x_lo.saturating_add(kx_hi.saturating_sub(kx_lo));
                let xs = x_row.get(x_lo..x_hi).unwrap_or(&[]);
                let ks = k_row.get(kx_lo..kx_hi).unwrap_or(&[]);
                for (&xv, &kv) in xs.iter().zip(ks) {
                    // Wrapping, as the accumulator: `zp` is any `i32` a caller passed.
                    let centered = (xv as i32).wrapping_sub(zp);
                    acc = acc.wrapping_add((kv as i32).wrapping_mul(centered));
                }
            }
        }
        acc
    }

    /// The int8 weights, `[out][in][ky][kx]`.
    pub const fn weights(&self) -> &[[[[i8; K]; K]; C_IN]; C_OUT] {
        &self.weights
    }
    /// The int32 bias.
    pub const fn bias(&self) -> &[i32; C_OUT] {
        &self.bias
    }
    /// The per-output-channel requantization factors.
    pub fn requant(&self) -> [Requant; C_OUT] {
        let mut r = [Requant::ZERO; C_OUT];
        for ((r, &multiplier), &shift) in r.iter_mut().zip(&self.multiplier).zip(&self.shift) {
            *r = Requant {
                multiplier,
                shift: shift as i32,
            };
        }
        r
    }
    /// The input zero point.
    pub const fn input_zero_point(&self) -> i32 {
        self.input_zero_point
    }
    /// The output zero point and clamp range.
    pub const fn output(&self) -> OutputStage {
        self.output
    }
}

impl<
    const C_IN: usize,
    const C_OUT: usize,
    const K: usize,
    const H: usize,
    const W: usize,
    const OH: usize,
    const OW: usize,
    const S: usize,
    const P: usize,
> QLayer for QConv2d<C_IN, C_OUT, K, H, W, OH, OW, S, P>
{
    type Input = QMap<C_IN, H, W>;
    type Output = QMap<C_OUT, OH, OW>;

    fn infer(&self, x: &Self::Input) -> Self::Output {
        let () = Self::SHAPE_OK;
        let zp = self.input_zero_point;
        let mut y = [[[0i8; OW]; OH]; C_OUT];
        let scale = self.multiplier.iter().zip(&self.shift);
        let channels = self.weights.iter().zip(&self.bias).zip(scale);
        for (y_map, ((kernel, &bias), (&multiplier, &shift))) in y.iter_mut().zip(channels) {
            // Where the whole kernel lies inside the input, Σ w·(x − zp) = Σ w·x − zp·Σ w:
            // the inner loop is a plain K-tap int8 dot product.
            let kernel_sum = kernel
                .as_flattened()
                .as_flattened()
                .iter()
                .fold(0i32, |s, &w| s.wrapping_add(w as i32));
            let inside_start = bias.wrapping_sub(zp.wrapping_mul(kernel_sum));
            for (oy, y_row) in y_map.iter_mut().enumerate() {
                let (ky_lo, ky_hi) = taps(oy, H, K, S, P);
                for (ox, yv) in y_row.iter_mut().enumerate() {
                    let (kx_lo, kx_hi) = taps(ox, W, K, S, P);
                    let acc = if ky_hi - ky_lo == K && kx_hi - kx_lo == K {
                        let (y0, x0) = ((oy * S).saturating_sub(P), (ox * S).saturating_sub(P));
                        let mut acc = inside_start;
                        for (x_map, k_map) in x.iter().zip(kernel) {
                            for (x_row, k_row) in x_map.iter().skip(y0).zip(k_map) {
                                let xs = x_row.get(x0..x0 + K).unwrap_or(&[]);
                                for (&xv, &kv) in xs.iter().zip(k_row) {
                                    acc = acc.wrapping_add(kv as i32 * xv as i32);
                                }
                            }
                        }
                        acc
                    } else {
                        self.border(x, kernel, bias, (oy, ox), (ky_lo, ky_hi), (kx_lo, kx_hi))
                    };
                    *yv = self.output.finish(requantize(acc, multiplier, shift));
                }
            }
        }
        y
    }
}

#[cfg(test)]
#[allow(clippy::needless_range_loop)] // the direct formula, index by index
mod tests {
    use super::*;

    #[test]
    fn taps_clip_at_the_borders() {
        // K = 3, P = 1, n = 4, stride 1: first output misses tap 0, last misses tap 2.
        assert_eq!(taps(0, 4, 3, 1, 1), (1, 3));
        assert_eq!(taps(1, 4, 3, 1, 1), (0, 3));
        assert_eq!(taps(3, 4, 3, 1, 1), (0, 2));
        // SAME with stride 2 on 4: pad 0 before, 1 after.
        assert_eq!(taps(1, 4, 3, 2, 0), (0, 2));
    }

    #[test]
    fn matches_a_direct_padded_convolution() {
        let r = Requant::from_real(0.02).unwrap();
        let mut w = [[[[0i8; 3]; 3]; 2]; 2];
        let mut x = [[[0i8; 5]; 5]; 2];
        let mut v = 7i32;
        for o in 0..2 {
            for c in 0..2 {
                for ky in 0..3 {
                    for kx in 0..3 {
                        v = (v * 37 + 11) % 255;
                        w[o][c][ky][kx] = (v - 127) as i8;
                    }
                }
            }
        }
        for c in 0..2 {
            for i in 0..5 {
                for j in 0..5 {
                    v = (v * 53 + 5) % 256;
                    x[c][i][j] = (v - 128) as i8;
                }
            }
        }
        let zp = 3;
        let conv = QConv2d::<2, 2, 3, 5, 5, 3, 3, 2, 1>::new(
            w,
            [50, -70],
            [r, r],
            zp,
            OutputStage::plain(-4),
        );
        let y = conv.infer(&x);
        for o in 0..2 {
            for i in 0..3 {
                for j in 0..3 {
                    let mut acc = [50, -70][o];
                    for c in 0..2 {
                        for ky in 0..3 {
                            for kx in 0..3 {
                                let (iy, ix) = ((i * 2 + ky) as i32 - 1, (j * 2 + kx) as i32 - 1);
                                if (0..5).contains(&iy) && (0..5).contains(&ix) {
                                    let xv = x[c][iy as usize][ix as usize] as i32;
                                    acc += w[o][c][ky][kx] as i32 * (xv - zp);
                                }
                            }
                        }
                    }
                    let want = (r.apply(acc) - 4).clamp(-128, 127) as i8;
                    assert_eq!(y[o][i][j], want, "({o}, {i}, {j})");
                }
            }
        }
    }
}
