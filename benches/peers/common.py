"""Shared by the Python peers: the workloads' data (same stream as benches/common/mod.rs)
and a median-of-repeated-runs timer. Output lines: "<impl> <workload> <ns per call>"."""

import time

import numpy as np

SAMPLES = 32
REPEATS = 21


def inputs(n_in, offset):
    """SAMPLES x n_in float32 from xorshift32 (seed 2463534242 + offset), top 24 bits / 2^24."""
    s = (2463534242 + offset) & 0xFFFFFFFF
    out = np.empty(SAMPLES * n_in, dtype=np.float32)
    for i in range(out.size):
        s ^= (s << 13) & 0xFFFFFFFF
        s ^= s >> 17
        s ^= (s << 5) & 0xFFFFFFFF
        out[i] = (s >> 8) / 16777216.0
    return out.reshape(SAMPLES, n_in)


def targets10():
    t = np.zeros((SAMPLES, 10), dtype=np.float32)
    t[np.arange(SAMPLES), np.arange(SAMPLES) % 10] = 1.0
    return t


XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
XOR_T = np.array([[0], [1], [1], [0]], dtype=np.float32)


def uniform(rng, shape, fan_in, fan_out):
    lim = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-lim, lim, size=shape).astype(np.float32)


def time_median(label, fn):
    """Prints the median ns per call over REPEATS runs, each sized to take ~10 ms."""
    iters = 1
    while True:
        t0 = time.perf_counter_ns()
        for _ in range(iters):
            fn()
        if time.perf_counter_ns() - t0 > 10_000_000:
            break
        iters *= 2
    runs = []
    for _ in range(REPEATS):
        t0 = time.perf_counter_ns()
        for _ in range(iters):
            fn()
        runs.append((time.perf_counter_ns() - t0) / iters)
    runs.sort()
    print(f"{label} {runs[REPEATS // 2]:.1f}", flush=True)
