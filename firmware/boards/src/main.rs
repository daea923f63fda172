//! stacknet on a real board: trains XOR 2-4-1 with Adam on the microcontroller and logs the
//! loss and the truth table over defmt/RTT (`probe-rs run` shows it). The session ends with
//! the verdict as `probe-rs`'s exit status: 0 only if all four rows come out right.
//!
//! The same source serves every board; the board directory you run cargo from (pico/,
//! nrf52840-dk/, stm32f411-blackpill/) picks the target, memory layout and probe. No HAL is
//! needed: the training touches only the core, and RTT works through the debug probe.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use cortex_m_semihosting::debug;
use defmt_rtt as _;
use panic_probe as _;
use stacknet::loss::Mse;
use stacknet::optim::Adam;
use stacknet::{Dense, Footprint, Init, Layer, Sigmoid, StepWorkspace, Zero, chain};

/// The RP2040's second-stage bootloader, placed in the first 256 bytes of flash by
/// pico/memory.x (the boot ROM checks its checksum and runs it).
#[cfg(board = "pico")]
#[unsafe(link_section = ".boot2")]
#[used]
static BOOT2: [u8; 256] = rp2040_boot2::BOOT_LOADER_W25Q080;

/// The architecture is a type: shapes are checked at compile time, sizes are constants.
type Xor = chain![Dense<2, 4>, Sigmoid<4>, Dense<4, 1>, Sigmoid<1>];

const INPUTS: [[f32; 2]; 4] = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
const TARGETS: [[f32; 1]; 4] = [[0.0], [1.0], [1.0], [0.0]];
const EPOCHS: u32 = 500;

#[entry]
fn main() -> ! {
    // With stacknet's `defmt` feature, Footprint and the error types print with `{}`.
    let footprint = Footprint::of::<Xor>();
    defmt::println!(
        "stacknet on {=str}: XOR 2-4-1, Adam, {=u32} epochs; training state {=usize} B \
         (+ step stack, docs/FOOTPRINT.md); {}",
        board_name(),
        EPOCHS,
        footprint.train_adam(),
        footprint
    );

    let mut net = Xor::ZERO;
    net.init(Init::XavierUniform, &mut stacknet::rng(1));
    let mut ws = StepWorkspace::<Xor>::new();
    let mut opt = match Adam::new(0.05) {
        Ok(opt) => opt,
        Err(e) => {
            defmt::println!("optimizer refused: {}", e);
            exit(false)
        }
    };

    for epoch in 1..=EPOCHS {
        let mut loss = 0.0;
        for (x, t) in INPUTS.iter().zip(&TARGETS) {
            // An Err means NaN/∞ data or gradients; the weights are then left as they were.
            match ws.step(&mut net, &mut opt, &Mse, x, t) {
                Ok(l) => loss += l,
                Err(e) => {
                    defmt::println!("epoch {=u32}: step refused: {}", epoch, e);
                    exit(false)
                }
            }
        }
        if epoch == 1 || epoch % 100 == 0 {
            defmt::println!("epoch {=u32}  mean loss {=f32}", epoch, loss / 4.0);
        }
    }

    let mut all_right = true;
    for (x, t) in INPUTS.iter().zip(&TARGETS) {
        let y = net.infer(x)[0];
        let right = (y > 0.5) == (t[0] > 0.5);
        all_right &= right;
        defmt::println!(
            "{=f32} XOR {=f32} = {=f32}: network {=f32} {=str}",
            x[0],
            x[1],
            t[0],
            y,
            if right { "ok" } else { "WRONG" }
        );
    }
    exit(all_right)
}

/// The board this image was built for (set by the board directory's .cargo/config.toml).
fn board_name() -> &'static str {
    if cfg!(board = "pico") {
        "Raspberry Pi Pico (RP2040)"
    } else if cfg!(board = "nrf52840-dk") {
        "nRF52840-DK"
    } else {
        "STM32F411 Black Pill"
    }
}

/// Logs the verdict and ends the `probe-rs run` session with exit status 0 (pass) or 1
/// (fail) through semihosting. Without a debugger attached the semihosting call stops the
/// core (a breakpoint with nobody to answer it), which is the end of the program anyway.
fn exit(pass: bool) -> ! {
    defmt::println!("{=str}", if pass { "PASS" } else { "FAIL" });
    debug::exit(if pass {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    loop {
        cortex_m::asm::wfi();
    }
}
