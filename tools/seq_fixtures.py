#!/usr/bin/env python3
"""Writes the PyTorch reference fixtures for the sequence layers into tests/fixtures/seq/.

One text file per case, each a PyTorch layer with seeded random parameters run on one seeded
random input (batch of one):

    conv1d_s2p1.txt   nn.Conv1d(3, 4, kernel_size=3, stride=2, padding=1), input 3 × 9
    conv1d_s1p0.txt   nn.Conv1d(3, 2, kernel_size=2, stride=1, padding=0), input 3 × 6
    pool1d.txt        nn.MaxPool1d(2, 2), nn.AvgPool1d(3, 2) and the mean over time,
                      input 3 × 8
    gru.txt           nn.GRU(3, 4, num_layers=1, batch_first=True), input 5 × 3 (T × features)
    lstm.txt          nn.LSTM(3, 4, num_layers=1, batch_first=True), input 5 × 3

For every output y the fixture holds a fixed random "upstream" tensor r of y's shape and the
gradients of loss = sum(y * r) with respect to every parameter and the input, so a Rust test
can check backward as well as forward. The recurrent layers have two outputs, the whole
sequence (`seq`, T × hidden) and the last hidden state (`last`, hidden), each with its own
upstream tensor and gradients. Initial states are zero (PyTorch's default).

Parameters keep PyTorch's names and layouts: Conv1d weight [out][in][kernel]; GRU weight_ih
[3·hidden][input] with gate rows r, z, n, weight_hh [3·hidden][hidden], bias_ih, bias_hh
[3·hidden]; LSTM the same with 4 gates i, f, g, o. Parameters and inputs are float32 values;
everything is then computed in float64 from them, so the fixture is the exact answer to
about 1e-15 and a float32 implementation should match it to rounding (the header records
the largest difference between PyTorch's own float32 and float64 results).

File format (no dependency needed to parse it): `#` lines are comments; every other line is

    name dims v1 v2 ...

with `dims` the shape joined by `x` (e.g. `12x3`, or `1` for a scalar) and the values in
row-major order, printed with 9 significant digits (round-trips float32; float64 values
printed this way are within 1 ulp of float32 of the exact result).

Run from the repository root (installs torch in a venv first if needed, see seq_torch.py):

    python3 tools/seq_fixtures.py
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seq_torch import ensure_torch  # noqa: E402

ensure_torch()

import torch  # noqa: E402
from torch import nn  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures",
                   "seq")


def fmt_tensor(name: str, t: torch.Tensor) -> str:
    dims = "x".join(str(d) for d in t.shape) if t.dim() > 0 else "1"
    values = " ".join(f"{v:.9g}" for v in t.detach().double().flatten().tolist())
    return f"{name} {dims} {values}"


def f32_values(shape: tuple[int, ...], gen: torch.Generator, scale: float = 1.0) -> torch.Tensor:
    """Seeded normal values, rounded to float32 so both precisions start from the same."""
    return (torch.randn(*shape, generator=gen) * scale).float()


def run(make, params: dict[str, torch.Tensor], x: torch.Tensor, uppers: dict[str, torch.Tensor],
        dtype: torch.dtype):
    """Builds the layer in `dtype` with `params`, runs it on `x`, and returns
    {output name: (output, {grad name: grad})}."""
    layer = make().to(dtype)
    with torch.no_grad():
        for name, value in params.items():
            getattr(layer, name).copy_(value.to(dtype))
    results = {}
    for out_name, upper in uppers.items():
        layer.zero_grad()
        xi = x.to(dtype).clone().requires_grad_(True)
        outputs = forward_outputs(layer, xi)
        y = outputs[out_name]
        (y * upper.to(dtype)).sum().backward()
        grads = {f"grad_{name}": getattr(layer, name).grad.clone() for name in params}
        grads["grad_input"] = xi.grad.clone()
        results[out_name] = (outputs, grads)
    return results


def forward_outputs(layer: nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """The named outputs of one sample (batch dimension removed)."""
    if isinstance(layer, nn.GRU):
        y, h = layer(x.unsqueeze(0))
        return {"seq": y[0], "last": h[0, 0]}
    if isinstance(layer, nn.LSTM):
        y, (h, c) = layer(x.unsqueeze(0))
        return {"seq": y[0], "last": h[0, 0], "last_cell": c[0, 0]}
    if isinstance(layer, nn.Conv1d):
        return {"out": layer(x.unsqueeze(0))[0]}
    raise TypeError(layer)


def write_case(file: str, description: list[str], make, params, x, uppers,
               rename: dict[str, str] | None = None) -> None:
    """Runs one case in both precisions and writes the float64 results; `rename` maps
    PyTorch parameter names to the names written (weight_ih_l0 -> weight_ih)."""
    rename = rename or {}

    def short(key: str) -> str:
        for long, name in rename.items():
            key = key.replace(long, name)
        return key

    exact = run(make, params, x, uppers, torch.float64)
    single = run(make, params, x, uppers, torch.float32)
    worst = 0.0
    for out_name in uppers:
        for part in (0, 1):
            for key, value in exact[out_name][part].items():
                other = single[out_name][part][key]
                worst = max(worst, (value - other.double()).abs().max().item())
    lines = [f"# {d}" for d in description]
    lines.append(f"# torch {torch.__version__}; computed in float64 from float32 parameters and "
                 f"input; PyTorch float32 differs from it by at most {worst:.3g}")
    lines += [fmt_tensor(short(name), value) for name, value in params.items()]
    lines.append(fmt_tensor("input", x))
    outputs = exact[next(iter(uppers))][0]
    lines += [fmt_tensor(f"output_{name}", value) for name, value in outputs.items()]
    for out_name, upper in uppers.items():
        lines.append(f"# loss = sum(output_{out_name} * upstream_{out_name}); gradients:")
        lines.append(fmt_tensor(f"upstream_{out_name}", upper))
        for key, value in exact[out_name][1].items():
            lines.append(fmt_tensor(f"{short(key)}_{out_name}", value))
    path = os.path.join(OUT, file)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{path}: {os.path.getsize(path)} bytes, float32 vs float64 {worst:.3g}")


def conv1d_case(file: str, cin: int, cout: int, k: int, stride: int, padding: int,
                length: int, seed: int) -> None:
    gen = torch.Generator().manual_seed(seed)
    make = lambda: nn.Conv1d(cin, cout, k, stride=stride, padding=padding)  # noqa: E731
    params = {"weight": f32_values((cout, cin, k), gen, 0.5), "bias": f32_values((cout,), gen, 0.5)}
    x = f32_values((cin, length), gen)
    lout = (length + 2 * padding - k) // stride + 1
    uppers = {"out": f32_values((cout, lout), gen)}
    write_case(file, [f"nn.Conv1d({cin}, {cout}, kernel_size={k}, stride={stride}, "
                      f"padding={padding}); input {cin} x {length} (channels x time); "
                      f"output {cout} x {lout}"], make, params, x, uppers)


def recurrent_case(file: str, kind: str, seed: int, features: int = 3, hidden: int = 4,
                   steps: int = 5) -> None:
    gen = torch.Generator().manual_seed(seed)
    gates = {"gru": 3, "lstm": 4}[kind]
    cls = {"gru": nn.GRU, "lstm": nn.LSTM}[kind]
    make = lambda: cls(features, hidden, num_layers=1, batch_first=True)  # noqa: E731
    bound = 1.0 / hidden ** 0.5  # PyTorch's default init range, drawn from our generator
    u = lambda *s: ((torch.rand(*s, generator=gen) * 2 - 1) * bound).float()  # noqa: E731
    params = {
        "weight_ih_l0": u(gates * hidden, features),
        "weight_hh_l0": u(gates * hidden, hidden),
        "bias_ih_l0": u(gates * hidden),
        "bias_hh_l0": u(gates * hidden),
    }
    x = f32_values((steps, features), gen)
    uppers = {"seq": f32_values((steps, hidden), gen), "last": f32_values((hidden,), gen)}
    layout = "r, z, n" if kind == "gru" else "i, f, g, o"
    names = {"weight_ih_l0": "weight_ih", "weight_hh_l0": "weight_hh",
             "bias_ih_l0": "bias_ih", "bias_hh_l0": "bias_hh"}
    desc = [f"nn.{cls.__name__}({features}, {hidden}, num_layers=1, batch_first=True); "
            f"input {steps} x {features} (time x features); zero initial state; "
            f"gate blocks of {hidden} rows in the order {layout}",
            "outputs: seq = every hidden state (time x hidden), last = final hidden state"
            + (", last_cell = final cell state" if kind == "lstm" else "")]
    write_case(file, desc, make, params, x, uppers, rename=names)


def pool_case(file: str, seed: int, channels: int = 3, length: int = 8) -> None:
    gen = torch.Generator().manual_seed(seed)
    x = f32_values((channels, length), gen).double()
    ops = {
        "maxpool_k2s2": lambda t: nn.functional.max_pool1d(t.unsqueeze(0), 2, 2)[0],
        "avgpool_k3s2": lambda t: nn.functional.avg_pool1d(t.unsqueeze(0), 3, 2)[0],
        "global_avg": lambda t: t.mean(dim=1),
    }
    lines = [f"# nn.MaxPool1d(2, 2), nn.AvgPool1d(3, 2) (no padding) and the mean over time, "
             f"each on the same input {channels} x {length} (channels x time)",
             f"# torch {torch.__version__}; float64 from float32 input; no parameters"]
    lines.append(fmt_tensor("input", x))
    for name, op in ops.items():
        xi = x.clone().requires_grad_(True)
        y = op(xi)
        upper = f32_values(tuple(y.shape), gen).double()
        (y * upper).sum().backward()
        lines.append(fmt_tensor(f"output_{name}", y))
        lines.append(fmt_tensor(f"upstream_{name}", upper))
        lines.append(fmt_tensor(f"grad_input_{name}", xi.grad))
    path = os.path.join(OUT, file)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{path}: {os.path.getsize(path)} bytes")


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    conv1d_case("conv1d_s2p1.txt", 3, 4, 3, 2, 1, 9, seed=1)
    conv1d_case("conv1d_s1p0.txt", 3, 2, 2, 1, 0, 6, seed=2)
    pool_case("pool1d.txt", seed=3)
    recurrent_case("gru.txt", "gru", seed=4)
    recurrent_case("lstm.txt", "lstm", seed=5)
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"total {total} bytes in {OUT}")


if __name__ == "__main__":
    main()
