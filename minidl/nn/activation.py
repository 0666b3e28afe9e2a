"""Activation layers: modules with no parameters that apply a function elementwise (or, for
Softmax, along one axis). Each wraps the op of the same name in ``nn.functional``."""
from . import functional as F
from .module import Module


class ReLU(Module):
    """max(x, 0)"""

    def forward(self, input):  # noqa: A002 (PyTorch's argument name)
        return F.relu(input)


class Sigmoid(Module):
    """1 / (1 + e^-x)"""

    def forward(self, input):  # noqa: A002
        return F.sigmoid(input)


class Tanh(Module):
    """tanh(x)"""

    def forward(self, input):  # noqa: A002
        return F.tanh(input)


class GELU(Module):
    """x * Phi(x), Phi the standard normal CDF; approximate="tanh" uses its tanh approximation."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):  # noqa: A002
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softmax(Module):
    """e^x_i / sum_j e^x_j along ``dim``."""

    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, input):  # noqa: A002
        return F.softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"
