//! stacknet quick start: trains a 2-4-1 network on XOR *on the microcontroller*, prints the
//! loss as it falls and the learned truth table, and exits with success only if all four
//! rows come out right. `cargo run --release` runs it on QEMU (see .cargo/config.toml).
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use panic_semihosting as _;
use stacknet::loss::Mse;
use stacknet::optim::Adam;
use stacknet::{Dense, Footprint, Init, Layer, Sigmoid, StepWorkspace, Zero, chain};

/// The architecture is a type: shapes are checked at compile time, sizes are constants.
type Xor = chain![Dense<2, 4>, Sigmoid<4>, Dense<4, 1>, Sigmoid<1>];

/// Every byte of training state (parameters + workspace + Adam's moments), known before the
/// firmware runs. The step's own stack comes on top: 256-288 B on a Cortex-M4F, 364-420 B
/// on a Cortex-M0 (measured, docs/FOOTPRINT.md).
const TRAINING_STATE: usize = Footprint::of::<Xor>().train_adam();

const INPUTS: [[f32; 2]; 4] = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
const TARGETS: [[f32; 1]; 4] = [[0.0], [1.0], [1.0], [0.0]];
const EPOCHS: u32 = 500;

#[entry]
fn main() -> ! {
    hprintln!(
        "stacknet quick start: XOR 2-4-1, Adam, {} epochs, {} B of training state",
        EPOCHS,
        TRAINING_STATE
    );

    let mut net = Xor::ZERO;
    net.init(Init::XavierUniform, &mut stacknet::rng(1));
    let mut ws = StepWorkspace::<Xor>::new();
    let Ok(mut opt) = Adam::new(0.05) else {
        hprintln!("invalid learning rate");
        exit(false)
    };

    for epoch in 1..=EPOCHS {
        let mut loss = 0.0;
        for (x, t) in INPUTS.iter().zip(&TARGETS) {
            // One sample: forward, loss, backward, Adam update. An Err means NaN/∞ data or
            // gradients; the weights are then left exactly as they were.
            match ws.step(&mut net, &mut opt, &Mse, x, t) {
                Ok(l) => loss += l,
                Err(e) => {
                    hprintln!("epoch {}: step refused: {}", epoch, e);
                    exit(false)
                }
            }
        }
        if epoch == 1 || epoch % 100 == 0 {
            hprintln!("epoch {:>3}  mean loss {:.5}", epoch, loss / 4.0);
        }
    }

    hprintln!(" a  b | a XOR b | network");
    let mut all_right = true;
    for (x, t) in INPUTS.iter().zip(&TARGETS) {
        let y = net.infer(x)[0];
        let right = (y > 0.5) == (t[0] > 0.5);
        all_right &= right;
        hprintln!(
            " {}  {} |    {}    | {:.3} {}",
            x[0] as u8,
            x[1] as u8,
            t[0] as u8,
            y,
            if right { "ok" } else { "WRONG" }
        );
    }
    exit(all_right)
}

/// Prints the verdict and ends the QEMU run with exit status 0 (pass) or 1 (fail).
fn exit(pass: bool) -> ! {
    hprintln!("{}", if pass { "PASS" } else { "FAIL" });
    debug::exit(if pass {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    // Only reached without a debugger or emulator to end the run.
    loop {
        cortex_m::asm::wfi();
    }
}
