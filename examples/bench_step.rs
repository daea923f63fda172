//! Runs one benchmark workload N times, for instruction counting under callgrind.
//!
//! `cargo run --release --example bench_step -- <workload> <n>` where workload is one of
//! `xor_infer`, `xor_step`, `xor_epoch`, `digits_infer`, `digits_step`, `digits_batch`,
//! `mnist_infer`, `mnist_step`, `mnist_batch`. `scripts/bench_peers.sh` and
//! `scripts/ci/50-perf.sh` run it twice (n = N0 and n = N1) under
//! `valgrind --tool=callgrind` and divide the difference by N1 − N0: set-up and process
//! start cancel out, leaving the exact instruction count of one step.
//! The workloads live in `benches/common/mod.rs`, shared with the criterion benches.

use std::hint::black_box;

#[path = "../benches/common/mod.rs"]
mod common;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(name), Some(n)) = (args.next(), args.next()) else {
        eprintln!("usage: bench_step <workload> <n>");
        std::process::exit(2);
    };
    let n: usize = n.parse().expect("n is a count");
    let mut sum = 0.0f32;
    match name.as_str() {
        "xor_infer" => {
            let mut b = common::xor();
            (0..n).for_each(|_| sum += black_box(b.infer())[0]);
        }
        "xor_step" => {
            let (mut b, mut opt) = (common::xor(), common::sgd(common::LR_XOR));
            (0..n).for_each(|_| sum += black_box(common::xor_step(&mut b, &mut opt)));
        }
        "xor_epoch" => {
            let (mut b, mut opt) = (common::xor(), common::sgd(common::LR_XOR));
            (0..n).for_each(|_| sum += black_box(common::xor_epoch(&mut b, &mut opt)));
        }
        "digits_infer" => {
            let mut b = common::digits();
            (0..n).for_each(|_| sum += black_box(b.infer())[0]);
        }
        "digits_step" => {
            let (mut b, mut opt) = (common::digits(), common::sgd(common::LR));
            (0..n).for_each(|_| sum += black_box(common::class_step(&mut b, &mut opt)));
        }
        "digits_batch" => {
            let (mut b, mut opt) = (common::digits(), common::adam());
            (0..n).for_each(|_| sum += black_box(common::class_batch(&mut b, &mut opt)));
        }
        "mnist_infer" => {
            let mut b = common::mnist();
            (0..n).for_each(|_| sum += black_box(b.infer())[0]);
        }
        "mnist_step" => {
            let (mut b, mut opt) = (common::mnist(), common::sgd(common::LR));
            (0..n).for_each(|_| sum += black_box(common::class_step(&mut b, &mut opt)));
        }
        "mnist_batch" => {
            let (mut b, mut opt) = (common::mnist(), common::adam());
            (0..n).for_each(|_| sum += black_box(common::class_batch(&mut b, &mut opt)));
        }
        other => {
            eprintln!("unknown workload {other}");
            std::process::exit(2);
        }
    }
    println!("{name} x{n}: checksum {sum}");
}
