#!/usr/bin/env python3
"""Second half of the stacknet → PyTorch round trip (first half:
`cargo run --release --example torch_roundtrip -- DIR`, or for the sequence models
`python3 tools/seq_torch_compare.py --fixtures`).

Imports DIR/model.snet into PyTorch with torch_import.py (architecture from DIR/arch.txt),
runs DIR/inputs.txt, writes DIR/torch_outputs.txt, compares with DIR/stacknet_outputs.txt
and exits with status 1 if any output differs by more than 1e-5. Also re-exports the
imported model with torch_export.py and checks the bytes are identical to model.snet.

    python3 tools/torch_roundtrip.py tests/fixtures/torch/roundtrip
    python3 tools/torch_roundtrip.py              # every tests/fixtures/torch/roundtrip*

The committed round trips: `roundtrip/` (Dense 2-8-3, examples/torch_roundtrip.rs),
`roundtrip_seq_gru/` and `roundtrip_seq_conv1d/` (the BasicMotions GRU and Conv1d
classifiers trained by examples/basicmotions.rs, eight test series).
"""

from __future__ import annotations

import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stacknet_format as fmt  # noqa: E402
from torch_export import to_bytes  # noqa: E402
from torch_import import from_arch  # noqa: E402

TOLERANCE = 1e-5


FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "tests", "fixtures", "torch")


def main(argv: list[str]) -> int:
    dirs = argv[1:] or sorted(os.path.join(FIXTURES, d) for d in os.listdir(FIXTURES)
                              if d.startswith("roundtrip"))
    return max(check(d) for d in dirs)


def check(d: str) -> int:
    """The round trip of one directory: 0 if it holds, 1 if not."""
    arch = open(os.path.join(d, "arch.txt")).read().strip()
    image = open(os.path.join(d, "model.snet"), "rb").read()
    model = from_arch(arch, image).eval()
    layers = fmt.parse_rust_type(arch)
    x = torch.from_numpy(fmt.read_samples(os.path.join(d, "inputs.txt")))
    with torch.no_grad():
        y = model(x.reshape(-1, *layers[0].input)).reshape(len(x), -1).numpy()
    fmt.write_samples(os.path.join(d, "torch_outputs.txt"), y,
                      f"PyTorch {torch.__version__} outputs of model.snet imported by "
                      "tools/torch_import.py")
    ours = fmt.read_samples(os.path.join(d, "stacknet_outputs.txt"))
    diff = float(np.max(np.abs(ours - y)))
    same_bytes = to_bytes(model, layers[0].input) == image
    print(f"{arch}: {len(x)} samples, max |stacknet - PyTorch| = {diff:.3e}, "
          f"re-export identical: {same_bytes}")
    if diff > TOLERANCE or not same_bytes:
        print("round trip FAILED", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
