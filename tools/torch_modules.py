"""PyTorch modules for the stacknet sequence layers that `torch.nn` has no module for, so
a stacknet sequence model is an `nn.Sequential` (what torch_export.py and torch_import.py
convert):

    Transpose()                      Transpose<C, T>        x.transpose(-1, -2)
    GlobalAvgPool1d()                GlobalAvgPool1d<C, T>  x.mean(dim=-1)
    Recurrent(nn.GRU(i, h, batch_first=True))                  Gru<i, h, T>  (last state)
    Recurrent(nn.GRU(i, h, batch_first=True), sequence=True)   Gru<i, h, T, Sequence>
    Recurrent(nn.LSTM(i, h, batch_first=True)) ...             Lstm<i, h, T> ...

`nn.GRU` and `nn.LSTM` return a tuple, which `nn.Sequential` cannot pass on: `Recurrent`
returns the last hidden state (`output[:, -1]`, which equals `h_n` for one layer) or every
hidden state (`output`, batch x T x H), with zero initial states, as stacknet's readouts
`Last` and `Sequence` do.
"""
from __future__ import annotations

from torch import nn


class Transpose(nn.Module):
    """Swaps the last two axes: a `C×T` series becomes time-major `T×C`."""

    def forward(self, x):
        return x.transpose(-1, -2)


class GlobalAvgPool1d(nn.Module):
    """The mean over time of each channel of a `C×T` series."""

    def forward(self, x):
        return x.mean(dim=-1)


class Recurrent(nn.Module):
    """An `nn.GRU` or `nn.LSTM` (one layer, `batch_first=True`) returning its last hidden
    state, or with `sequence=True` every hidden state."""

    def __init__(self, rnn: nn.Module, sequence: bool = False):
        super().__init__()
        if not isinstance(rnn, (nn.GRU, nn.LSTM)):
            raise TypeError(f"Recurrent wraps nn.GRU or nn.LSTM, not {type(rnn).__name__}")
        self.rnn = rnn
        self.sequence = sequence

    def forward(self, x):
        out, _ = self.rnn(x)
        return out if self.sequence else out[:, -1]

    def extra_repr(self) -> str:
        return f"sequence={self.sequence}"
