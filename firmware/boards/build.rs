//! Puts the chosen board's memory.x on the linker's search path. The board directory's
//! .cargo/config.toml names the file in STACKNET_BOARD_MEMORY (an absolute path, resolved by
//! cargo relative to that config) and the board in STACKNET_BOARD.

use std::path::PathBuf;
use std::{env, fs};

fn main() {
    println!("cargo::rerun-if-env-changed=STACKNET_BOARD_MEMORY");
    println!("cargo::rerun-if-env-changed=STACKNET_BOARD");
    println!(
        "cargo::rustc-check-cfg=cfg(board, values(\"pico\", \"nrf52840-dk\", \"stm32f411-blackpill\"))"
    );
    let (Some(memory), Some(board)) = (
        env::var_os("STACKNET_BOARD_MEMORY"),
        env::var("STACKNET_BOARD").ok(),
    ) else {
        panic!("no board chosen: run cargo from pico/, nrf52840-dk/ or stm32f411-blackpill/");
    };
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::copy(&memory, out.join("memory.x")).expect("the board's memory.x");
    println!("cargo::rustc-link-search={}", out.display());
    println!(
        "cargo::rerun-if-changed={}",
        PathBuf::from(memory).display()
    );
    println!("cargo::rustc-cfg=board=\"{board}\"");
}
