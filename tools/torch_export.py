#!/usr/bin/env python3
"""Export a PyTorch `nn.Sequential` to a stacknet weight image (docs/FORMAT.md).

Supported modules, and the stacknet layer each becomes:

    nn.Linear(i, o)                      Dense<i, o>            (bias=False exports zeros)
    nn.ReLU / Sigmoid / Tanh / Identity  Relu<n> / Sigmoid<n> / Tanh<n> / Identity<n>
    nn.LeakyReLU(0.01)                   LeakyRelu<n>           (only the default slope)
    nn.Softmax(dim=1 or -1)              Softmax<n>
    nn.Conv2d(ci, co, k, stride, padding) Conv2d<ci, co, k, H, W, OH, OW, S, P>
                                         (square kernel, zero padding, no dilation/groups)
    nn.MaxPool2d(k, stride)              MaxPool2d<C, H, W, OH, OW, K, S>  (no padding)
    nn.AvgPool2d(k, stride)              AvgPool2d<C, H, W, OH, OW, K, S>  (no padding)
    nn.Flatten()                         Flatten<C, H, W, N>
    nn.Unflatten(1, (C, H, W))           Unflatten<C, H, W, N>
    nested nn.Sequential                 its layers, in order

Anything else raises `Unsupported` naming the module. A model that starts with a
convolution needs `input_shape=(C, H, W)`; one starting with `nn.Linear` does not.

Command line (the model file is a whole module saved with `torch.save(model, path)`):

    python3 tools/torch_export.py model.pt weights.snet [--input-shape 1,8,8]

prints the Rust type to declare and the signature. As a library:

    from torch_export import export
    info = export(model, "weights.snet")      # returns rust type, signature, sizes
"""

from __future__ import annotations

import argparse
import sys
from typing import List, Sequence, Tuple

import numpy as np
import torch
from torch import nn

import stacknet_format as fmt


class Unsupported(ValueError):
    """A module (or module setting) stacknet has no layer for."""


def _pair(v) -> Tuple[int, int]:
    return (v, v) if isinstance(v, int) else tuple(v)


def _square(name: str, v) -> int:
    a, b = _pair(v)
    if a != b:
        raise Unsupported(f"{name}={v}: stacknet needs the same value for height and width")
    return a


def _modules(model: nn.Module):
    if isinstance(model, nn.Sequential):
        for m in model:
            yield from _modules(m)
    else:
        yield model


def describe(model: nn.Module, input_shape: Sequence[int] | None = None
             ) -> Tuple[List[fmt.Layer], List[torch.Tensor]]:
    """The stacknet layers for `model` and its parameter tensors in stacknet order."""
    mods = list(_modules(model))
    if input_shape is None:
        first = next((m for m in mods if isinstance(m, (nn.Linear, nn.Conv2d, nn.Unflatten))),
                     None)
        if isinstance(first, nn.Linear):
            input_shape = (first.in_features,)
        else:
            raise Unsupported("give input_shape=(C, H, W) (or (N,)) for this model")
    shape = tuple(int(s) for s in input_shape)
    layers: List[fmt.Layer] = []
    params: List[torch.Tensor] = []

    def add(layer: fmt.Layer, *ps: torch.Tensor) -> None:
        nonlocal shape
        if layer.input != shape:
            raise Unsupported(f"{layer.rust} expects input {layer.input}, gets {shape}")
        layers.append(layer)
        params.extend(p.detach().to(torch.float32).cpu() for p in ps)
        shape = layer.output

    for m in mods:
        if isinstance(m, nn.Linear):
            bias = m.bias if m.bias is not None else torch.zeros(m.out_features)
            if len(shape) != 1:
                raise Unsupported(f"{m} gets a {shape} tensor: add nn.Flatten() before it")
            add(fmt.dense(m.in_features, m.out_features), m.weight, bias)
        elif isinstance(m, (nn.ReLU, nn.Sigmoid, nn.Tanh, nn.Identity, nn.LeakyReLU)):
            kind = {nn.ReLU: "relu", nn.Sigmoid: "sigmoid", nn.Tanh: "tanh",
                    nn.Identity: "identity", nn.LeakyReLU: "leaky_relu"}[type(m)]
            if kind == "leaky_relu" and m.negative_slope != 0.01:
                raise Unsupported(f"{m}: stacknet's LeakyRelu has slope 0.01")
            add(fmt.activation(kind, shape))
        elif isinstance(m, nn.Softmax):
            if len(shape) != 1 or m.dim not in (1, -1):
                raise Unsupported(f"{m}: stacknet's Softmax runs over a vector (dim=1)")
            add(fmt.softmax(shape[0]))
        elif isinstance(m, nn.Conv2d):
            if _pair(m.dilation) != (1, 1) or m.groups != 1 or m.padding_mode != "zeros":
                raise Unsupported(f"{m}: no dilation, groups or non-zero padding modes")
            if isinstance(m.padding, str):
                raise Unsupported(f"{m}: give padding as a number")
            k = _square("kernel_size", m.kernel_size)
            s = _square("stride", m.stride)
            p = _square("padding", m.padding)
            if len(shape) != 3:
                raise Unsupported(f"{m} gets a {shape} tensor, needs (C, H, W)")
            bias = m.bias if m.bias is not None else torch.zeros(m.out_channels)
            add(fmt.conv2d(m.in_channels, m.out_channels, k, shape[1], shape[2], s, p),
                m.weight, bias)
        elif isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)):
            k = _square("kernel_size", m.kernel_size)
            s = _square("stride", m.stride if m.stride is not None else m.kernel_size)
            if _square("padding", m.padding) != 0 or m.ceil_mode:
                raise Unsupported(f"{m}: no padding, no ceil_mode")
            if isinstance(m, nn.MaxPool2d) and _square("dilation", m.dilation) != 1:
                raise Unsupported(f"{m}: no dilation")
            if isinstance(m, nn.AvgPool2d) and m.divisor_override is not None:
                raise Unsupported(f"{m}: no divisor_override")
            if len(shape) != 3:
                raise Unsupported(f"{m} gets a {shape} tensor, needs (C, H, W)")
            kind = "max_pool2d" if isinstance(m, nn.MaxPool2d) else "avg_pool2d"
            add(fmt.pool2d(kind, shape[0], shape[1], shape[2], k, s))
        elif isinstance(m, nn.Flatten):
            if m.start_dim != 1 or m.end_dim != -1 or len(shape) != 3:
                raise Unsupported(f"{m}: only Flatten() of a (C, H, W) sample")
            add(fmt.flatten(*shape))
        elif isinstance(m, nn.Unflatten):
            size = tuple(int(v) for v in m.unflattened_size)
            if m.dim not in (1, -1) or len(size) != 3 or len(shape) != 1:
                raise Unsupported(f"{m}: only Unflatten(1, (C, H, W)) of a vector")
            add(fmt.unflatten(*size))
        else:
            raise Unsupported(f"no stacknet layer for {m}")
    if not layers:
        raise Unsupported("empty model")
    return layers, params


def to_bytes(model: nn.Module, input_shape: Sequence[int] | None = None) -> bytes:
    """The weight image of `model` as bytes."""
    layers, params = describe(model, input_shape)
    return fmt.encode(layers, [p.numpy() for p in params])


def export(model: nn.Module, path: str, input_shape: Sequence[int] | None = None) -> dict:
    """Writes the weight image of `model` to `path`. Returns the Rust type to declare, the
    signature, the parameter count and the image size."""
    layers, params = describe(model, input_shape)
    data = fmt.encode(layers, [p.numpy() for p in params])
    with open(path, "wb") as f:
        f.write(data)
    return {
        "rust_type": fmt.rust_type(layers),
        "signature": fmt.model_signature(layers),
        "params": sum(layer.param_count for layer in layers),
        "bytes": len(data),
        "input_shape": layers[0].input,
        "output_shape": layers[-1].output,
    }


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", help="a whole nn.Sequential saved with torch.save(model, path)")
    ap.add_argument("output", help="where to write the stacknet weight image")
    ap.add_argument("--input-shape", help="per-sample input shape, e.g. 1,28,28")
    args = ap.parse_args(argv)
    model = torch.load(args.model, weights_only=False, map_location="cpu")
    shape = tuple(int(v) for v in args.input_shape.split(",")) if args.input_shape else None
    try:
        info = export(model, args.output, shape)
    except (Unsupported, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"wrote {args.output}: {info['bytes']} bytes, {info['params']} parameters")
    print(f"signature {info['signature']:#018x}")
    print(f"type Model = {info['rust_type']};")
    return 0


if __name__ == "__main__":
    sys.exit(main())
