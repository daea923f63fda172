#!/usr/bin/env python3
"""Side by side: the CNNs of examples/cnn.rs trained in PyTorch and in stacknet.

Same data (data/*.csv.gz, scaled to [0, 1]), same seeded split (stacknet's
`Dataset::shuffle(1)` reproduced below bit for bit: XorShift128 seeded through rand_core's
`seed_from_u64`, Fisher-Yates with `below(n) = (next_u32 * n) >> 32`), same architectures,
same optimiser (Adam lr 1e-3, PyTorch defaults otherwise), batch 32, same epochs, same
initialisation scheme (He/Kaiming uniform weights, zero biases; PyTorch's default init is
run too, as a second column). With its own random draws and sample order PyTorch is one
sample of the same distribution, so each side runs several seeds; a third column starts
PyTorch from stacknet's exact initial weights and feeds stacknet's exact per-epoch sample
order (both reproduced below), the like-for-like comparison: the two should then agree
seed by seed up to floating-point rounding.

Run from the repository root (torch 2.5.1 CPU; cargo for the stacknet column):

    python3 tools/cnn_reference.py            # everything, writes tools/cnn_reference.txt
    python3 tools/cnn_reference.py --quick    # one seed, no stacknet column, no file

The committed tools/cnn_reference.txt is this script's output.
"""
import argparse
import gzip
import os
import re
import statistics
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SPLIT_SEED = 1
M64 = (1 << 64) - 1
M32 = (1 << 32) - 1


class XorShift:
    """rand_xorshift 0.5 `XorShiftRng`, seeded as `SeedableRng::seed_from_u64` (rand_core 0.10)."""

    def __init__(self, seed):
        state = seed & M64
        words = []
        for _ in range(4):  # rand_core's pcg32 fills the 16-byte seed, 4 bytes at a time
            state = (state * 0x5851F42D4C957F2D + 0xA17654E46FBE17F3) & M64
            xorshifted = (((state >> 18) ^ state) >> 27) & M32
            rot = state >> 59
            words.append(((xorshifted >> rot) | (xorshifted << ((32 - rot) & 31))) & M32)
        if words == [0, 0, 0, 0]:
            words = [0x0BAD5EED] * 4
        self.x, self.y, self.z, self.w = words

    def next_u32(self):
        t = (self.x ^ (self.x << 11)) & M32
        self.x, self.y, self.z = self.y, self.z, self.w
        self.w = (self.w ^ (self.w >> 19) ^ (t ^ (t >> 8))) & M32
        return self.w


def stacknet_shuffle_order(n, seed):
    """The permutation `Dataset::shuffle(seed)` applies: position i gets sample order[i]."""
    rng = XorShift(seed)
    order = list(range(n))
    for i in range(n - 1, 0, -1):
        j = (rng.next_u32() * (i + 1)) >> 32
        order[i], order[j] = order[j], order[i]
    return order


def below(rng, n):
    """stacknet::std::dataset::below: a uniform index in 0..n from one u32."""
    return (rng.next_u32() * n) >> 32


def stacknet_init(model, seed):
    """`model.init(Init::HeUniform, &mut stacknet::rng(seed))` reproduced exactly: layers in
    order, weights row-major, w = limit * (2 * ((u32 >> 8) / 2^24) - 1) in f32 with
    limit = sqrtf(6 / fan_in); biases zero."""
    rng = XorShift(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                fan_in = m.weight[0].numel()
                limit = np.sqrt(np.float32(6.0) / np.float32(fan_in), dtype=np.float32)
                n = m.weight.numel()
                u = np.array([rng.next_u32() >> 8 for _ in range(n)], dtype=np.float32)
                pm1 = np.float32(2.0) * (u * np.float32(1.0 / 16777216.0)) - np.float32(1.0)
                w = (limit * pm1).astype(np.float32)
                m.weight.copy_(torch.from_numpy(w.reshape(m.weight.shape)))
                m.bias.zero_()


def stacknet_epoch_orders(n, epochs, seed):
    """The sample order of every epoch of `stacknet::std::fit` with `FitConfig.seed = seed`:
    one generator, the previous epoch's order reshuffled in place each epoch."""
    rng = XorShift(seed)
    order = list(range(n))
    for _ in range(epochs):
        for i in range(n - 1, 0, -1):
            j = below(rng, i + 1)
            order[i], order[j] = order[j], order[i]
        yield torch.tensor(order)


def load(name, max_value):
    with gzip.open(os.path.join(ROOT, "data", name), "rt") as f:
        rows = np.loadtxt(f, delimiter=",", dtype=np.float64)
    x = (rows[:, :-1] / max_value).astype(np.float32)
    y = rows[:, -1].astype(np.int64)
    return x, y


def split(dataset, n_train_of):
    x, y = dataset
    order = stacknet_shuffle_order(len(y), SPLIT_SEED)
    x, y = x[order], y[order]
    n = n_train_of(len(y))
    return (x[:n], y[:n]), (x[n:], y[n:])


def small(side):
    out = side - 2
    return nn.Sequential(
        nn.Unflatten(1, (1, side, side)),
        nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(8 * (out // 2) ** 2, 10),
    )


def deep_digits():
    return nn.Sequential(
        nn.Unflatten(1, (1, 8, 8)),
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 2 * 2, 10),
    )


def deep_mnist():
    return nn.Sequential(
        nn.Unflatten(1, (1, 28, 28)),
        nn.Conv2d(1, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 4 * 4, 10),
    )


def he_uniform_zero_bias(model):
    """stacknet's `Init::HeUniform`: U(-a, a), a = sqrt(6 / fan_in), biases zero."""
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_uniform_(m.weight, a=0.0, nonlinearity="relu")
            nn.init.zeros_(m.bias)


def train_torch(make, data, epochs, seed, init):
    """init: "he" (He uniform, zero bias, torch's RNG), "default" (PyTorch's own init), or
    "stacknet" (stacknet's exact initial weights and per-epoch sample order for `seed`)."""
    (xtr, ytr), (xte, yte) = data
    torch.manual_seed(seed)
    model = make()
    if init == "he":
        he_uniform_zero_bias(model)
    if init == "stacknet":
        stacknet_init(model, seed)
        orders = stacknet_epoch_orders(len(ytr), epochs, seed)
    else:
        orders = (torch.randperm(len(ytr)) for _ in range(epochs))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    xtr, ytr, xte, yte = map(torch.from_numpy, (xtr, ytr, xte, yte))
    start = time.perf_counter()
    for perm in orders:
        model.train()
        for i in range(0, len(ytr), 32):
            idx = perm[i:i + 32]
            opt.zero_grad()
            F.cross_entropy(model(xtr[idx]), ytr[idx]).backward()
            opt.step()
    per_epoch = (time.perf_counter() - start) / epochs
    model.eval()
    with torch.no_grad():
        acc = (model(xte).argmax(1) == yte).float().mean().item()
    return acc, per_epoch


def train_stacknet(model, data, epochs, seed):
    cmd = ["cargo", "run", "--quiet", "--release", "--features", "plot,progress", "--example", "cnn",
           "--", model, data, str(epochs), str(seed)]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    out = done.stdout
    m = re.search(r"test accuracy ([0-9.]+) %.*training ([0-9.]+) s/epoch", out)
    return float(m.group(1)) / 100.0, float(m.group(2))


def fmt(accs):
    pct = [100 * a for a in accs]
    if len(pct) == 1:
        return f"{pct[0]:.2f}"
    return f"{statistics.mean(pct):.2f} ({min(pct):.1f}-{max(pct):.1f})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="one seed, no stacknet column")
    ap.add_argument("--out", default=os.path.join(ROOT, "tools", "cnn_reference.txt"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    seeds = [1] if args.quick else [1, 2, 3]

    digits = split(load("digits.csv.gz", 16.0), lambda n: round(0.75 * n))
    mnist = split(load("mnist_5k.csv.gz", 255.0), lambda n: 4000)
    # Cross-check of the split against stacknet (Rust prints the same in tests/cnn.rs).
    print("digits test labels[:10]", digits[1][1][:10].tolist(), file=sys.stderr)
    print("mnist test labels[:10]", mnist[1][1][:10].tolist(), file=sys.stderr)

    many = [1] if args.quick else list(range(1, 11))  # small digits runs are cheap: 10 seeds
    five = [1] if args.quick else list(range(1, 6))
    runs = [
        ("small", "digits", lambda: small(8), digits, 15, many),
        ("small", "mnist", lambda: small(28), mnist, 15, seeds),
        ("deep", "digits", deep_digits, digits, 40, five),
        ("deep", "mnist", deep_mnist, mnist, 15, seeds),
    ]
    lines = [
        f"# tools/cnn_reference.py, torch {torch.__version__} (CPU, 1 thread)",
        "# test accuracy %: mean (min-max) over seeds 1..n; s/epoch: training only, mean,",
        "# wall clock on a shared 2-core machine (noisy)",
        "# split: seeded shuffle (seed 1, as the dense examples), then digits 1348/449,",
        "# MNIST 4000/1000",
        "# columns: PyTorch with He-uniform init / PyTorch's default init / PyTorch started",
        "# from stacknet's exact initial weights with stacknet's per-epoch sample order /",
        "# stacknet (examples/cnn.rs); Adam lr 1e-3, batch 32 everywhere",
        "",
        "| model | data | epochs | seeds | PyTorch, He init | PyTorch, default init "
        "| PyTorch, stacknet init + order | stacknet | s/epoch PyTorch | s/epoch stacknet |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    notes = ["", "Per seed, the like-for-like pair (same initial weights, same sample order):"]
    for model, data_name, make, data, epochs, run_seeds in runs:
        he = [train_torch(make, data, epochs, s, "he") for s in run_seeds]
        default = [train_torch(make, data, epochs, s, "default") for s in run_seeds]
        same = [train_torch(make, data, epochs, s, "stacknet") for s in run_seeds]
        ours = [] if args.quick else [train_stacknet(model, data_name, epochs, s) for s in run_seeds]
        acc_ours = fmt([a for a, _ in ours]) if ours else "-"
        t_ours = f"{statistics.mean(t for _, t in ours):.2f}" if ours else "-"
        row = (
            f"| {model} | {data_name} | {epochs} | {len(run_seeds)} | {fmt([a for a, _ in he])} "
            f"| {fmt([a for a, _ in default])} | {fmt([a for a, _ in same])} | {acc_ours} "
            f"| {statistics.mean(t for _, t in he):.2f} | {t_ours} |"
        )
        print(row, flush=True)
        lines.append(row)
        if ours:
            per_seed = ", ".join(
                f"{s}: {100 * a:.1f}/{100 * b:.1f}" for s, (a, _), (b, _) in zip(run_seeds, same, ours)
            )
            note = f"- {model} {data_name}, seed: PyTorch from stacknet's start / stacknet: {per_seed}"
            print(note, flush=True)
            notes.append(note)
    if not args.quick:
        with open(args.out, "w") as f:
            f.write("\n".join(lines + notes) + "\n")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
