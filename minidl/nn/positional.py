"""Positional encodings: how a Transformer learns where each token is.

Attention treats its input as a set: permuting the tokens permutes the outputs the same way.
Adding a vector that depends on the position to each token embedding breaks that symmetry.

These two modules are minidl additions, not PyTorch classes (PyTorch leaves positional encoding
to user code; these are the two standard choices, ready to use). Both take batch-first input
(N, L, d_model), or (L, d_model), and return it with the encoding of positions 0..L-1 added.
"""
import numpy as np

from .. import randn, tensor
from .module import Module
from .parameter import Parameter


def sinusoidal_table(max_len, d_model):
    """The fixed table of "Attention Is All You Need" (Vaswani et al., 2017):

    PE[pos, 2i] = sin(pos / 10000^(2i / d_model)),
    PE[pos, 2i + 1] = cos(pos / 10000^(2i / d_model))

    Each pair of columns is a rotation at its own frequency, so PE[pos + k] is a linear function
    of PE[pos]: attention can pick out relative offsets.
    """
    position = np.arange(max_len)[:, None]
    frequency = np.exp(-np.log(10000.0) * np.arange(0, d_model, 2) / d_model)
    table = np.zeros((max_len, d_model))
    table[:, 0::2] = np.sin(position * frequency)
    table[:, 1::2] = np.cos(position * frequency[: d_model // 2])
    return table


def _check_length(name, x, max_len):
    if x.shape[-2] > max_len:
        raise ValueError(f"{name}: sequence length {x.shape[-2]} exceeds max_len {max_len}")


class SinusoidalPositionalEncoding(Module):
    """x + PE[:L] with the fixed sinusoidal table (no parameters). A minidl addition."""

    def __init__(self, d_model, max_len=5000):
        super().__init__()
        self.d_model, self.max_len = d_model, max_len
        self._table = sinusoidal_table(max_len, d_model)  # a NumPy constant, not a parameter

    def forward(self, x):
        _check_length("SinusoidalPositionalEncoding", x, self.max_len)
        return x + tensor(self._table[: x.shape[-2]], dtype=x.dtype, device=x.device)

    def extra_repr(self):
        return f"d_model={self.d_model}, max_len={self.max_len}"


class LearnedPositionalEncoding(Module):
    """x + weight[:L], one learned vector per position (as in BERT and GPT). A minidl addition.

    Parameter "weight" (max_len, d_model), initialised from N(0, 0.02^2) as in BERT.
    """

    def __init__(self, d_model, max_len=512):
        super().__init__()
        self.d_model, self.max_len = d_model, max_len
        self.weight = Parameter(randn(max_len, d_model) * 0.02)

    def forward(self, x):
        _check_length("LearnedPositionalEncoding", x, self.max_len)
        return x + self.weight[: x.shape[-2]]

    def extra_repr(self):
        return f"d_model={self.d_model}, max_len={self.max_len}"
