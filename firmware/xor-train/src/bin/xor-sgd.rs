//! Trains XOR 2-4-1 on the device with plain SGD from the seeded start, checks the
//! four outputs and the loss, and compares the weights' checksum with the host's. Exit
//! status 0 = pass. The markers bracket every training step (forward, backward, update).
#![no_std]
#![no_main]

#[cfg(target_arch = "arm")]
use cortex_m_rt::entry;
use fw_common::{Markers, xor};
#[cfg(target_arch = "riscv32")]
use riscv_rt::entry;

#[entry]
fn main() -> ! {
    fw_common::footprint::<xor::Xor>();
    let mut markers = Markers::new();
    let (trained, outputs, checksum) = match xor::train_sgd(&mut markers) {
        Ok(model) => (true, xor::outputs(&model), xor::checksum(&model)),
        Err(_) => (false, [0.5; 4], 0),
    };
    fw_common::finish_training(
        "xor-sgd",
        trained,
        outputs,
        checksum,
        xor::SGD_CHECKSUM,
        &markers,
    )
}
