#!/usr/bin/env python3
"""Import a stacknet weight image (docs/FORMAT.md) into PyTorch.

The image holds a shape signature, not the architecture, so the architecture comes from
you: either an `nn.Sequential` of the same shape (the weights are copied in after the
signature is checked), or the stacknet model type as text, from which an equivalent
`nn.Sequential` is built:

    python3 tools/torch_import.py weights.snet \\
        --arch "chain![Dense<2, 4>, Sigmoid<4>, Dense<4, 1>, Sigmoid<1>]" -o model.pt

As a library:

    from torch_import import load_into, from_arch
    load_into(my_sequential, "weights.snet")            # checks signature, copies weights
    model = from_arch("chain![Dense<2, 4>, Sigmoid<4>]", "weights.snet")

Sequence models (Conv1d, GRU, LSTM, ...) become `nn.Sequential`s with the helper modules
of torch_modules.py (`Recurrent`, `Transpose`, `GlobalAvgPool1d`); see torch_export.py for
the correspondence.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

import numpy as np
import torch
from torch import nn

import stacknet_format as fmt
from torch_export import parameter_slots
from torch_modules import GlobalAvgPool1d, Recurrent, Transpose


def load_into(model: nn.Module, path_or_bytes, input_shape: Sequence[int] | None = None
              ) -> nn.Module:
    """Copies the weights of a stacknet image into `model` (an `nn.Sequential` of modules
    `torch_export` supports). Raises `stacknet_format.FormatError` if the image is corrupt
    or belongs to another architecture; `model` is then unchanged."""
    data = path_or_bytes
    if not isinstance(data, (bytes, bytearray)):
        with open(path_or_bytes, "rb") as f:
            data = f.read()
    layers, _, targets = parameter_slots(model, input_shape)
    blocks = fmt.decode(bytes(data), layers)
    # Check everything before writing anything, so a refused image changes nothing.
    for (m, name), block in zip(targets, blocks):
        if getattr(m, name, None) is None and np.any(block != 0):
            raise fmt.FormatError(f"{m} has no bias but the image has a non-zero one")
    with torch.no_grad():
        for (m, name), block in zip(targets, blocks):
            t = getattr(m, name, None)
            if t is not None:
                t.copy_(torch.from_numpy(np.array(block, dtype=np.float32)).reshape(t.shape))
    return model


def sequential(layers: Sequence[fmt.Layer]) -> nn.Sequential:
    """An `nn.Sequential` with the same architecture as stacknet `layers`."""
    mods = []
    for layer in layers:
        if layer.kind == "dense":
            mods.append(nn.Linear(*layer.sizes))
        elif layer.kind in ("sigmoid", "tanh", "relu", "leaky_relu", "identity"):
            mods.append({"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU,
                         "leaky_relu": nn.LeakyReLU, "identity": nn.Identity}[layer.kind]())
        elif layer.kind == "softmax":
            mods.append(nn.Softmax(dim=-1))
        elif layer.kind == "conv2d":
            c_in, c_out, k, _, _, s, p = layer.sizes
            mods.append(nn.Conv2d(c_in, c_out, k, stride=s, padding=p))
        elif layer.kind == "max_pool2d":
            mods.append(nn.MaxPool2d(layer.sizes[3], stride=layer.sizes[4]))
        elif layer.kind == "avg_pool2d":
            mods.append(nn.AvgPool2d(layer.sizes[3], stride=layer.sizes[4]))
        elif layer.kind == "flatten":
            mods.append(nn.Flatten())
        elif layer.kind == "unflatten":
            mods.append(nn.Unflatten(1, layer.sizes))
        elif layer.kind == "conv1d":
            c_in, c_out, k, _, s, p = layer.sizes
            mods.append(nn.Conv1d(c_in, c_out, k, stride=s, padding=p))
        elif layer.kind == "max_pool1d":
            mods.append(nn.MaxPool1d(layer.sizes[2], stride=layer.sizes[3]))
        elif layer.kind == "avg_pool1d":
            mods.append(nn.AvgPool1d(layer.sizes[2], stride=layer.sizes[3]))
        elif layer.kind == "global_avg_pool1d":
            mods.append(GlobalAvgPool1d())
        elif layer.kind == "transpose":
            mods.append(Transpose())
        elif layer.kind == "unflatten_series":
            mods.append(nn.Unflatten(1, layer.sizes))
        elif layer.kind in ("gru", "lstm"):
            n_in, hidden, _, readout = layer.sizes
            rnn = (nn.GRU if layer.kind == "gru" else nn.LSTM)(n_in, hidden, batch_first=True)
            mods.append(Recurrent(rnn, sequence=readout == fmt.READOUT["Sequence"]))
        else:
            raise ValueError(f"no PyTorch module for {layer.rust}")
    return nn.Sequential(*mods)


def from_arch(arch: str, path_or_bytes) -> nn.Sequential:
    """A new `nn.Sequential` for the stacknet type `arch`, with the image's weights."""
    layers = fmt.parse_rust_type(arch)
    model = sequential(layers)
    return load_into(model, path_or_bytes, layers[0].input)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("weights", help="a stacknet weight image")
    ap.add_argument("--arch", required=True,
                    help='the stacknet model type, e.g. "chain![Dense<2, 4>, Sigmoid<4>]"')
    ap.add_argument("-o", "--output", help="save the nn.Sequential here (torch.save)")
    ap.add_argument("--inputs", help="run these samples (one per line) and print outputs")
    args = ap.parse_args(argv)
    try:
        model = from_arch(args.arch, args.weights)
    except (fmt.FormatError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    model.eval()
    print(model)
    if args.output:
        torch.save(model, args.output)
        print(f"saved {args.output}")
    if args.inputs:
        layers = fmt.parse_rust_type(args.arch)
        rows = fmt.read_samples(args.inputs)
        n_in = int(np.prod(layers[0].input))
        if rows.ndim != 2 or rows.shape[1] != n_in:
            print(f"error: {args.inputs}: need {n_in} values per line", file=sys.stderr)
            return 1
        x = torch.from_numpy(rows).reshape(-1, *layers[0].input)
        with torch.no_grad():
            for row in model(x).reshape(len(x), -1):
                print(" ".join(f"{float(v):.9g}" for v in row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
