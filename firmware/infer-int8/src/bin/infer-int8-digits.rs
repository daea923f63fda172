//! The 8×8 digits net of `firmware/infer` (64-100-10 ReLU), post-training quantized on the
//! host (tests/int8_firmware.rs), run integer-only on ten test images; passes when every
//! int8 output equals the host's.
#![no_std]
#![no_main]

#[cfg(target_arch = "arm")]
use cortex_m_rt::entry;
#[cfg(target_arch = "riscv32")]
use riscv_rt::entry;

#[rustfmt::skip]
#[path = "../digits_q8.rs"]
mod digits_q8;

#[entry]
fn main() -> ! {
    infer_int8::run(
        "infer-int8-digits",
        &digits_q8::DIGITS_Q8,
        &digits_q8::IMAGES,
        &digits_q8::OUTPUTS,
        digits_q8::INT8_PARAM_BYTES,
    )
}
