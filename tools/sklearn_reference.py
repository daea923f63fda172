#!/usr/bin/env python3
"""scikit-learn reference for `cargo run --release --example tabular --features std`.

Trains scikit-learn's MLPClassifier, with its default settings behind a StandardScaler, on
exactly the stratified 75/25 splits examples/tabular.rs makes of data/iris.csv,
data/wine_data.csv and data/breast_cancer.csv, for the same seeds, and prints the test
accuracies (mean ± sample standard deviation over the seeds).

The split is stacknet's `stratified_indices(labels, classes, 0.75, seed)`, re-implemented
below: `stacknet::rng(seed)` (rand_xorshift's XorShiftRng seeded through rand_core's
PCG32-based `seed_from_u64`, as in tools/mnist_reference.py), a Fisher-Yates shuffle of
0..n (j = (next_u32 * (i + 1)) >> 32), then the first round(0.75 * count) samples of each
class in that order form the training set. tests/tabular.rs pins the first test indices
printed below, so the two sides cannot drift apart silently.

MLPClassifier(random_state=seed) defaults: hidden_layer_sizes=(100,), ReLU, Adam lr 1e-3,
batch_size=min(200, n), max_iter=200, L2 alpha=1e-4, Glorot-uniform init, and a stop when
the training loss improves by less than 1e-4 for 10 epochs. stacknet runs the same recipe
without the L2 term and the tolerance stop (200 epochs).

Prerequisite: pip install scikit-learn   (tested with scikit-learn 1.9.1, numpy 2.x)
Run from the repository root:
    python3 tools/sklearn_reference.py > tools/sklearn_reference.txt
"""

import sys
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

SEEDS = [1, 2, 3, 4, 5]
FRACTION = 0.75
MASK64 = (1 << 64) - 1
MASK32 = (1 << 32) - 1
FILES = [
    ("iris", "data/iris.csv"),
    ("wine", "data/wine_data.csv"),
    ("breast_cancer", "data/breast_cancer.csv"),
]


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


def shuffled_indices(n, seed):
    rng = XorShift(seed)
    order = list(range(n))
    for i in range(n - 1, 0, -1):
        j = (rng.next_u32() * (i + 1)) >> 32
        order[i], order[j] = order[j], order[i]
    return order


def round_half_away(x):
    return int(np.floor(x + 0.5))


def stratified_indices(labels, fraction, seed):
    """stacknet::std::dataset::stratified_indices."""
    f = float(np.float32(fraction))  # the Rust side takes an f32
    counts = np.bincount(labels)
    quota = [round_half_away(f * c) for c in counts]
    first, rest = [], []
    for i in shuffled_indices(len(labels), seed):
        c = labels[i]
        if quota[c] > 0:
            quota[c] -= 1
            first.append(i)
        else:
            rest.append(i)
    return first, rest


def load(path):
    data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
    return data[:, :-1].astype(np.float32), data[:, -1].astype(np.int64)


def main():
    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}")
    print("StandardScaler + MLPClassifier(random_state=seed), defaults otherwise")
    print("test accuracy (%) per seed, stratified 75/25 split (stacknet's indices)")
    warnings.simplefilter("ignore", ConvergenceWarning)
    for name, path in FILES:
        x, y = load(path)
        accs = []
        for seed in SEEDS:
            train, test = stratified_indices(y, FRACTION, seed)
            if seed == SEEDS[0]:
                print(f"{name}: seed {seed} first test indices {test[:8]}")
            model = make_pipeline(StandardScaler(), MLPClassifier(random_state=seed))
            model.fit(x[train], y[train])
            accs.append(100.0 * model.score(x[test], y[test]))
        each = ", ".join(f"{a:.2f}" for a in accs)
        mean, std = np.mean(accs), np.std(accs, ddof=1)
        print(f"{name:>14}: mean {mean:.2f} ± {std:.2f} over {len(accs)} seeds  [{each}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
