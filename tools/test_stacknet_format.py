#!/usr/bin/env python3
"""Tests of the Python side of the weight format: the signature and image bytes must be
exactly what the Rust crate computes (pinned by the same constants and the golden image in
tests/fixtures/format/). The PyTorch tests run only when torch is importable.

    python3 tools/test_stacknet_format.py -v
"""

from __future__ import annotations

import os
import sys
import unittest
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import stacknet_format as fmt  # noqa: E402

try:
    import torch
    from torch import nn
except ImportError:  # the format tests need only numpy
    torch = None

XOR = "chain![Dense<2, 4>, Sigmoid<4>, Dense<4, 1>, Sigmoid<1>]"
GOLDEN = os.path.join(ROOT, "tests", "fixtures", "format", "xor_v1.snet")
# Every sequence kind (30-37) in one model; its image tests/fixtures/format/seq_v1.snet is
# `fmt.encode(parse_rust_type(SEQ), seq_golden_params())`, and tests/format_seq.rs loads it
# in Rust and asserts the same signature and values.
SEQ = ("chain![UnflattenSeries<2, 8, 16>, Conv1d<2, 3, 3, 8, 4, 2, 1>, Relu2<3, 4>, "
       "MaxPool1d<3, 4, 2, 2, 2>, Transpose<3, 2>, Gru<3, 4, 2, Sequence>, "
       "Lstm<4, 2, 2, Sequence>, Transpose<2, 2>, AvgPool1d<2, 2, 1, 2, 2>, "
       "GlobalAvgPool1d<2, 1>, Dense<2, 2>]")
SEQ_SIGNATURE = 0x454E1929DA5F5103
SEQ_GOLDEN = os.path.join(ROOT, "tests", "fixtures", "format", "seq_v1.snet")
# `<T as Layer>::SIGNATURE` of single sequence layers, asserted in tests/format_seq.rs.
SEQ_LAYER_SIGNATURES = {
    "Gru<6, 32, 100>": 0x9707E51CEFB9D1F5,
    "Gru<6, 16, 100, Sequence>": 0xA2D4FF0EECA08A54,
    "Lstm<6, 16, 50>": 0x744F2E4F99F90F82,
}
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "torch")


def golden_params():
    """The weights of `golden()` in tests/format.rs."""
    return [np.array([[0.5, -1.25], [2.0, 0.75], [-0.125, 1.5], [3.0, -2.5]]),
            np.array([0.1, -0.2, 0.3, -0.4]),
            np.array([[1.0, -1.0, 0.5, -0.5]]),
            np.array([0.25])]


def seq_golden_params(layers):
    """Parameter `i` (counting over every block in order) is `((37·i) mod 101 − 50) / 64`,
    exact in float32 (tests/format_seq.rs uses the same rule)."""
    blocks, at = [], 0
    for layer in layers:
        for shape in layer.params:
            n = int(np.prod(shape))
            i = np.arange(at, at + n)
            blocks.append((((37 * i) % 101 - 50) / 64.0).reshape(shape))
            at += n
    return blocks


class Format(unittest.TestCase):
    def test_signature_matches_rust(self):
        # `<chain![Dense<2, 4>, Sigmoid<4>, Dense<4, 1>, Sigmoid<1>]>::SIGNATURE`, asserted
        # in tests/format.rs and tests/torch_equivalence.rs.
        self.assertEqual(fmt.model_signature(fmt.parse_rust_type(XOR)), 0xA97FD775BC28D26F)
        wider = fmt.parse_rust_type("chain![Dense<2, 5>, Sigmoid<5>, Dense<5, 1>, Sigmoid<1>]")
        self.assertNotEqual(fmt.model_signature(wider), 0xA97FD775BC28D26F)

    def test_combine_is_ordered(self):
        a, b = fmt.signature_of(fmt.KIND["relu"], [3]), fmt.signature_of(fmt.KIND["tanh"], [3])
        self.assertNotEqual(fmt.combine(a, b), fmt.combine(b, a))

    def test_golden_image_is_byte_identical(self):
        data = fmt.encode(fmt.parse_rust_type(XOR), golden_params())
        with open(GOLDEN, "rb") as f:
            self.assertEqual(data, f.read())
        self.assertEqual(len(data), 24 + 17 * 4)
        self.assertEqual(data[:4], b"SNET")
        self.assertEqual(int.from_bytes(data[-4:], "little"), zlib.crc32(data[:-4]))

    def test_decode_checks_everything(self):
        layers = fmt.parse_rust_type(XOR)
        with open(GOLDEN, "rb") as f:
            data = f.read()
        blocks = fmt.decode(data, layers)
        self.assertEqual([b.shape for b in blocks], [(4, 2), (4,), (1, 4), (1,)])
        np.testing.assert_array_equal(blocks[0], golden_params()[0].astype(np.float32))
        flipped = bytearray(data)
        flipped[33] ^= 4
        bad = [b"XNET" + data[4:], data[:-1], data + b"\0", bytes(flipped)]
        for d in bad:
            with self.assertRaises(fmt.FormatError):
                fmt.decode(d, layers)
        with self.assertRaises(fmt.FormatError):
            fmt.decode(data, fmt.parse_rust_type(XOR.replace("Sigmoid<1>", "Tanh<1>")))

    def test_every_fixture_decodes_with_its_arch(self):
        for name in sorted(d for d in os.listdir(FIXTURES)
                           if os.path.isdir(os.path.join(FIXTURES, d))):
            with open(os.path.join(FIXTURES, name, "arch.txt")) as f:
                arch = f.read().strip()
            layers = fmt.parse_rust_type(arch)
            self.assertEqual(fmt.rust_type(layers), arch)
            with open(os.path.join(FIXTURES, name, "model.snet"), "rb") as f:
                blocks = fmt.decode(f.read(), layers)
            self.assertEqual(sum(b.size for b in blocks),
                             sum(layer.param_count for layer in layers))

    def test_sequence_kinds_match_rust(self):
        layers = fmt.parse_rust_type(SEQ)
        self.assertEqual(fmt.rust_type(layers), SEQ)
        self.assertEqual(fmt.model_signature(layers), SEQ_SIGNATURE)
        for arch, signature in SEQ_LAYER_SIGNATURES.items():
            self.assertEqual(fmt.model_signature(fmt.parse_rust_type(arch)), signature, arch)
        # The readout is part of the signature; Relu2 is Act<ReluFn, [[f32; T]; C]>.
        self.assertNotEqual(fmt.parse_rust_type("Lstm<6, 16, 50, Sequence>")[0].signature,
                            SEQ_LAYER_SIGNATURES["Lstm<6, 16, 50>"])
        self.assertEqual(fmt.parse_rust_type("Relu2<3, 4>")[0].signature,
                         fmt.parse_rust_type("Act<ReluFn, [[f32; 4]; 3]>")[0].signature)
        with open(SEQ_GOLDEN, "rb") as f:
            data = f.read()
        self.assertEqual(fmt.encode(layers, seq_golden_params(layers)), data)
        blocks = fmt.decode(data, layers)
        self.assertEqual([b.shape for b in blocks],
                         [(3, 2, 3), (3,), (12, 3), (12, 4), (12,), (12,),
                          (8, 4), (8, 2), (8,), (8,), (2, 2), (2,)])
        shapes = [(layer.input, layer.output) for layer in layers]
        self.assertEqual(shapes[1], ((2, 8), (3, 4)))  # Conv1d: OT = (8 + 2 - 3) // 2 + 1
        self.assertEqual(shapes[5], ((2, 3), (2, 4)))  # Gru, Sequence: T x H
        self.assertEqual(shapes[-2], ((2, 1), (2,)))
        with self.assertRaises(ValueError):
            fmt.parse_rust_type("Conv1d<2, 3, 3, 8, 3, 2, 1>")  # wrong OT
        with self.assertRaises(ValueError):
            fmt.parse_rust_type("UnflattenSeries<2, 8, 15>")

    def test_refuses_non_finite(self):
        p = golden_params()
        p[1] = np.array([0.1, np.nan, 0.3, -0.4])
        with self.assertRaises(ValueError):
            fmt.encode(fmt.parse_rust_type(XOR), p)


@unittest.skipIf(torch is None, "PyTorch is not installed")
class Torch(unittest.TestCase):
    def test_export_import_round_trip(self):
        from torch_export import to_bytes
        from torch_import import from_arch, load_into
        torch.manual_seed(0)
        model = nn.Sequential(nn.Unflatten(1, (2, 6, 6)), nn.Conv2d(2, 3, 3, stride=1),
                              nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(12, 4),
                              nn.Sigmoid(), nn.Linear(4, 2), nn.Softmax(dim=1))
        data = to_bytes(model, (72,))
        arch = ("chain![Unflatten<2, 6, 6, 72>, Conv2d<2, 3, 3, 6, 6, 4, 4, 1, 0>, "
                "Relu3<3, 4, 4>, MaxPool2d<3, 4, 4, 2, 2, 2, 2>, Flatten<3, 2, 2, 12>, "
                "Dense<12, 4>, Sigmoid<4>, Dense<4, 2>, Softmax<2>]")
        copy = from_arch(arch, data)
        x = torch.randn(5, 72)
        with torch.no_grad():
            self.assertTrue(torch.equal(model(x), copy(x)))
        self.assertEqual(to_bytes(copy, (72,)), data)
        # A model of another shape refuses the image and keeps its weights.
        other = nn.Sequential(nn.Linear(72, 4))
        before = other[0].weight.clone()
        with self.assertRaises(fmt.FormatError):
            load_into(other, data)
        self.assertTrue(torch.equal(before, other[0].weight))

    def test_sequence_export_import_round_trip(self):
        from torch_export import to_bytes
        from torch_import import from_arch, load_into
        from torch_modules import GlobalAvgPool1d, Recurrent, Transpose
        torch.manual_seed(1)
        model = nn.Sequential(
            nn.Unflatten(1, (2, 8)), nn.Conv1d(2, 3, 3, stride=2, padding=1), nn.ReLU(),
            nn.MaxPool1d(2), Transpose(),
            Recurrent(nn.GRU(3, 4, batch_first=True), sequence=True),
            Recurrent(nn.LSTM(4, 2, batch_first=True), sequence=True), Transpose(),
            nn.AvgPool1d(2), GlobalAvgPool1d(), nn.Linear(2, 2))
        data = to_bytes(model)
        copy = from_arch(SEQ, data)
        x = torch.randn(5, 16)
        with torch.no_grad():
            self.assertTrue(torch.equal(model(x), copy(x)))
        self.assertEqual(to_bytes(copy), data)
        # The Python/Rust golden image: value i of the image lands where PyTorch keeps it.
        with open(SEQ_GOLDEN, "rb") as f:
            golden = from_arch(SEQ, f.read())
        gru = golden[5].rnn
        want = seq_golden_params(fmt.parse_rust_type(SEQ))
        self.assertTrue(torch.equal(gru.weight_ih_l0, torch.tensor(want[2], dtype=torch.float32)))
        self.assertTrue(torch.equal(golden[6].rnn.bias_hh_l0,
                                    torch.tensor(want[9], dtype=torch.float32)))
        # A GRU without biases exports zeros; the LSTM's readout must match the image.
        plain = nn.Sequential(Transpose(), Recurrent(nn.GRU(3, 4, batch_first=True, bias=False)))
        blocks = fmt.decode(to_bytes(plain, (3, 6)), fmt.parse_rust_type(
            "chain![Transpose<3, 6>, Gru<3, 4, 6>]"))
        self.assertTrue(np.all(blocks[2] == 0) and np.all(blocks[3] == 0))
        last = nn.Sequential(*list(model)[:6],
                             Recurrent(nn.LSTM(4, 2, batch_first=True)), nn.Linear(2, 2))
        before = last[6].rnn.weight_hh_l0.clone()
        with self.assertRaises(fmt.FormatError):
            load_into(last, data)
        self.assertTrue(torch.equal(before, last[6].rnn.weight_hh_l0))

    @staticmethod
    def _rec(rnn):
        from torch_modules import Recurrent
        return Recurrent(rnn)

    def test_unsupported_modules_are_named(self):
        from torch_export import Unsupported, describe
        for model, shape in [(nn.Sequential(nn.Linear(2, 2), nn.GELU()), None),
                             (nn.Sequential(nn.Conv2d(1, 1, 3, dilation=2)), (1, 8, 8)),
                             (nn.Sequential(nn.Linear(2, 2), nn.LeakyReLU(0.2)), None),
                             (nn.Sequential(nn.Linear(2, 3), nn.Linear(2, 1)), None),
                             (nn.Sequential(nn.GRU(3, 4, batch_first=True)), (6, 3)),
                             (nn.Sequential(self._rec(nn.GRU(3, 4, batch_first=True,
                                                             bidirectional=True))), (6, 3)),
                             (nn.Sequential(self._rec(nn.LSTM(3, 4, num_layers=2,
                                                              batch_first=True))), (6, 3)),
                             (nn.Sequential(self._rec(nn.GRU(3, 4))), (6, 3)),
                             (nn.Sequential(nn.Conv1d(2, 2, 3, dilation=2)), (2, 9)),
                             (nn.Sequential(nn.MaxPool1d(2, padding=1)), (2, 9)),
                             (nn.Sequential(self._rec(nn.GRU(3, 4, batch_first=True))),
                              (3, 6))]:
            with self.assertRaises(Unsupported):
                describe(model, shape)


if __name__ == "__main__":
    unittest.main()
