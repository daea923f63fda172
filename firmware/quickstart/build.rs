//! Puts memory.x where the linker finds it, and rebuilds when it changes.
//! (The linker only searches the crate root by accident of the working directory; in a
//! workspace it would not find it at all.)

use std::path::PathBuf;
use std::{env, fs};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::copy("memory.x", out.join("memory.x")).expect("memory.x next to Cargo.toml");
    println!("cargo::rustc-link-search={}", out.display());
    println!("cargo::rerun-if-changed=memory.x");
}
