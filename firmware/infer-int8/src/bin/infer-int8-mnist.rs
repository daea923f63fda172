//! The LeNet-style MNIST CNN imported from `tests/fixtures/int8/mnist_cnn.tflite`, run on
//! four fixture inputs; passes when every int8 output equals LiteRT's.
#![no_std]
#![no_main]

#[cfg(target_arch = "arm")]
use cortex_m_rt::entry;
#[cfg(target_arch = "riscv32")]
use riscv_rt::entry;

#[rustfmt::skip]
#[path = "../mnist_q8.rs"]
mod mnist_q8;

#[entry]
fn main() -> ! {
    infer_int8::run(
        "infer-int8-mnist",
        &mnist_q8::MNIST_Q8,
        &mnist_q8::IMAGES,
        &mnist_q8::OUTPUTS,
        mnist_q8::INT8_PARAM_BYTES,
    )
}
