//! Checks `stacknet::math::sqrt` (the FPU's `vsqrt.f32` on cores with a single-precision
//! FPU) against `libm::sqrtf` bit for bit: every 16384th bit pattern of `f32` (2^18 inputs:
//! both signs, zeros, subnormals, normals, infinities and NaNs), plus the edge values.
//! Prints how many differ; passes only if none does.
#![no_std]
#![no_main]

#[cfg(target_arch = "arm")]
use cortex_m_rt::entry;
use fw_common::out::Line;
#[cfg(target_arch = "riscv32")]
use riscv_rt::entry;

/// Same bits, or both NaN (NaN payloads are not part of the bit-identity claim: no
/// training path stores a NaN).
fn same(a: f32, b: f32) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

#[entry]
fn main() -> ! {
    let mut differ = 0u32;
    let mut checked = 0u32;
    let edges = [
        0.0f32,
        -0.0,
        f32::MIN_POSITIVE,
        1e-45,
        1.0,
        2.0,
        f32::MAX,
        f32::INFINITY,
        -1.0,
        f32::NAN,
    ];
    for &x in &edges {
        checked += 1;
        differ += u32::from(!same(stacknet::math::sqrt(x), libm::sqrtf(x)));
    }
    for i in 0..(1u32 << 18) {
        // An odd multiplier fills the low bits too, not just one pattern per 16384.
        let x = f32::from_bits(i.wrapping_mul(16384).wrapping_add(i.wrapping_mul(2654435761) >> 18));
        checked += 1;
        differ += u32::from(!same(stacknet::math::sqrt(x), libm::sqrtf(x)));
    }
    Line::new()
        .text("sqrt-check: checked=")
        .dec(checked)
        .text(" differ=")
        .dec(differ)
        .send();
    fw_common::exit(differ == 0)
}
