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
    nn.Conv1d(ci, co, k, stride, padding) Conv1d<ci, co, k, T, OT, S, P>
                                         (zero padding, no dilation/groups)
    nn.MaxPool1d(k, stride)              MaxPool1d<C, T, OT, K, S>  (no padding)
    nn.AvgPool1d(k, stride)              AvgPool1d<C, T, OT, K, S>  (no padding)
    nn.Unflatten(1, (C, T))              UnflattenSeries<C, T, N>
    nn.ReLU etc. on a C x T series       Relu2<C, T> / Act<SigmoidFn, [[f32; T]; C]> ...
    torch_modules.Transpose()            Transpose<C, T>
    torch_modules.GlobalAvgPool1d()      GlobalAvgPool1d<C, T>
    torch_modules.Recurrent(nn.GRU(i, h, batch_first=True)[, sequence=True])
                                         Gru<i, h, T> / Gru<i, h, T, Sequence>
    torch_modules.Recurrent(nn.LSTM(i, h, batch_first=True)[, sequence=True])
                                         Lstm<i, h, T> / Lstm<i, h, T, Sequence>
                                         (one layer, unidirectional, no proj_size;
                                         bias=False exports zeros)
    nested nn.Sequential                 its layers, in order

GRU and LSTM parameters keep PyTorch's layout: `weight_ih_l0` [G·H][IN], `weight_hh_l0`
[G·H][H], `bias_ih_l0`, `bias_hh_l0` [G·H], gate blocks r, z, n (GRU) and i, f, g, o
(LSTM), which is stacknet's `[G][H][IN]` memory; the image holds them in that order.

Anything else raises `Unsupported` naming the module. A model that starts with a
convolution needs `input_shape=(C, H, W)` (or `(C, T)`); one starting with `nn.Linear` or
`nn.Unflatten` does not.

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
from torch_modules import GlobalAvgPool1d, Recurrent, Transpose


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
    layers, params, _ = parameter_slots(model, input_shape)
    return layers, params


def _int(name: str, v) -> int:
    """A 1-D module setting given as `k` or `(k,)`."""
    if isinstance(v, int):
        return v
    if len(v) != 1:
        raise Unsupported(f"{name}={v}: a 1-D layer takes one value")
    return int(v[0])


def _sized(shape: Tuple[int, ...], want: int, m: nn.Module, what: str) -> None:
    if len(shape) != want:
        raise Unsupported(f"{m} gets a {shape} tensor, needs {what}")


def parameter_slots(model: nn.Module, input_shape: Sequence[int] | None = None
                    ) -> Tuple[List[fmt.Layer], List[torch.Tensor],
                               List[Tuple[nn.Module, str]]]:
    """The stacknet layers for `model`, its parameter tensors in stacknet order, and where
    each tensor lives: `(module, attribute name)` (the attribute may be None or missing
    for a module without bias, whose tensor is then zeros)."""
    mods = list(_modules(model))
    if input_shape is None:
        sized = (nn.Linear, nn.Conv2d, nn.Conv1d, nn.Unflatten, Recurrent)
        first = next((m for m in mods if isinstance(m, sized)), None)
        if isinstance(first, nn.Linear):
            input_shape = (first.in_features,)
        elif isinstance(first, nn.Unflatten):
            input_shape = (int(np.prod(tuple(first.unflattened_size))),)
        else:
            raise Unsupported("give input_shape=(C, H, W) (or (C, T), (T, IN), (N,)) for "
                              "this model")
    shape = tuple(int(s) for s in input_shape)
    layers: List[fmt.Layer] = []
    params: List[torch.Tensor] = []
    slots: List[Tuple[nn.Module, str]] = []

    def add(layer: fmt.Layer, *ps: Tuple[nn.Module, str, int]) -> None:
        """Appends `layer` with its parameters, each given as (module, attribute, length
        of zeros to use if the attribute is None or missing)."""
        nonlocal shape
        if layer.input != shape:
            raise Unsupported(f"{layer.rust} expects input {layer.input}, gets {shape}")
        layers.append(layer)
        for m, name, n in ps:
            t = getattr(m, name, None)
            t = torch.zeros(n) if t is None else t
            params.append(t.detach().to(torch.float32).cpu())
            slots.append((m, name))
        shape = layer.output

    for m in mods:
        if isinstance(m, nn.Linear):
            if len(shape) != 1:
                raise Unsupported(f"{m} gets a {shape} tensor: add nn.Flatten() before it")
            add(fmt.dense(m.in_features, m.out_features), (m, "weight", 0),
                (m, "bias", m.out_features))
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
            add(fmt.conv2d(m.in_channels, m.out_channels, k, shape[1], shape[2], s, p),
                (m, "weight", 0), (m, "bias", m.out_channels))
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
            if m.dim not in (1, -1) or len(size) not in (2, 3) or len(shape) != 1:
                raise Unsupported(f"{m}: only Unflatten(1, (C, H, W)) or Unflatten(1, (C, T)) "
                                  "of a vector")
            add(fmt.unflatten(*size) if len(size) == 3 else fmt.unflatten_series(*size))
        elif isinstance(m, nn.Conv1d):
            if _int("dilation", m.dilation) != 1 or m.groups != 1 or m.padding_mode != "zeros":
                raise Unsupported(f"{m}: no dilation, groups or non-zero padding modes")
            if isinstance(m.padding, str):
                raise Unsupported(f"{m}: give padding as a number")
            _sized(shape, 2, m, "(C, T)")
            add(fmt.conv1d(m.in_channels, m.out_channels, _int("kernel_size", m.kernel_size),
                           shape[1], _int("stride", m.stride), _int("padding", m.padding)),
                (m, "weight", 0), (m, "bias", m.out_channels))
        elif isinstance(m, (nn.MaxPool1d, nn.AvgPool1d)):
            k = _int("kernel_size", m.kernel_size)
            s = _int("stride", m.stride if m.stride is not None else m.kernel_size)
            if _int("padding", m.padding) != 0 or m.ceil_mode:
                raise Unsupported(f"{m}: no padding, no ceil_mode")
            if isinstance(m, nn.MaxPool1d) and (_int("dilation", m.dilation) != 1
                                                or m.return_indices):
                raise Unsupported(f"{m}: no dilation, no return_indices")
            _sized(shape, 2, m, "(C, T)")
            kind = "max_pool1d" if isinstance(m, nn.MaxPool1d) else "avg_pool1d"
            add(fmt.pool1d(kind, shape[0], shape[1], k, s))
        elif isinstance(m, GlobalAvgPool1d):
            _sized(shape, 2, m, "(C, T)")
            add(fmt.global_avg_pool1d(*shape))
        elif isinstance(m, Transpose):
            _sized(shape, 2, m, "(C, T)")
            add(fmt.transpose(*shape))
        elif isinstance(m, Recurrent):
            rnn = m.rnn
            if rnn.num_layers != 1 or rnn.bidirectional or not rnn.batch_first:
                raise Unsupported(f"{rnn}: one layer, unidirectional, batch_first=True")
            if isinstance(rnn, nn.LSTM) and rnn.proj_size != 0:
                raise Unsupported(f"{rnn}: no proj_size")
            _sized(shape, 2, m, "(T, IN), time-major: add Transpose() before it")
            make, gates = (fmt.gru, 3) if isinstance(rnn, nn.GRU) else (fmt.lstm, 4)
            layer = make(rnn.input_size, rnn.hidden_size, shape[0], sequence=m.sequence)
            gh = gates * rnn.hidden_size
            add(layer, (rnn, "weight_ih_l0", 0), (rnn, "weight_hh_l0", 0),
                (rnn, "bias_ih_l0", gh), (rnn, "bias_hh_l0", gh))
        elif isinstance(m, (nn.GRU, nn.LSTM, nn.RNN)):
            raise Unsupported(f"{m} returns a tuple: wrap it in torch_modules.Recurrent(...)")
        else:
            raise Unsupported(f"no stacknet layer for {m}")
    if not layers:
        raise Unsupported("empty model")
    return layers, params, slots


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
