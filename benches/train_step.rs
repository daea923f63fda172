//! Training: one per-sample SGD step (forward, loss, backward, update) at the three
//! dense benchmark sizes and the small CNN (W4), the XOR full-batch epoch, and batch-32 Adam steps.
//! Run: `cargo bench --bench train_step`. Workloads: `benches/common/mod.rs`.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

mod common;

fn per_sample(c: &mut Criterion) {
    let mut g = c.benchmark_group("step");
    let (mut xor, mut opt) = (common::xor(), common::sgd(common::LR_XOR));
    g.bench_function("xor_2-4-1", |b| {
        b.iter(|| black_box(common::xor_step(&mut xor, &mut opt)))
    });
    let (mut digits, mut opt) = (common::digits(), common::sgd(common::LR));
    g.bench_function("digits_64-100-10", |b| {
        b.iter(|| black_box(common::class_step(&mut digits, &mut opt)))
    });
    let (mut mnist, mut opt) = (common::mnist(), common::sgd(common::LR));
    g.bench_function("mnist_784-128-10", |b| {
        b.iter(|| black_box(common::class_step(&mut mnist, &mut opt)))
    });
    let (mut cnn, mut opt) = (common::cnn(), common::sgd(common::LR));
    g.bench_function("cnn_mnist", |b| {
        b.iter(|| black_box(common::class_step(&mut cnn, &mut opt)))
    });
    g.finish();
}

fn batched(c: &mut Criterion) {
    let mut g = c.benchmark_group("batch");
    let (mut xor, mut opt) = (common::xor(), common::sgd(common::LR_XOR));
    g.bench_function("xor_epoch4_sgd", |b| {
        b.iter(|| black_box(common::xor_epoch(&mut xor, &mut opt)))
    });
    let (mut digits, mut adam) = (common::digits(), common::adam());
    g.bench_function("digits_batch32_adam", |b| {
        b.iter(|| black_box(common::class_batch(&mut digits, &mut adam)))
    });
    let (mut mnist, mut adam) = (common::mnist(), common::adam());
    g.bench_function("mnist_batch32_adam", |b| {
        b.iter(|| black_box(common::class_batch(&mut mnist, &mut adam)))
    });
    let (mut cnn, mut adam) = (common::cnn(), common::adam());
    g.bench_function("cnn_batch32_adam", |b| {
        b.iter(|| black_box(common::class_batch(&mut cnn, &mut adam)))
    });
    g.finish();
}

criterion_group!(benches, per_sample, batched);
criterion_main!(benches);
