//! The `infer-int8` firmware without a model (an identity stands in): the flash baseline
//! the model's flash is measured against.
#![no_std]
#![no_main]

#[cfg(target_arch = "arm")]
use cortex_m_rt::entry;
#[cfg(target_arch = "riscv32")]
use riscv_rt::entry;
use stacknet::quant::QLayer;

/// Returns its input.
struct Identity;

impl QLayer for Identity {
    type Input = [i8; 10];
    type Output = [i8; 10];
    fn infer(&self, x: &[i8; 10]) -> [i8; 10] {
        *x
    }
}

#[entry]
fn main() -> ! {
    let x = [[1i8, 2, 3, 4, 5, 6, 7, 8, 9, 10]];
    infer_int8::run("infer-int8-none", &Identity, &x, &x, 0)
}
