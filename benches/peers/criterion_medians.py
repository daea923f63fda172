"""Reads criterion's estimates (target/criterion/<group>/<bench>/new/estimates.json) and
prints "criterion <workload> <median ns>" lines in the peers' workload names."""

import json
import pathlib
import sys

NAMES = {
    "inference/xor_2-4-1": "xor_infer",
    "inference/digits_64-100-10": "digits_infer",
    "inference/mnist_784-128-10": "mnist_infer",
    "inference/cnn_mnist": "cnn_infer",
    "step/xor_2-4-1": "xor_step",
    "step/digits_64-100-10": "digits_step",
    "step/mnist_784-128-10": "mnist_step",
    "step/cnn_mnist": "cnn_step",
    "batch/xor_epoch4_sgd": "xor_epoch",
    "batch/digits_batch32_adam": "digits_batch",
    "batch/mnist_batch32_adam": "mnist_batch",
    "batch/cnn_batch32_adam": "cnn_batch",
}

root = pathlib.Path(sys.argv[1])
for bench, name in NAMES.items():
    f = root / bench / "new" / "estimates.json"
    if f.exists():
        median = json.loads(f.read_text())["median"]["point_estimate"]
        print(f"criterion {name} {median:.1f}")
