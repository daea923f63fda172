#!/usr/bin/env python3
"""PyTorch reference for `cargo run --release --example mnist --features plot,progress`.

Trains the same model as examples/mnist.rs on the same split of data/mnist_5k.csv.gz:
784-128-10 (ReLU, then softmax cross-entropy on the logits), Adam lr 1e-3, batch 32,
5 epochs, 4000 training / 1000 test images after a seeded shuffle.

The split is bit-for-bit the one stacknet makes: this file re-implements
`stacknet::rng(seed)` (rand_xorshift's XorShiftRng seeded through rand_core's PCG32-based
`seed_from_u64`) and `Dataset::shuffle` (Fisher-Yates, j = (next_u32 * (i + 1)) >> 32).
tests/mnist.rs pins the first permutation indices printed below, so the two sides cannot
drift apart silently. Weight initialisation and batch order come from PyTorch's own
generator (its defaults), so the comparison is "same data, same recipe"; the script reports
several PyTorch seeds to show the spread.

Prerequisite: pip install torch numpy   (tested with torch 2.5.1 CPU, numpy 1.26)
Run from the repository root:
    python3 tools/mnist_reference.py > tools/mnist_reference.txt
"""

import gzip
import sys
import time

import numpy as np
import torch
from torch import nn

SPLIT_SEED = 1  # examples/mnist.rs: SEED
N_TRAIN = 4000
EPOCHS = 5
BATCH = 32
LR = 1e-3
TORCH_SEEDS = [0, 1, 2, 3, 4]
MASK64 = (1 << 64) - 1
MASK32 = (1 << 32) - 1


def pcg32(state):
    """rand_core's seed_from_u64 helper: returns (new_state, 4 little-endian bytes)."""
    state = (state * 0x5851F42D4C957F2D + 0xA17654E46FBE17F3) & MASK64
    xorshifted = (((state >> 18) ^ state) >> 27) & MASK32
    rot = state >> 59
    x = ((xorshifted >> rot) | (xorshifted << ((32 - rot) & 31))) & MASK32
    return state, x.to_bytes(4, "little")


class XorShift:
    """rand_xorshift::XorShiftRng, seeded like `stacknet::rng(seed)`."""

    def __init__(self, seed):
        state = seed & MASK64
        seed_bytes = b""
        for _ in range(4):
            state, chunk = pcg32(state)
            seed_bytes += chunk
        words = [int.from_bytes(seed_bytes[i : i + 4], "little") for i in range(0, 16, 4)]
        if words == [0, 0, 0, 0]:
            words = [0x0BAD5EED] * 4
        self.x, self.y, self.z, self.w = words

    def next_u32(self):
        t = (self.x ^ (self.x << 11)) & MASK32
        self.x, self.y, self.z = self.y, self.z, self.w
        self.w = (self.w ^ (self.w >> 19) ^ (t ^ (t >> 8))) & MASK32
        return self.w


def stacknet_permutation(n, seed):
    """The order `Dataset::shuffle(seed)` puts n samples in."""
    rng = XorShift(seed)
    order = list(range(n))
    for i in range(n - 1, 0, -1):
        j = (rng.next_u32() * (i + 1)) >> 32
        order[i], order[j] = order[j], order[i]
    return order


def load():
    with gzip.open("data/mnist_5k.csv.gz", "rt") as f:
        data = np.loadtxt(f, delimiter=",", dtype=np.float32)
    x = data[:, :-1] / 255.0
    y = data[:, -1].astype(np.int64)
    return x, y


def train_once(xtr, ytr, xte, yte, torch_seed):
    torch.manual_seed(torch_seed)
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(torch_seed)
    curve = []
    for _ in range(EPOCHS):
        model.train()
        perm = torch.randperm(len(xtr), generator=gen)
        for k in range(0, len(xtr), BATCH):
            idx = perm[k : k + BATCH]
            opt.zero_grad()
            loss = loss_fn(model(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            acc = (model(xte).argmax(1) == yte).float().mean().item()
        curve.append(acc)
    return curve


def main():
    torch.set_num_threads(1)
    x, y = load()
    order = stacknet_permutation(len(y), SPLIT_SEED)
    print(f"torch {torch.__version__}, numpy {np.__version__}")
    print(f"split seed {SPLIT_SEED}: first permutation indices {order[:8]}")
    train_idx, test_idx = order[:N_TRAIN], order[N_TRAIN:]
    print(f"train labels per class {np.bincount(y[train_idx], minlength=10).tolist()}")
    xtr, ytr = torch.from_numpy(x[train_idx]), torch.from_numpy(y[train_idx])
    xte, yte = torch.from_numpy(x[test_idx]), torch.from_numpy(y[test_idx])
    finals = []
    for s in TORCH_SEEDS:
        t0 = time.perf_counter()
        curve = train_once(xtr, ytr, xte, yte, s)
        finals.append(curve[-1])
        per_epoch = " ".join(f"{100 * a:.2f}" for a in curve)
        print(
            f"torch seed {s}: test accuracy per epoch {per_epoch} -> "
            f"{100 * curve[-1]:.2f}% ({time.perf_counter() - t0:.1f} s)"
        )
    print(
        f"pytorch test accuracy: mean {100 * np.mean(finals):.2f}%, "
        f"min {100 * min(finals):.2f}%, max {100 * max(finals):.2f}% over {len(finals)} seeds"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
