//! The single place that chooses a math backend.
//!
//! Everything goes through free functions here, never method syntax: with `std` linked,
//! `x.exp()` silently becomes the platform's `exp` and host and MCU results drift apart.
//! `libm` on both sides plus a fixed summation order gives bit-identical results.

/// True when the crate was built with the `fast-math` feature, i.e. when `Layer::infer` may
/// differ from `Layer::forward` by the approximation error of [`exp_infer`].
pub const FAST_MATH: bool = cfg!(feature = "fast-math");

/// e^x, exact to `libm`'s accuracy (< 1 ULP). Used in training and, without `fast-math`,
/// in inference.
#[inline]
pub fn exp(x: f32) -> f32 {
    libm::expf(x)
}

/// e^x for inference. With the `fast-math` feature this is micromath's approximation
/// (relative error about 2e-3 on [-10, 10], tested in this module); otherwise it is [`exp`].
#[inline]
pub fn exp_infer(x: f32) -> f32 {
    #[cfg(feature = "fast-math")]
    {
        // micromath's exp misbehaves far outside its range; saturate as libm would.
        if x > 88.0 {
            return f32::INFINITY;
        }
        if x < -87.0 {
            return 0.0;
        }
        micromath::F32(x).exp().0
    }
    #[cfg(not(feature = "fast-math"))]
    {
        exp(x)
    }
}

/// Natural logarithm (`libm`).
#[inline]
pub fn ln(x: f32) -> f32 {
    libm::logf(x)
}

/// Square root, correctly rounded (IEEE-754), so the same bits on every target: the FPU's
/// `vsqrt.f32` on Arm cores with a single-precision FPU (Cortex-M4F, M7, M33); with the
/// host-only `std` feature, the standard library's (LLVM's `sqrt` intrinsic, which the
/// vectoriser turns into `sqrtps` in Adam's update loop: four roots per instruction);
/// `libm`'s `sqrtf` elsewhere (the scalar hardware instruction on x86 with its `arch`
/// feature, which the vectoriser cannot widen).
#[inline]
pub fn sqrt(x: f32) -> f32 {
    #[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
    {
        vsqrt::sqrt(x)
    }
    #[cfg(all(not(all(target_arch = "arm", target_abi = "eabihf")), feature = "std"))]
    {
        x.sqrt()
    }
    #[cfg(not(any(all(target_arch = "arm", target_abi = "eabihf"), feature = "std")))]
    {
        libm::sqrtf(x)
    }
}

/// The crate's one `unsafe` exception (issue 16): stable `no_std` Rust has no safe way to
/// the Arm FPU's square root (`core::f32::math::sqrt` needs the unstable
/// `core_float_math`), and `libm`'s software `sqrtf` costs ~45 instructions and 480 B of
/// flash on a Cortex-M4F, where Adam calls it once per parameter per step. `vsqrt.f32` is
/// IEEE-754 correctly rounded, exactly like `libm::sqrtf`, so results stay bit-identical
/// with the host: the `sqrt-check` firmware compares the two bit for bit over 2^18 inputs
/// on QEMU (m4f, m33) in CI.
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
#[allow(unsafe_code)]
mod vsqrt {
    // A two-instruction function in global assembly rather than inline `asm!`: inline
    // assembly's single-precision register class needs the `vfp2` target feature, which
    // single-precision-only FPUs (FPv4-SP, FPv5-SP) do not report. Under the hard-float
    // ABI the argument and the result are both in `s0`.
    core::arch::global_asm!(
        // The assembler does not infer the FPU from the target; name the smallest one that
        // has the instruction (every eabihf Cortex-M FPU includes FPv4-SP).
        ".fpu fpv4-sp-d16",
        ".section .text.__stacknet_0_1_vsqrt_f32,\"ax\",%progbits",
        ".global __stacknet_0_1_vsqrt_f32",
        ".type __stacknet_0_1_vsqrt_f32,%function",
        ".thumb_func",
        "__stacknet_0_1_vsqrt_f32:",
        "vsqrt.f32 s0, s0",
        "bx lr",
        ".size __stacknet_0_1_vsqrt_f32, . - __stacknet_0_1_vsqrt_f32",
    );

    unsafe extern "C" {
        fn __stacknet_0_1_vsqrt_f32(x: f32) -> f32;
    }

    /// `vsqrt.f32`.
    #[inline]
    pub fn sqrt(x: f32) -> f32 {
        // SAFETY: the function above reads `s0`, writes `s0` and returns; it touches no
        // memory and no other register, and `eabihf` targets always have the
        // single-precision FPU that executes `vsqrt.f32`.
        unsafe { __stacknet_0_1_vsqrt_f32(x) }
    }
}

/// Hyperbolic tangent (`libm`), saturates to ±1 for large |x|.
#[inline]
pub fn tanh(x: f32) -> f32 {
    libm::tanhf(x)
}

/// Logistic function 1 / (1 + e^-x), stable for any |x|: it never evaluates e^x for a
/// large positive x, so it returns exactly 0 or 1 at the extremes instead of NaN.
/// NaN in gives NaN out.
#[inline]
pub fn sigmoid_with(x: f32, exp: fn(f32) -> f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + exp(-x))
    } else {
        let e = exp(x);
        e / (1.0 + e)
    }
}

/// Logistic function with the exact `libm` exponential. See [`sigmoid_with`].
#[inline]
pub fn sigmoid(x: f32) -> f32 {
    sigmoid_with(x, exp)
}

/// True when `x` is neither NaN nor ±∞, as a bit test (exponent bits not all ones) that
/// composes into branch-free folds.
#[inline]
pub fn finite_bits(x: f32) -> bool {
    x.to_bits() & 0x7f80_0000 != 0x7f80_0000
}

/// True when no element is NaN or ±∞. A branch-free fold rather than an early-exit
/// `all()`, so LLVM vectorises it: about 1.4 instead of 8 instructions per element, which
/// matters because every training step checks every gradient.
#[inline]
pub fn all_finite(xs: &[f32]) -> bool {
    xs.iter().fold(true, |ok, &v| ok & finite_bits(v))
}

/// Dot product with a fixed summation order (8 interleaved partial sums, then a fixed
/// tree), so results are the same on every target, and LLVM can keep the 8 lanes in SIMD
/// registers. Extra elements of the longer slice are ignored.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    const LANES: usize = 8;
    let n = a.len().min(b.len());
    let (ca, ta) = a[..n].as_chunks::<LANES>();
    let (cb, tb) = b[..n].as_chunks::<LANES>();
    let mut acc = [0.0f32; LANES];
    for (x, y) in ca.iter().zip(cb) {
        for k in 0..LANES {
            acc[k] = madd(x[k], y[k], acc[k]);
        }
    }
    let mut tail = 0.0;
    for (x, y) in ta.iter().zip(tb) {
        tail += x * y;
    }
    // Without chunks every lane is still 0.0 and the tree below sums to 0.0: skip the call.
    let sum = if ca.is_empty() { 0.0 } else { sum_lanes(acc) };
    sum + tail
}

/// The fixed tree that ends [`dot`]: `((a0 + a4) + (a1 + a5)) + ((a2 + a6) + (a3 + a7))`.
///
/// Kept out of line on x86 on purpose. Inlined, LLVM's SLP vectoriser plans the whole dot
/// product around this tree and packs the lanes in pairs, which turns the 4-wide SSE loop
/// into a 2-wide one with four shuffles per 8 elements (checked with objdump, rustc 1.95).
/// Out of line, the loop is 2 loads, 2 multiplies and 2 adds per 8 elements, and the call
/// costs a few instructions once per dot product: 784-128-10 inference drops from 243 k to
/// 125 k instructions (callgrind, `benches/peers/icount.sh`). Targets without f32 SIMD
/// (Cortex-M) have no such problem and keep it inline.
#[cfg_attr(any(target_arch = "x86", target_arch = "x86_64"), inline(never))]
#[cfg_attr(not(any(target_arch = "x86", target_arch = "x86_64")), inline)]
fn sum_lanes(acc: [f32; 8]) -> f32 {
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]))
}

/// Four dot products, `rows[r] · x`, each summed in exactly the order of [`dot`] (so the
/// results are bit-identical to four `dot` calls). Sharing each chunk of `x` between four
/// rows saves its loads: 784-128-10 inference drops from 125 k to 96 k instructions on
/// x86_64. Its 32 accumulators live in SIMD registers there; a Cortex-M FPU has 32 scalar
/// registers in all, so on other targets this is simply four `dot` calls.
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
#[inline]
pub(crate) fn dot_rows4<const N: usize>(rows: &[[f32; N]; 4], x: &[f32; N]) -> [f32; 4] {
    const LANES: usize = 8;
    let (chunks, tail_x) = x.as_chunks::<LANES>();
    let mut acc = [[0.0f32; LANES]; 4];
    for (c, xc) in chunks.iter().enumerate() {
        for (acc_r, row) in acc.iter_mut().zip(rows) {
            let wc = &row[c * LANES..][..LANES];
            for k in 0..LANES {
                acc_r[k] = madd(wc[k], xc[k], acc_r[k]);
            }
        }
    }
    let done = chunks.len() * LANES;
    core::array::from_fn(|r| {
        let mut tail = 0.0;
        for (w, xi) in rows[r][done..].iter().zip(tail_x) {
            tail += w * xi;
        }
        let sum = if chunks.is_empty() {
            0.0
        } else {
            sum_lanes(acc[r])
        };
        sum + tail
    })
}

/// Four dot products, `rows[r] · x`, as four [`dot`] calls (see the x86 version above).
#[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
#[inline]
pub(crate) fn dot_rows4<const N: usize>(rows: &[[f32; N]; 4], x: &[f32; N]) -> [f32; 4] {
    core::array::from_fn(|r| dot(&rows[r], x))
}

/// Four dot products, `row · xs[s]` (one weight row, four samples), each summed in exactly
/// the order of [`dot`]: the mini-batch twin of [`dot_rows4`], reading the row once for
/// four samples.
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
#[inline]
pub(crate) fn dot_samples4<const N: usize>(row: &[f32; N], xs: [&[f32; N]; 4]) -> [f32; 4] {
    const LANES: usize = 8;
    let (chunks, tail_w) = row.as_chunks::<LANES>();
    let mut acc = [[0.0f32; LANES]; 4];
    for (c, wc) in chunks.iter().enumerate() {
        for (acc_s, x) in acc.iter_mut().zip(xs) {
            let xc = &x[c * LANES..][..LANES];
            for k in 0..LANES {
                acc_s[k] = madd(wc[k], xc[k], acc_s[k]);
            }
        }
    }
    let done = chunks.len() * LANES;
    core::array::from_fn(|s| {
        let mut tail = 0.0;
        for (w, xi) in tail_w.iter().zip(&xs[s][done..]) {
            tail += w * xi;
        }
        let sum = if chunks.is_empty() {
            0.0
        } else {
            sum_lanes(acc[s])
        };
        sum + tail
    })
}

/// Four dot products, `row · xs[s]`, as four [`dot`] calls (see the x86 version above).
#[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
#[inline]
pub(crate) fn dot_samples4<const N: usize>(row: &[f32; N], xs: [&[f32; N]; 4]) -> [f32; 4] {
    core::array::from_fn(|s| dot(row, xs[s]))
}

/// `y[i] += a[0]·x[0][i]`, then `+= a[1]·x[1][i]`, `a[2]`, `a[3]`: four [`axpy`] calls in
/// one pass over `y` (each `y[i]` gets the same four additions in the same order), so a
/// gradient row is read and written once for four samples.
#[inline]
pub(crate) fn axpy4(a: [f32; 4], x: [&[f32]; 4], y: &mut [f32]) {
    let [x0, x1, x2, x3] = x;
    for ((((yi, v0), v1), v2), v3) in y.iter_mut().zip(x0).zip(x1).zip(x2).zip(x3) {
        *yi = madd(
            a[3],
            *v3,
            madd(a[2], *v2, madd(a[1], *v1, madd(a[0], *v0, *yi))),
        );
    }
}

/// `a * b + c` as the kernels below accumulate it: rounded twice (multiply, then add), the
/// same bits on every target. With the opt-in host feature `fast-fma` on a CPU built with
/// FMA (`RUSTFLAGS="-C target-cpu=native"`), one fused multiply-add, rounded once: faster,
/// but no longer bit-identical with a microcontroller (or with itself built without FMA).
#[cfg(not(all(feature = "fast-fma", target_feature = "fma")))]
#[inline(always)]
fn madd(a: f32, b: f32, c: f32) -> f32 {
    c + a * b
}

/// `a * b + c` fused (see the other `madd`): only with `fast-fma` and FMA hardware.
#[cfg(all(feature = "fast-fma", target_feature = "fma"))]
#[inline(always)]
fn madd(a: f32, b: f32, c: f32) -> f32 {
    a.mul_add(b, c)
}

/// `y[i] += a * x[i]` over the common length.
#[inline]
pub fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi = madd(a, *xi, *yi);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kernel stays within the textbook error bound of the exact (f64) result, with
    /// or without `fast-fma` (the bound that the opt-in feature's docs promise).
    #[test]
    fn kernels_stay_within_the_rounding_bound() {
        let mut s = 12345u32;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s >> 8) as f32 / 8_388_608.0 - 1.0
        };
        let row: [f32; 37] = core::array::from_fn(|_| next());
        let xs: [[f32; 37]; 4] = core::array::from_fn(|_| core::array::from_fn(|_| next()));
        let exact = |x: &[f32; 37]| -> (f64, f64) {
            let dot = row
                .iter()
                .zip(x)
                .map(|(a, b)| f64::from(*a) * f64::from(*b))
                .sum();
            let abs = row
                .iter()
                .zip(x)
                .map(|(a, b)| f64::from(*a * *b).abs())
                .sum::<f64>();
            (dot, abs)
        };
        let bound = |abs: f64| 37.0 * f64::from(f32::EPSILON) * abs;
        let four = dot_samples4(&row, xs.each_ref());
        for (x, got) in xs.iter().zip(four) {
            let (want, abs) = exact(x);
            assert!((f64::from(dot(&row, x)) - want).abs() <= bound(abs));
            assert_eq!(got.to_bits(), dot(&row, x).to_bits());
        }
        let mut y = [0.5f32; 37];
        axpy4(
            [0.25, -1.5, 2.0, 0.125],
            xs.each_ref().map(|x| x.as_slice()),
            &mut y,
        );
        for (i, yi) in y.iter().enumerate() {
            let want = 0.5 + 0.25 * f64::from(xs[0][i]) - 1.5 * f64::from(xs[1][i])
                + 2.0 * f64::from(xs[2][i])
                + 0.125 * f64::from(xs[3][i]);
            assert!((f64::from(*yi) - want).abs() <= 8.0 * f64::from(f32::EPSILON) * 4.0);
        }
    }

    /// `sqrt` is IEEE-754 correctly rounded whichever implementation this build uses (the
    /// standard library's with `std`, the FPU's, `libm`'s): the same bits as `libm::sqrtf`,
    /// over a spread of bit patterns (subnormals, ±0, negatives, ∞ and NaN included).
    #[test]
    fn sqrt_matches_libm_bit_for_bit() {
        let mut bits = 0x9e37_79b9u32;
        // Miri (CI runs the unit tests under it) is ~1000× slower: a smaller sample there.
        let n = if cfg!(miri) { 1u32 << 10 } else { 1u32 << 20 };
        for i in 0..n {
            bits = bits.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let x = f32::from_bits(if i < 64 { i } else { bits });
            let (got, want) = (sqrt(x), libm::sqrtf(x));
            assert!(
                got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                "{x:e}"
            );
        }
        for x in [
            0.0f32,
            -0.0,
            f32::INFINITY,
            f32::MAX,
            f32::MIN_POSITIVE,
            2.0,
        ] {
            assert_eq!(sqrt(x).to_bits(), libm::sqrtf(x).to_bits());
        }
    }

    #[test]
    fn sigmoid_is_stable_at_extremes() {
        assert_eq!(sigmoid(1e30), 1.0);
        assert_eq!(sigmoid(-1e30), 0.0);
        assert_eq!(sigmoid(f32::INFINITY), 1.0);
        assert_eq!(sigmoid(f32::NEG_INFINITY), 0.0);
        assert!(sigmoid(f32::NAN).is_nan());
        assert!((sigmoid(0.0) - 0.5).abs() < 1e-7);
        // Symmetry: s(-x) = 1 - s(x).
        for &x in &[0.1f32, 1.0, 3.0, 10.0] {
            assert!((sigmoid(-x) - (1.0 - sigmoid(x))).abs() < 1e-6);
        }
    }

    #[test]
    fn dot_matches_naive_sum() {
        let a: [f32; 19] = core::array::from_fn(|i| i as f32 * 0.5 - 3.0);
        let b: [f32; 19] = core::array::from_fn(|i| 1.0 - i as f32 * 0.25);
        let naive: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - naive).abs() < 1e-4);
        assert_eq!(dot(&a[..3], &b), a[0] * b[0] + a[1] * b[1] + a[2] * b[2]);
    }

    // Pins bits that the opt-in `fast-fma` (one rounding per multiply-add) changes on purpose.
    #[cfg(not(all(feature = "fast-fma", target_feature = "fma")))]
    #[test]
    fn dot_order_is_pinned_and_shared_by_dot_rows4() {
        // The documented order, written out: 8 lanes over whole chunks, the fixed tree,
        // then the tail. Any reordering changes low bits for these values.
        fn reference(a: &[f32], b: &[f32]) -> f32 {
            let whole = a.len() / 8 * 8;
            let mut acc = [0.0f32; 8];
            for i in 0..whole {
                acc[i % 8] += a[i] * b[i];
            }
            let mut tail = 0.0f32;
            for i in whole..a.len() {
                tail += a[i] * b[i];
            }
            let tree =
                ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
            tree + tail
        }
        const N: usize = 37;
        let rows: [[f32; N]; 4] = core::array::from_fn(|r| {
            core::array::from_fn(|i| 1.0 / (1.0 + (i * 7 + r) as f32) - 0.3)
        });
        let x: [f32; N] = core::array::from_fn(|i| (i as f32 * 0.37).fract() * 3.0 - 1.1);
        let four = dot_rows4(&rows, &x);
        for n in [0, 1, 7, 8, 9, 16, 36, 37] {
            for (r, row) in rows.iter().enumerate() {
                let want = reference(&row[..n], &x[..n]);
                assert_eq!(
                    dot(&row[..n], &x[..n]).to_bits(),
                    want.to_bits(),
                    "dot, n = {n}"
                );
                if n == N {
                    assert_eq!(four[r].to_bits(), want.to_bits(), "dot_rows4, row {r}");
                }
            }
        }
        let short: [[f32; 3]; 4] = [[1.0, 2.0, 3.0]; 4];
        assert_eq!(dot_rows4(&short, &[1.0, -1.0, 0.5]), [0.5; 4]);
    }

    #[test]
    fn exp_infer_error_is_documented_bound() {
        // Exact without fast-math; within micromath's stated ~2e-3 relative error with it.
        let mut x = -10.0f32;
        while x <= 10.0 {
            let rel = (exp_infer(x) - exp(x)).abs() / exp(x);
            assert!(rel < 3e-3, "exp({x}): rel err {rel}");
            x += 0.01;
        }
    }
}
