"""The stacknet weight format (docs/FORMAT.md) and shape signatures, in plain Python.

No PyTorch needed here: this module reads and writes weight images and computes the same
shape signature as `Layer::SIGNATURE` in Rust. `torch_export.py` and `torch_import.py`
build on it.

A model is described as a list of `Layer` tuples (see the constructors below); its
signature is the right fold of `combine` over the layers' signatures, exactly like the Rust
`chain![A, B, C]`, which is the nested pair `(A, (B, C))`.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from typing import Iterable, List, Sequence, Tuple

import numpy as np

MAGIC = b"SNET"
VERSION = 1
HEADER_LEN = 20
CRC_LEN = 4

# Kind tags: must equal `stacknet::layers::kind` (src/layers/mod.rs). Never renumber.
KIND = {
    "dense": 1,
    "sigmoid": 2,
    "tanh": 3,
    "relu": 4,
    "leaky_relu": 5,
    "identity": 6,
    "softmax": 7,
    "conv2d": 20,
    "max_pool2d": 21,
    "avg_pool2d": 22,
    "flatten": 23,
    "unflatten": 24,
    "conv1d": 30,
    "max_pool1d": 31,
    "avg_pool1d": 32,
    "global_avg_pool1d": 33,
    "gru": 34,
    "lstm": 35,
    "transpose": 36,
    "unflatten_series": 37,
}

_FNV_OFFSET = 0xCBF29CE484222325
_FNV_PRIME = 0x00000100000001B3
_MASK64 = (1 << 64) - 1
_CHAIN_TAG = 0x5EC00001


def _mix(h: int, word: int) -> int:
    """FNV-1a over the four little-endian bytes of a 32-bit word (`signature::mix`)."""
    for byte in (word & 0xFFFFFFFF).to_bytes(4, "little"):
        h ^= byte
        h = (h * _FNV_PRIME) & _MASK64
    return h


def signature_of(kind: int, sizes: Iterable[int]) -> int:
    """`stacknet::layer::signature::of(kind, sizes)`: a layer kind and its sizes."""
    h = _mix(_FNV_OFFSET, kind)
    for s in sizes:
        h = _mix(h, s)
    return h


def combine(a: int, b: int) -> int:
    """`stacknet::layer::signature::combine(a, b)`: the signature of the pair `(A, B)`."""
    h = _mix(_mix(_FNV_OFFSET, _CHAIN_TAG), a & 0xFFFFFFFF)
    h = _mix(_mix(h, a >> 32), b & 0xFFFFFFFF)
    return _mix(h, b >> 32)


@dataclass(frozen=True)
class Layer:
    """One stacknet layer: its kind name (a key of KIND), the sizes hashed into its
    signature, its parameter shapes (in `param_block` order), and its input and output
    shapes (without the batch dimension)."""

    kind: str
    sizes: Tuple[int, ...]
    params: Tuple[Tuple[int, ...], ...]
    input: Tuple[int, ...]
    output: Tuple[int, ...]
    rust: str

    @property
    def signature(self) -> int:
        return signature_of(KIND[self.kind], self.sizes)

    @property
    def param_count(self) -> int:
        return sum(int(np.prod(p)) for p in self.params)


def dense(n_in: int, n_out: int) -> Layer:
    return Layer("dense", (n_in, n_out), ((n_out, n_in), (n_out,)), (n_in,), (n_out,),
                 f"Dense<{n_in}, {n_out}>")


_ACT_ALIAS = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "Relu",
              "leaky_relu": "LeakyRelu", "identity": "Identity"}
_ACT_FN = {"sigmoid": "SigmoidFn", "tanh": "TanhFn", "relu": "ReluFn",
           "leaky_relu": "LeakyReluFn", "identity": "IdentityFn"}


def activation(kind: str, shape: Sequence[int]) -> Layer:
    """An element-wise activation over a tensor of `shape` (`Act<F, T>`; its signature
    uses only the element count)."""
    shape = tuple(shape)
    n = int(np.prod(shape))
    if len(shape) == 1:
        rust = f"{_ACT_ALIAS[kind]}<{n}>"
    elif len(shape) == 3 and kind == "relu":
        rust = "Relu3<{}, {}, {}>".format(*shape)
    elif len(shape) == 2 and kind == "relu":
        rust = "Relu2<{}, {}>".format(*shape)
    else:
        t = "f32"
        for d in reversed(shape):
            t = f"[{t}; {d}]"
        rust = f"Act<{_ACT_FN[kind]}, {t}>"
    return Layer(kind, (n,), (), shape, shape, rust)


def softmax(n: int) -> Layer:
    return Layer("softmax", (n,), (), (n,), (n,), f"Softmax<{n}>")


def out_size(n: int, k: int, stride: int, pad: int) -> int:
    """`stacknet::layers::conv::out_size`."""
    if stride == 0 or n + 2 * pad < k:
        return 0
    return (n + 2 * pad - k) // stride + 1


def conv2d(c_in: int, c_out: int, k: int, h: int, w: int, stride: int = 1,
           pad: int = 0) -> Layer:
    oh, ow = out_size(h, k, stride, pad), out_size(w, k, stride, pad)
    return Layer("conv2d", (c_in, c_out, k, h, w, stride, pad),
                 ((c_out, c_in, k, k), (c_out,)), (c_in, h, w), (c_out, oh, ow),
                 f"Conv2d<{c_in}, {c_out}, {k}, {h}, {w}, {oh}, {ow}, {stride}, {pad}>")


def pool2d(kind: str, c: int, h: int, w: int, k: int, stride: int) -> Layer:
    oh, ow = out_size(h, k, stride, 0), out_size(w, k, stride, 0)
    name = {"max_pool2d": "MaxPool2d", "avg_pool2d": "AvgPool2d"}[kind]
    return Layer(kind, (c, h, w, k, stride), (), (c, h, w), (c, oh, ow),
                 f"{name}<{c}, {h}, {w}, {oh}, {ow}, {k}, {stride}>")


def flatten(c: int, h: int, w: int) -> Layer:
    return Layer("flatten", (c, h, w), (), (c, h, w), (c * h * w,),
                 f"Flatten<{c}, {h}, {w}, {c * h * w}>")


def unflatten(c: int, h: int, w: int) -> Layer:
    return Layer("unflatten", (c, h, w), (), (c * h * w,), (c, h, w),
                 f"Unflatten<{c}, {h}, {w}, {c * h * w}>")


def conv1d(c_in: int, c_out: int, k: int, t: int, stride: int = 1, pad: int = 0) -> Layer:
    """`Conv1d<C_IN, C_OUT, K, T, OT, S, P>` on a `C_IN×T` series (`nn.Conv1d`): weight
    `[C_OUT][C_IN][K]`, bias `[C_OUT]`."""
    ot = out_size(t, k, stride, pad)
    return Layer("conv1d", (c_in, c_out, k, t, stride, pad), ((c_out, c_in, k), (c_out,)),
                 (c_in, t), (c_out, ot),
                 f"Conv1d<{c_in}, {c_out}, {k}, {t}, {ot}, {stride}, {pad}>")


def pool1d(kind: str, c: int, t: int, k: int, stride: int) -> Layer:
    """`MaxPool1d<C, T, OT, K, S>` or `AvgPool1d<C, T, OT, K, S>` (no padding)."""
    ot = out_size(t, k, stride, 0)
    name = {"max_pool1d": "MaxPool1d", "avg_pool1d": "AvgPool1d"}[kind]
    return Layer(kind, (c, t, k, stride), (), (c, t), (c, ot),
                 f"{name}<{c}, {t}, {ot}, {k}, {stride}>")


def global_avg_pool1d(c: int, t: int) -> Layer:
    """`GlobalAvgPool1d<C, T>`: the mean over time of each channel."""
    return Layer("global_avg_pool1d", (c, t), (), (c, t), (c,), f"GlobalAvgPool1d<{c}, {t}>")


# `Readout::TAG` in src/layers/recurrent.rs: what a recurrent layer returns.
READOUT = {"Last": 0, "Sequence": 1}


def _recurrent(kind: str, gates: int, n_in: int, hidden: int, t: int, sequence: bool) -> Layer:
    name = {"gru": "Gru", "lstm": "Lstm"}[kind]
    readout = "Sequence" if sequence else "Last"
    rust = f"{name}<{n_in}, {hidden}, {t}" + (", Sequence>" if sequence else ">")
    gh = gates * hidden
    return Layer(kind, (n_in, hidden, t, READOUT[readout]),
                 ((gh, n_in), (gh, hidden), (gh,), (gh,)), (t, n_in),
                 (t, hidden) if sequence else (hidden,), rust)


def gru(n_in: int, hidden: int, t: int, sequence: bool = False) -> Layer:
    """`Gru<IN, H, T>` (last state) or `Gru<IN, H, T, Sequence>` (every state) over a
    time-major `T×IN` input: PyTorch's `weight_ih_l0` `[3H][IN]`, `weight_hh_l0` `[3H][H]`,
    `bias_ih_l0`, `bias_hh_l0` `[3H]`, gate blocks r, z, n."""
    return _recurrent("gru", 3, n_in, hidden, t, sequence)


def lstm(n_in: int, hidden: int, t: int, sequence: bool = False) -> Layer:
    """`Lstm<IN, H, T>` or `Lstm<IN, H, T, Sequence>`: as `gru` with 4 gate blocks
    i, f, g, o."""
    return _recurrent("lstm", 4, n_in, hidden, t, sequence)


def transpose(c: int, t: int) -> Layer:
    """`Transpose<C, T>`: a `C×T` series to time-major `T×C`."""
    return Layer("transpose", (c, t), (), (c, t), (t, c), f"Transpose<{c}, {t}>")


def unflatten_series(c: int, t: int) -> Layer:
    """`UnflattenSeries<C, T, N>`: a flat sample of `N = C·T` values to a `C×T` series."""
    return Layer("unflatten_series", (c, t), (), (c * t,), (c, t),
                 f"UnflattenSeries<{c}, {t}, {c * t}>")


def model_signature(layers: Sequence[Layer]) -> int:
    """Signature of `chain![layers...]` (right-nested pairs)."""
    if not layers:
        raise ValueError("a model needs at least one layer")
    sig = layers[-1].signature
    for layer in reversed(layers[:-1]):
        sig = combine(layer.signature, sig)
    return sig


def rust_type(layers: Sequence[Layer]) -> str:
    """The Rust model type, e.g. `chain![Dense<2, 4>, Sigmoid<4>]` (names as re-exported by
    `stacknet` and `stacknet::layers`)."""
    if len(layers) == 1:
        return layers[0].rust
    return "chain![" + ", ".join(layer.rust for layer in layers) + "]"


def parse_rust_type(text: str, input_shape: Sequence[int] | None = None) -> List[Layer]:
    """Parses a stacknet model type such as `chain![Dense<2, 4>, Sigmoid<4>, Dense<4, 1>]`
    (the `chain![ ]` wrapper and `stacknet::` prefixes are optional)."""
    text = re.sub(r"\bstacknet::(layers::)?", "", text.strip())
    m = re.fullmatch(r"chain!\s*\[(.*)\]\s*", text, re.S)
    if m:
        text = m.group(1)
    layers: List[Layer] = []
    for name, args in re.findall(r"(\w+)\s*<([^<>]*)>", text):
        words = [x for x in args.replace(" ", "").split(",") if x]
        if name in ("Gru", "Lstm") and words and words[-1] in READOUT:
            readout = words.pop()
        else:
            readout = "Last"
        a = [] if name == "Act" else [int(x) for x in words]
        if name == "Dense":
            layers.append(dense(*a))
        elif name in ("Sigmoid", "Tanh", "Relu", "LeakyRelu", "Identity"):
            kind = {v: k for k, v in _ACT_ALIAS.items()}[name]
            layers.append(activation(kind, (a[0],)))
        elif name == "Act":
            fn_name, _, tensor = args.partition(",")
            kind = {v: k for k, v in _ACT_FN.items()}[fn_name.strip()]
            dims = tuple(int(d) for d in reversed(re.findall(r";\s*(\d+)\s*\]", tensor)))
            layers.append(activation(kind, dims))
        elif name == "Relu3":
            layers.append(activation("relu", tuple(a)))
        elif name == "Softmax":
            layers.append(softmax(a[0]))
        elif name == "Conv2d":
            c_in, c_out, k, h, w, oh, ow = a[:7]
            stride = a[7] if len(a) > 7 else 1
            pad = a[8] if len(a) > 8 else 0
            layer = conv2d(c_in, c_out, k, h, w, stride, pad)
            if layer.output != (c_out, oh, ow):
                raise ValueError(f"{name}<{args}>: output size should be {layer.output}")
            layers.append(layer)
        elif name in ("MaxPool2d", "AvgPool2d"):
            c, h, w, oh, ow = a[:5]
            k = a[5] if len(a) > 5 else 2
            stride = a[6] if len(a) > 6 else k
            kind = "max_pool2d" if name == "MaxPool2d" else "avg_pool2d"
            layers.append(pool2d(kind, c, h, w, k, stride))
        elif name == "Flatten":
            layers.append(flatten(*a[:3]))
        elif name == "Unflatten":
            layers.append(unflatten(*a[:3]))
        elif name == "Relu2":
            layers.append(activation("relu", tuple(a)))
        elif name == "Conv1d":
            c_in, c_out, k, t, ot = a[:5]
            stride = a[5] if len(a) > 5 else 1
            pad = a[6] if len(a) > 6 else 0
            layer = conv1d(c_in, c_out, k, t, stride, pad)
            if layer.output != (c_out, ot):
                raise ValueError(f"{name}<{args}>: output size should be {layer.output}")
            layers.append(layer)
        elif name in ("MaxPool1d", "AvgPool1d"):
            c, t, ot = a[:3]
            k = a[3] if len(a) > 3 else 2
            stride = a[4] if len(a) > 4 else k
            layer = pool1d("max_pool1d" if name == "MaxPool1d" else "avg_pool1d", c, t, k, stride)
            if layer.output != (c, ot):
                raise ValueError(f"{name}<{args}>: output size should be {layer.output}")
            layers.append(layer)
        elif name == "GlobalAvgPool1d":
            layers.append(global_avg_pool1d(*a[:2]))
        elif name in ("Gru", "Lstm"):
            make = gru if name == "Gru" else lstm
            layers.append(make(*a[:3], sequence=readout == "Sequence"))
        elif name == "Transpose":
            layers.append(transpose(*a[:2]))
        elif name == "UnflattenSeries":
            c, t, n = a[:3]
            if n != c * t:
                raise ValueError(f"{name}<{args}>: N must be C·T = {c * t}")
            layers.append(unflatten_series(c, t))
        else:
            raise ValueError(f"unknown stacknet layer {name!r} (Act<..> over feature maps: "
                             "write Relu3<C, H, W> / Relu2<C, T> or describe the model in "
                             "Python)")
    if not layers:
        raise ValueError(f"no layers found in {text!r}")
    return layers


def encode(layers: Sequence[Layer], params: Sequence[np.ndarray]) -> bytes:
    """The weight image for `layers` with the given parameter blocks (in `param_block`
    order; each is converted to float32 and flattened row-major)."""
    blocks = [np.ascontiguousarray(p, dtype="<f4").reshape(-1) for p in params]
    expected = [int(np.prod(s)) for layer in layers for s in layer.params]
    if [b.size for b in blocks] != expected:
        raise ValueError(f"parameter block sizes {[b.size for b in blocks]} != {expected}")
    payload = b"".join(b.tobytes() for b in blocks)
    if not all(np.isfinite(b).all() for b in blocks):
        raise ValueError("a parameter is NaN or infinite; stacknet refuses to load it")
    count = len(payload) // 4
    body = MAGIC + struct.pack("<IQI", VERSION, model_signature(layers), count) + payload
    return body + struct.pack("<I", zlib.crc32(body))


class FormatError(ValueError):
    """The bytes are not a valid weight image (for this model)."""


def decode(data: bytes, layers: Sequence[Layer] | None = None) -> List[np.ndarray]:
    """Checks an image (and, given `layers`, that it belongs to them) and returns its
    parameter blocks, shaped like the PyTorch tensors. Without `layers`, returns one flat
    block."""
    if len(data) >= 4 and data[:4] != MAGIC:
        raise FormatError("bad magic: not a stacknet weight image")
    if len(data) < HEADER_LEN + CRC_LEN:
        raise FormatError(f"image is {len(data)} bytes, shorter than a header")
    version, signature, count = struct.unpack_from("<IQI", data, 4)
    if version != VERSION:
        raise FormatError(f"unsupported format version {version}")
    if len(data) != HEADER_LEN + 4 * count + CRC_LEN:
        raise FormatError(f"image is {len(data)} bytes, header says "
                          f"{HEADER_LEN + 4 * count + CRC_LEN}")
    (stored,) = struct.unpack_from("<I", data, len(data) - CRC_LEN)
    computed = zlib.crc32(data[:-CRC_LEN])
    if stored != computed:
        raise FormatError(f"checksum mismatch (stored {stored:#010x}, computed {computed:#010x})")
    flat = np.frombuffer(data, dtype="<f4", count=count, offset=HEADER_LEN).astype(np.float32)
    if layers is None:
        return [flat]
    expected = model_signature(layers)
    if signature != expected:
        raise FormatError(f"weights are for another architecture (signature {signature:#018x}, "
                          f"model {rust_type(layers)} has {expected:#018x})")
    blocks, at = [], 0
    for layer in layers:
        for shape in layer.params:
            n = int(np.prod(shape))
            blocks.append(flat[at:at + n].reshape(shape))
            at += n
    if at != count:
        raise FormatError(f"image holds {count} parameters, the model has {at}")
    return blocks


def header(data: bytes) -> dict:
    """The header fields of an image, without checking the rest."""
    version, signature, count = struct.unpack_from("<IQI", data, 4)
    return {"magic": data[:4], "version": version, "signature": signature, "params": count}


def write_samples(path: str, rows: np.ndarray, comment: str) -> None:
    """One sample per line, values as 9 significant digits (exact for float32)."""
    rows = np.asarray(rows, dtype=np.float32).reshape(len(rows), -1)
    with open(path, "w") as f:
        for line in comment.splitlines():
            f.write(f"# {line}\n")
        for row in rows:
            f.write(" ".join(f"{float(v):.9g}" for v in row) + "\n")


def read_samples(path: str) -> np.ndarray:
    with open(path) as f:
        rows = [[float(v) for v in line.split()] for line in f
                if line.strip() and not line.startswith("#")]
    return np.asarray(rows, dtype=np.float32)
