//! Shared by the moons, digits and mnist examples: where plots go, and the memory table.

use stacknet::{Footprint, Layer};
use std::path::PathBuf;

/// `target/plots/` in the repository (or `$STACKNET_PLOTS`), created if missing.
pub fn plots_dir() -> PathBuf {
    let dir = std::env::var_os("STACKNET_PLOTS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/plots"),
        PathBuf::from,
    );
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("cannot create {}: {e}", dir.display());
    }
    dir
}

/// A few common microcontrollers: name, flash bytes, RAM bytes (largest usable block).
const MCUS: [(&str, usize, usize); 6] = [
    (
        "STM32F030 (Cortex-M0, 32 KB flash, 4 KB RAM)",
        32 << 10,
        4 << 10,
    ),
    (
        "STM32F103 (Cortex-M3, 64 KB flash, 20 KB RAM)",
        64 << 10,
        20 << 10,
    ),
    (
        "STM32F411 (Cortex-M4F, 512 KB flash, 128 KB RAM)",
        512 << 10,
        128 << 10,
    ),
    (
        "nRF52840 (Cortex-M4F, 1 MB flash, 256 KB RAM)",
        1 << 20,
        256 << 10,
    ),
    (
        "RP2040 (Cortex-M0+, 2 MB QSPI flash, 264 KB RAM)",
        2 << 20,
        264 << 10,
    ),
    (
        "STM32H743 (Cortex-M7, 2 MB flash, 512 KB AXI RAM)",
        2 << 20,
        512 << 10,
    ),
];

/// Bytes kept free for the program itself: code in flash, stack and buffers in RAM.
const CODE_FLASH: usize = 32 << 10;
const SPARE_RAM: usize = 2 << 10;

fn kb(bytes: usize) -> String {
    format!("{:.1} KB", bytes as f64 / 1024.0)
}

/// Prints the model's memory figures and, for each MCU above, whether it can run inference
/// (weights in flash), train with SGD and train with Adam (everything in RAM).
pub fn print_footprint<L: Layer>(name: &str) {
    let f = Footprint::of::<L>();
    println!("{name} memory (stacknet::Footprint):");
    println!(
        "  {} parameters = {} (flash, as a `static`)",
        f.param_count,
        kb(f.params)
    );
    println!(
        "  gradients {}, forward cache {}, training workspace {}",
        kb(f.grads),
        kb(f.cache),
        kb(f.workspace)
    );
    println!(
        "  Adam state {}, momentum state {}",
        kb(f.adam),
        kb(f.momentum)
    );
    println!(
        "  RAM to train: {} with SGD, {} with Adam",
        kb(f.train_sgd()),
        kb(f.train_adam())
    );
    // Inference needs the input, the cache-sized activations at most, and the output.
    let infer_ram = f.input + f.cache + f.output;
    for (mcu, flash, ram) in MCUS {
        let infer = f.params + CODE_FLASH <= flash && infer_ram + SPARE_RAM <= ram;
        let sgd = f.train_sgd() + SPARE_RAM <= ram;
        let adam = f.train_adam() + SPARE_RAM <= ram;
        let verdict = match (infer, sgd, adam) {
            (_, _, true) => "inference and training (SGD or Adam)",
            (_, true, false) => "inference and SGD training (not Adam)",
            (true, false, false) => "inference only (weights in flash)",
            (false, ..) => "does not fit",
        };
        println!("  {mcu}: {verdict}");
    }
}

/// The seed given as the only command-line argument, or `default` without arguments.
/// A value that is not a `u64`, or any further argument, is an error (never ignored).
#[allow(dead_code)] // the cnn example shares this module but takes no seed
pub fn seed_from_args(default: u64) -> Result<u64, Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => Ok(default),
        [seed] => seed
            .parse()
            .map_err(|_| format!("the seed must be a non-negative integer, not {seed:?}").into()),
        _ => Err(format!("expected at most one argument (the seed), got {args:?}").into()),
    }
}
