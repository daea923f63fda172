//! Inference (`Layer::infer`, one sample) at the three dense benchmark sizes and the
//! small CNN (W4).
//! Run: `cargo bench --bench inference`. Workloads: `benches/common/mod.rs`.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

mod common;

fn inference(c: &mut Criterion) {
    let mut g = c.benchmark_group("inference");
    let mut xor = common::xor();
    g.bench_function("xor_2-4-1", |b| b.iter(|| black_box(xor.infer())));
    let mut digits = common::digits();
    g.bench_function("digits_64-100-10", |b| b.iter(|| black_box(digits.infer())));
    let mut mnist = common::mnist();
    g.bench_function("mnist_784-128-10", |b| b.iter(|| black_box(mnist.infer())));
    let mut cnn = common::cnn();
    g.bench_function("cnn_mnist", |b| b.iter(|| black_box(cnn.infer())));
    g.finish();
}

criterion_group!(benches, inference);
criterion_main!(benches);
