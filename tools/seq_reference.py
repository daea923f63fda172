#!/usr/bin/env python3
"""The PyTorch yardstick for stacknet's sequence models: GRU and Conv1d classifiers trained
on BasicMotions and JapaneseVowels, test accuracy over several seeds.

Data: the committed data/*.ts.gz files, the archive's own train/test split (BasicMotions
40/40, JapaneseVowels 270/370), read with the same rules as stacknet's `read_ts`:

- BasicMotions: 6 channels x 100 steps, every channel standardised with the training set's
  mean and (population) standard deviation (`SeqDataset::channel_mean_std` + `standardize`).
- JapaneseVowels: 12 channels padded to 29 steps (the longest utterance), not standardised
  (the LPC cepstra are already of order 1). The GRU reads zeros *before* the utterance
  (`Pad::ZerosBefore`) so its last state follows the real frames; the Conv1d net pads
  after (`Pad::ZerosAfter`) and averages over all 29 steps. A third row, gru_pad_after,
  trains the GRU on the after-padded data for comparison.

Models (each <= 20 k parameters, counted below):

- GRU: nn.GRU(C, 32, batch_first=True), last hidden state, nn.Linear(32, K).
- Conv1d: Conv1d(C, 16, 5, padding=2), ReLU, MaxPool1d(2), Conv1d(16, 32, 5, padding=2),
  ReLU, mean over time, Linear(32, K).

Training: PyTorch's default initialisation, Adam (lr 3e-3, other defaults), softmax cross
entropy averaged over mini-batches of 16, a fixed number of epochs (no early stopping, no
model selection on the test set: the accuracy reported is after the last epoch). Each epoch's
sample order is the one `stacknet::std::fit` would use with `seed` (reproduced from
tools/cnn_reference.py), so a stacknet run can follow the same order; PyTorch's own
initialisation is seeded with the same seed. One thread.

Run from the repository root (installs torch in a venv first if needed, see seq_torch.py):

    python3 tools/seq_reference.py            # 5 seeds, writes tools/seq_reference.txt
    python3 tools/seq_reference.py --quick    # 1 seed, prints only
"""
from __future__ import annotations

import argparse
import gzip
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seq_torch import ensure_torch  # noqa: E402

ensure_torch()

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from cnn_reference import stacknet_epoch_orders  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def read_ts(name: str):
    """(list of arrays channels x length, labels as indices, class names) from a .ts.gz file;
    no checks beyond what these two committed files need (stacknet's loader does those)."""
    with gzip.open(os.path.join(ROOT, "data", name), "rt") as f:
        lines = f.read().splitlines()
    classes, series, labels = None, [], []
    in_data = False
    for line in lines:
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if not in_data:
            words = text.split()
            if words[0].lower() == "@classlabel":
                classes = words[2:]
            elif words[0].lower() == "@data":
                in_data = True
            continue
        *dims, label = text.split(":")
        series.append(np.array([[float(v) for v in d.split(",")] for d in dims], np.float32))
        labels.append(classes.index(label.strip()))
    return series, np.array(labels, np.int64), classes


def pad(series, steps: int, before: bool) -> np.ndarray:
    out = np.zeros((len(series), series[0].shape[0], steps), np.float32)
    for i, s in enumerate(series):
        n = s.shape[1]
        if before:
            out[i, :, steps - n:] = s
        else:
            out[i, :, :n] = s
    return out


def dataset(name: str, model: str):
    """((x_train, y_train), (x_test, y_test), channels, steps, classes) as float32 tensors,
    x in channels x time."""
    if name == "BasicMotions":
        tr, ytr, classes = read_ts("basicmotions_train.ts.gz")
        te, yte, _ = read_ts("basicmotions_test.ts.gz")
        xtr, xte = np.stack(tr), np.stack(te)
        mean = xtr.astype(np.float64).mean(axis=(0, 2), keepdims=True)
        std = xtr.astype(np.float64).std(axis=(0, 2), keepdims=True)
        xtr = ((xtr - mean) / std).astype(np.float32)
        xte = ((xte - mean) / std).astype(np.float32)
    else:
        tr, ytr, classes = read_ts("japanesevowels_train.ts.gz")
        te, yte, _ = read_ts("japanesevowels_test.ts.gz")
        before = model == "gru"  # "gru_pad_after" pads after, to show why
        xtr, xte = pad(tr, 29, before), pad(te, 29, before)
    t = torch.from_numpy
    return ((t(xtr), t(ytr)), (t(xte), t(yte)), xtr.shape[1], xtr.shape[2], len(classes))


class GruNet(nn.Module):
    def __init__(self, channels: int, classes: int, hidden: int = 32):
        super().__init__()
        self.gru = nn.GRU(channels, hidden, batch_first=True)
        self.out = nn.Linear(hidden, classes)

    def forward(self, x):  # x: batch x channels x time
        _, h = self.gru(x.transpose(1, 2))
        return self.out(h[0])


class ConvNet(nn.Module):
    def __init__(self, channels: int, classes: int):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv1d(channels, 16, 5, padding=2), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(16, 32, 5, padding=2), nn.ReLU(),
        )
        self.out = nn.Linear(32, classes)

    def forward(self, x):
        return self.out(self.features(x).mean(dim=2))


MODELS = {"gru": GruNet, "conv1d": ConvNet, "gru_pad_after": GruNet}
EPOCHS = {"BasicMotions": 150, "JapaneseVowels": 60}
BATCH = 16
LR = 3e-3


def accuracy(model, x, y) -> float:
    model.eval()
    with torch.no_grad():
        return (model(x).argmax(dim=1) == y).float().mean().item()


def train(name: str, model_name: str, seed: int):
    (xtr, ytr), (xte, yte), channels, _, classes = dataset(name, model_name)
    torch.manual_seed(seed)
    model = MODELS[model_name](channels, classes)
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    start = time.time()
    for order in stacknet_epoch_orders(len(ytr), EPOCHS[name], seed):
        model.train()
        for b in range(0, len(order), BATCH):
            idx = order[b:b + BATCH]
            opt.zero_grad()
            loss_fn(model(xtr[idx]), ytr[idx]).backward()
            opt.step()
    return accuracy(model, xte, yte), accuracy(model, xtr, ytr), params, time.time() - start


def summary(values) -> str:
    mean = statistics.mean(values)
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return (f"{100 * mean:.1f} % ± {100 * spread:.1f} "
            f"(min {100 * min(values):.1f}, max {100 * max(values):.1f})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="one seed, print only")
    args = ap.parse_args()
    torch.set_num_threads(1)
    seeds = [0] if args.quick else [0, 1, 2, 3, 4]
    out = [
        "# tools/seq_reference.py: PyTorch GRU and Conv1d classifiers on the UEA archive's "
        "train/test splits",
        f"# torch {torch.__version__}, numpy {np.__version__}, 1 thread, seeds {seeds}; "
        f"Adam lr {LR}, batch {BATCH}, epochs {EPOCHS}",
        "# test accuracy after the last epoch: mean ± sample standard deviation over seeds",
        "",
    ]
    print("\n".join(out), flush=True)
    for name in ("BasicMotions", "JapaneseVowels"):
        variants = ("gru", "conv1d") if name == "BasicMotions" else ("gru", "conv1d",
                                                                     "gru_pad_after")
        for model_name in variants:
            tests, trains, secs, params = [], [], [], 0
            for seed in seeds:
                test_acc, train_acc, params, sec = train(name, model_name, seed)
                tests.append(test_acc)
                trains.append(train_acc)
                secs.append(sec)
                print(f"  {name} {model_name} seed {seed}: test {100 * test_acc:.1f} %, "
                      f"train {100 * train_acc:.1f} %, {sec:.1f} s", flush=True)
            line = (f"{name:14} {model_name:13} {params:6d} params  test {summary(tests)}  "
                    f"train {100 * statistics.mean(trains):.1f} %  "
                    f"per-seed test {[round(100 * a, 1) for a in tests]}  "
                    f"{statistics.mean(secs):.1f} s/run")
            print(line, flush=True)
            out.append(line)
    if not args.quick:
        path = os.path.join(ROOT, "tools", "seq_reference.txt")
        with open(path, "w") as f:
            f.write("\n".join(out) + "\n")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
