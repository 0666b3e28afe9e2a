"""nn.Dropout: zero each element with probability p while training (scaling the others by
1 / (1 - p)); the identity in eval mode. The op is in minidl/ops/dropout.py."""
from . import functional as F
from .module import Module


class Dropout(Module):
    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        self.inplace = inplace  # accepted, as PyTorch code passes it; computed out of place
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: probability has to be between 0 and 1, but got {p}")
        self.p = p

    def forward(self, input):  # noqa: A002 (PyTorch's argument name)
        return F.dropout(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(Module):
    """Zero whole channels of (N, C, H, W) with probability p while training (PyTorch's
    nn.Dropout2d): neighbouring pixels are correlated, so dropping single pixels does little."""

    def __init__(self, p=0.5):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout2d: probability has to be between 0 and 1, but got {p}")
        self.p = p

    def forward(self, input):  # noqa: A002
        return F.dropout2d(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"
