//! Runs one benchmark workload N times, for instruction counting under callgrind, or times
//! them all the way the C and Python peers do.
//!
//! `cargo run --release --features std --example bench_step -- time` prints "stacknet <workload> <ns>" per
//! workload: the median of 21 runs of ~10 ms each, the same method as `benches/peers/common.h`,
//! so `scripts/bench_peers.sh` can interleave stacknet with its peers round by round.
//!
//! `cargo run --release --features std --example bench_step -- <workload> <n>` where workload is one of
//! `xor_infer`, `xor_step`, `xor_epoch`, `digits_infer`, `digits_step`, `digits_adam_step`, `digits_batch`,
//! `mnist_infer`, `mnist_step`, `mnist_batch`, `cnn_infer`, `cnn_step`, `cnn_batch`, and
//! `digits_batch4`, `mnist_batch4`, `cnn_batch4` (the batch steps through `BatchWorkspace`). `scripts/bench_peers.sh` and
//! `scripts/ci/50-perf.sh` run it twice (n = N0 and n = N1) under
//! `valgrind --tool=callgrind` and divide the difference by N1 − N0: set-up and process
//! start cancel out, leaving the exact instruction count of one step.
//! The workloads live in `benches/common/mod.rs`, shared with the criterion benches.

use std::hint::black_box;
use std::time::Instant;

#[path = "../benches/common/mod.rs"]
mod common;

/// Median over 21 runs of the ns per call of `f`, each run sized to take ~10 ms.
fn time_median(label: &str, mut f: impl FnMut() -> f32) {
    let mut iters = 1u64;
    loop {
        let t0 = Instant::now();
        (0..iters).for_each(|_| {
            black_box(f());
        });
        if t0.elapsed().as_secs_f64() > 0.01 {
            break;
        }
        iters *= 2;
    }
    let mut runs: Vec<f64> = (0..21)
        .map(|_| {
            let t0 = Instant::now();
            (0..iters).for_each(|_| {
                black_box(f());
            });
            t0.elapsed().as_secs_f64() * 1e9 / iters as f64
        })
        .collect();
    runs.sort_by(f64::total_cmp);
    println!("stacknet {label} {:.1}", runs[runs.len() / 2]);
}

fn time_all() {
    let mut b = common::xor();
    time_median("xor_infer", || b.infer()[0]);
    let (mut b, mut opt) = (common::xor(), common::sgd(common::LR_XOR));
    time_median("xor_step", || common::xor_step(&mut b, &mut opt));
    let (mut b, mut opt) = (common::xor(), common::sgd(common::LR_XOR));
    time_median("xor_epoch", || common::xor_epoch(&mut b, &mut opt));
    let mut b = common::digits();
    time_median("digits_infer", || b.infer()[0]);
    let (mut b, mut opt) = (common::digits(), common::sgd(common::LR));
    time_median("digits_step", || common::class_step(&mut b, &mut opt));
    let (mut b, mut opt) = (common::digits(), common::adam());
    time_median("digits_batch", || common::class_batch(&mut b, &mut opt));
    let (mut b, mut opt) = (common::digits(), common::adam());
    time_median("digits_batch4", || common::class_batch4(&mut b, &mut opt));
    let mut b = common::mnist();
    time_median("mnist_infer", || b.infer()[0]);
    let (mut b, mut opt) = (common::mnist(), common::sgd(common::LR));
    time_median("mnist_step", || common::class_step(&mut b, &mut opt));
    let (mut b, mut opt) = (common::mnist(), common::adam());
    time_median("mnist_batch", || common::class_batch(&mut b, &mut opt));
    let (mut b, mut opt) = (common::mnist(), common::adam());
    time_median("mnist_batch4", || common::class_batch4(&mut b, &mut opt));
    let mut b = common::cnn();
    time_median("cnn_infer", || b.infer()[0]);
    let (mut b, mut opt) = (common::cnn(), common::sgd(common::LR));
    time_median("cnn_step", || common::class_step(&mut b, &mut opt));
    let (mut b, mut opt) = (common::cnn(), common::adam());
    time_median("cnn_batch", || common::class_batch(&mut b, &mut opt));
    let (mut b, mut opt) = (common::cnn(), common::adam());
    time_median("cnn_batch4", || common::class_batch4(&mut b, &mut opt));
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("time") {
        time_all();
        return;
    }
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
        "digits_adam_step" => {
            let (mut b, mut opt) = (common::digits(), common::adam());
            (0..n).for_each(|_| sum += black_box(common::class_step(&mut b, &mut *opt)));
        }
        "digits_batch" => {
            let (mut b, mut opt) = (common::digits(), common::adam());
            (0..n).for_each(|_| sum += black_box(common::class_batch(&mut b, &mut opt)));
        }
        "digits_batch4" => {
            let (mut b, mut opt) = (common::digits(), common::adam());
            (0..n).for_each(|_| sum += black_box(common::class_batch4(&mut b, &mut opt)));
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
        "mnist_batch4" => {
            let (mut b, mut opt) = (common::mnist(), common::adam());
            (0..n).for_each(|_| sum += black_box(common::class_batch4(&mut b, &mut opt)));
        }
        "cnn_infer" => {
            let mut b = common::cnn();
            (0..n).for_each(|_| sum += black_box(b.infer())[0]);
        }
        "cnn_step" => {
            let (mut b, mut opt) = (common::cnn(), common::sgd(common::LR));
            (0..n).for_each(|_| sum += black_box(common::class_step(&mut b, &mut opt)));
        }
        "cnn_batch" => {
            let (mut b, mut opt) = (common::cnn(), common::adam());
            (0..n).for_each(|_| sum += black_box(common::class_batch(&mut b, &mut opt)));
        }
        "cnn_batch4" => {
            let (mut b, mut opt) = (common::cnn(), common::adam());
            (0..n).for_each(|_| sum += black_box(common::class_batch4(&mut b, &mut opt)));
        }
        other => {
            eprintln!("unknown workload {other}");
            std::process::exit(2);
        }
    }
    println!("{name} x{n}: checksum {sum}");
}
