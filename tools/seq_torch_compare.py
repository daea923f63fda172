#!/usr/bin/env python3
"""stacknet against PyTorch on the sequence examples, from the *same* initial weights.

For each model and seed this runs the stacknet example with `--save-init DIR`, which writes
the initialised model (`*_seedS.snet`), the sample order of every epoch `stacknet::std::fit`
uses (`*_seedS.orders`), the training and test data exactly as the model reads them
(`*_train.txt`, `*_test.txt`: standardised / padded and flattened), and after training the
test accuracy (`*.result`), the trained model (`*.trained.snet`) and its test logits
(`*.outputs`). Then, in PyTorch:

1. the initial image is imported with tools/torch_import.py into the equivalent
   `nn.Sequential` (the signature check proves the architecture is the same);
2. that model is trained with the same optimizer and hyper-parameters (Adam, lr 3e-3, other
   PyTorch defaults; softmax cross entropy averaged over each mini-batch of 16; the same
   epochs) over the same mini-batches in the same order, and its test accuracy after the
   last epoch is reported beside stacknet's;
3. as a check of the import itself, stacknet's *trained* model is imported too and its test
   logits compared with stacknet's (max |diff|); and the largest difference between the
   two trained models' weights shows how far the trajectories drifted apart.

Both sides compute in float32 but round differently, so after thousands of steps the
weights part ways: the comparison is of accuracies (mean ± sample standard deviation over
the seeds, and the mean of the per-seed differences), not of weights.

    python3 tools/seq_torch_compare.py                      # BasicMotions GRU, seeds 1-5
    python3 tools/seq_torch_compare.py basicmotions conv1d vowels gru vowels conv1d
    python3 tools/seq_torch_compare.py --record             # all four, writes
                                                            # tools/seq_torch_compare.txt
    python3 tools/seq_torch_compare.py --fixtures           # after that: the committed
                                                            # round trips roundtrip_seq_*

Needs torch (installed into a venv on first use, see seq_torch.py) and cargo. Not run in
CI (PyTorch is several GB).
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from seq_torch import ensure_torch  # noqa: E402

ensure_torch()

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

import stacknet_format as fmt  # noqa: E402
from torch_export import describe  # noqa: E402
from torch_import import from_arch  # noqa: E402

# The model types of examples/basicmotions.rs and examples/vowels.rs, as text. A drift
# from the Rust types makes the import fail on the signature check.
ARCH = {
    ("basicmotions", "gru"):
        "chain![UnflattenSeries<6, 100, 600>, Transpose<6, 100>, Gru<6, 32, 100>, "
        "Dense<32, 4>]",
    ("basicmotions", "gru16"):
        "chain![UnflattenSeries<6, 100, 600>, Transpose<6, 100>, Gru<6, 16, 100>, "
        "Dense<16, 4>]",
    ("basicmotions", "conv1d"):
        "chain![UnflattenSeries<6, 100, 600>, Conv1d<6, 16, 5, 100, 100, 1, 2>, "
        "Relu2<16, 100>, MaxPool1d<16, 100, 50, 2, 2>, Conv1d<16, 32, 5, 50, 50, 1, 2>, "
        "Relu2<32, 50>, GlobalAvgPool1d<32, 50>, Dense<32, 4>]",
    ("vowels", "gru"):
        "chain![UnflattenSeries<12, 29, 348>, Transpose<12, 29>, Gru<12, 32, 29>, "
        "Dense<32, 9>]",
    ("vowels", "conv1d"):
        "chain![UnflattenSeries<12, 29, 348>, Conv1d<12, 16, 5, 29, 29, 1, 2>, "
        "Relu2<16, 29>, MaxPool1d<16, 29, 14, 2, 2>, Conv1d<16, 32, 5, 14, 14, 1, 2>, "
        "Relu2<32, 14>, GlobalAvgPool1d<32, 14>, Dense<32, 9>]",
}
EPOCHS = {"basicmotions": 150, "vowels": 60}
NAMES = {"basicmotions": "BasicMotions", "vowels": "JapaneseVowels"}
LR = 3e-3
BATCH = 16
RECORD = os.path.join(HERE, "seq_torch_compare.txt")
FIXTURE_SAMPLES = 8


def write_fixtures(out: str, seed: int) -> None:
    """tests/fixtures/torch/roundtrip_seq_{gru,conv1d}/: the BasicMotions models stacknet
    trained from `seed` in `out`, the first test series and stacknet's outputs, then the
    PyTorch side with tools/torch_roundtrip.py (which fails beyond 1e-5)."""
    import shutil

    import torch_roundtrip
    for model in ("gru", "conv1d"):
        stem = os.path.join(out, f"basicmotions_{model}_seed{seed}")
        d = os.path.join(ROOT, "tests", "fixtures", "torch", f"roundtrip_seq_{model}")
        os.makedirs(d, exist_ok=True)
        shutil.copyfile(stem + ".trained.snet", os.path.join(d, "model.snet"))
        with open(os.path.join(d, "arch.txt"), "w") as f:
            f.write(ARCH[("basicmotions", model)] + "\n")
        rows = [line.split(maxsplit=1)[1] for line in
                open(os.path.join(out, f"basicmotions_{model}_test.txt"))
                if not line.startswith("#")][:FIXTURE_SAMPLES]
        with open(os.path.join(d, "inputs.txt"), "w") as f:
            f.write(f"# the first {FIXTURE_SAMPLES} BasicMotions test series, standardised "
                    "and flattened (examples/basicmotions.rs --save-init)\n" + "".join(rows))
        outputs = [line for line in open(stem + ".outputs")
                   if not line.startswith("#")][:FIXTURE_SAMPLES]
        with open(os.path.join(d, "stacknet_outputs.txt"), "w") as f:
            f.write(f"# stacknet outputs (logits) of examples/basicmotions.rs {model}, seed "
                    f"{seed}, trained\n" + "".join(outputs))
        if torch_roundtrip.check(d):
            sys.exit(f"{d}: round trip failed")


def build_examples() -> None:
    """Builds both examples once, up front, so the runs use one build of the sources."""
    cmd = ["cargo", "build", "--quiet", "--release", "--features", "plot,progress",
           "--example", "basicmotions", "--example", "vowels"]
    print("$ " + " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True)


def run_stacknet(dataset: str, model: str, seeds: list[int], epochs: int, out: str) -> None:
    """The stacknet example for `seeds` (consecutive), writing into `out`."""
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    cmd = [os.path.join(target, "release", "examples", dataset), model, str(len(seeds)),
           str(epochs), "--first-seed", str(seeds[0]), "--save-init", out]
    print("$ " + " ".join(cmd), flush=True)
    env = dict(os.environ, STACKNET_PLOTS=os.path.join(out, "plots"))
    result = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    for line in result.stdout.splitlines():
        if " seed " in line and ": test " in line:
            print("  stacknet " + line, flush=True)
    if result.returncode != 0:
        sys.exit(f"the stacknet example failed ({result.returncode})")


def read_rows(path: str, with_label: bool):
    rows = [line.split() for line in open(path) if line.strip() and not line.startswith("#")]
    if with_label:
        labels = torch.tensor([int(r[0]) for r in rows])
        x = torch.tensor(np.array([[float(v) for v in r[1:]] for r in rows], np.float32))
        return x, labels
    return [[int(v) for v in r] for r in rows]


def accuracy(model, x, y) -> float:
    with torch.no_grad():
        return (model(x).argmax(dim=1) == y).float().mean().item()


def train_torch(arch: str, stem: str, data, epochs: int) -> dict:
    (xtr, ytr), (xte, yte) = data
    model = from_arch(arch, stem + ".snet")
    orders = read_rows(stem + ".orders", with_label=False)
    if len(orders) != epochs or any(sorted(o) != list(range(len(ytr))) for o in orders):
        sys.exit(f"{stem}.orders: expected {epochs} permutations of {len(ytr)} samples")
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    start = time.time()
    for order in orders:
        order = torch.tensor(order)
        for b in range(0, len(order), BATCH):
            idx = order[b:b + BATCH]
            opt.zero_grad()
            loss_fn(model(xtr[idx]), ytr[idx]).backward()
            opt.step()
    seconds = time.time() - start
    # stacknet's trained model imported: the same logits?
    trained = from_arch(arch, stem + ".trained.snet")
    with torch.no_grad():
        theirs = trained(xte).numpy()
    ours = fmt.read_samples(stem + ".outputs")
    result = dict(line.split() for line in open(stem + ".result"))
    # How far the two trajectories drifted apart: the largest weight difference at the end.
    layers, params = describe(model)
    with open(stem + ".trained.snet", "rb") as f:
        blocks = fmt.decode(f.read(), layers)
    drift = max(float(np.max(np.abs(b - p.numpy().reshape(b.shape))))
                for b, p in zip(blocks, params))
    return {
        "torch_test": accuracy(model, xte, yte),
        "torch_train": accuracy(model, xtr, ytr),
        "stacknet_test": float(result["test_accuracy"]),
        "stacknet_train": float(result["train_accuracy"]),
        "import_diff": float(np.max(np.abs(ours - theirs))),
        "weight_drift": drift,
        "seconds": seconds,
    }


def mean_sd(values) -> tuple[float, float]:
    return statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def compare(dataset: str, model: str, seeds: list[int], epochs: int, out: str) -> list[str]:
    arch = ARCH[(dataset, model)]
    run_stacknet(dataset, model, seeds, epochs, out)
    prefix = os.path.join(out, f"{dataset}_{model}")
    data = (read_rows(prefix + "_train.txt", True), read_rows(prefix + "_test.txt", True))
    n_test = len(data[1][1])
    params = sum(layer.param_count for layer in fmt.parse_rust_type(arch))
    lines = [f"{NAMES[dataset]} {model} ({params} parameters, {epochs} epochs, "
             f"{len(data[0][1])} train / {n_test} test)",
             "| seed | stacknet test % | PyTorch test % | stacknet train % | PyTorch train % |"
             " final weights max abs diff | trained-model import, logits max abs diff |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    rows = []
    for seed in seeds:
        r = train_torch(arch, f"{prefix}_seed{seed}", data, epochs)
        rows.append(r)
        lines.append(f"| {seed} | {100 * r['stacknet_test']:.1f} | {100 * r['torch_test']:.1f} "
                     f"| {100 * r['stacknet_train']:.1f} | {100 * r['torch_train']:.1f} "
                     f"| {r['weight_drift']:.1e} | {r['import_diff']:.1e} |")
        print("  " + lines[-1] + f"  (PyTorch {r['seconds']:.1f} s)", flush=True)
    s_mean, s_sd = mean_sd([100 * r["stacknet_test"] for r in rows])
    t_mean, t_sd = mean_sd([100 * r["torch_test"] for r in rows])
    diffs = [100 * (r["stacknet_test"] - r["torch_test"]) for r in rows]
    d_mean, d_sd = mean_sd(diffs)
    d_mean += 0.0  # no "-0.0"
    # "Matches" if stacknet's mean is not below PyTorch's by more than one test sample or
    # two standard errors of the paired per-seed differences, whichever is larger.
    margin = max(100 / n_test, 2 * d_sd / math.sqrt(len(diffs)))
    verdict = "met" if d_mean >= -margin else "missed"
    lines.append(f"| mean ± sd | {s_mean:.1f} ± {s_sd:.1f} | {t_mean:.1f} ± {t_sd:.1f} | "
                 f"{statistics.mean(100 * r['stacknet_train'] for r in rows):.1f} | "
                 f"{statistics.mean(100 * r['torch_train'] for r in rows):.1f} | "
                 f"max {max(r['weight_drift'] for r in rows):.1e} | "
                 f"max {max(r['import_diff'] for r in rows):.1e} |")
    lines.append(f"stacknet − PyTorch: {d_mean:+.1f} points per seed (sd {d_sd:.1f}); "
                 f"tolerance {margin:.1f} (one test sample or 2 standard errors): {verdict}")
    print("\n".join(lines[-2:]), flush=True)
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("pairs", nargs="*", help="DATASET MODEL ... (default basicmotions gru)")
    ap.add_argument("--seeds", default="1-5", help="first-last (default 1-5)")
    ap.add_argument("--epochs", type=int, help="default: the example's (150 / 60)")
    ap.add_argument("--dir", default=os.path.join(ROOT, "target", "seq_compare"),
                    help="where the stacknet example writes its files")
    ap.add_argument("--fixtures", action="store_true",
                    help="only write tests/fixtures/torch/roundtrip_seq_* from the files of "
                    "an earlier run in --dir")
    ap.add_argument("--record", action="store_true",
                    help=f"run all four comparisons and write {os.path.relpath(RECORD, ROOT)}")
    args = ap.parse_args()
    first, _, last = args.seeds.partition("-")
    seeds = list(range(int(first), int(last or first) + 1))
    pairs = args.pairs or ["basicmotions", "gru"]
    if args.fixtures:
        write_fixtures(args.dir, seeds[0])
        return
    if args.record:
        pairs = ["basicmotions", "gru", "basicmotions", "conv1d", "vowels", "gru",
                 "vowels", "conv1d"]
    if len(pairs) % 2 or any((d, m) not in ARCH for d, m in zip(pairs[::2], pairs[1::2])):
        sys.exit(f"give DATASET MODEL pairs from {sorted(ARCH)}")
    torch.set_num_threads(1)
    build_examples()
    out = [f"# tools/seq_torch_compare.py: stacknet and PyTorch {torch.__version__} from the "
           f"same initial weights, seeds {seeds}",
           f"# Adam lr {LR}, batch {BATCH}, the same mini-batches in the same order; test "
           "accuracy after the last epoch", ""]
    for dataset, model in zip(pairs[::2], pairs[1::2]):
        epochs = args.epochs or EPOCHS[dataset]
        out += compare(dataset, model, seeds, epochs, args.dir) + [""]
    if args.record:
        with open(RECORD, "w") as f:
            f.write("\n".join(out))
        print(f"wrote {RECORD}")


if __name__ == "__main__":
    main()
