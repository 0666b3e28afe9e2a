"""Dropout: during training, zero each element with probability p and scale the rest by 1/(1-p).

The scaling ("inverted dropout") keeps the expected value of every element unchanged, so the
network needs no change at evaluation time, when dropout is the identity. The kernels draw the
mask from a hash of (element index, seed); the seed comes from the device's random generator,
so ``dl.manual_seed`` makes the masks reproducible, and backward reuses the forward's mask.
"""
from ..autograd import ArrayFunction
from ..tensor import Tensor

_SEED_RANGE = 2**62


class Dropout(ArrayFunction):
    """y = x * keep / (1 - p) with keep ~ Bernoulli(1 - p);  dy/dx = keep / (1 - p)"""

    @staticmethod
    def forward(ctx, x, p, seed):
        y, ctx.keep = ctx.kernels.dropout_forward(x, p, seed)
        ctx.p = p
        return y

    @staticmethod
    def backward(ctx, grad):
        return ctx.kernels.dropout_backward(grad, ctx.keep, ctx.p)


def dropout(input, p=0.5, training=True, inplace=False):  # noqa: A002 (PyTorch's names)
    """Inverted dropout while ``training``; the input itself when not training or p == 0.
    ``inplace=True`` is accepted and computed out of place (the same result)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability has to be between 0 and 1, but got {p}")
    if not isinstance(input, Tensor) or input.dtype.kind != "f":
        kind = input.dtype if isinstance(input, Tensor) else type(input).__name__
        raise TypeError(f"dropout: expected a floating-point tensor, got {kind}")
    if not training or p == 0:
        return input
    seed = int(input._backend.rng.integers(0, _SEED_RANGE))
    return Dropout.apply(input, p=float(p), seed=seed)


def dropout2d(input, p=0.5, training=True):  # noqa: A002
    """Zero whole channels of (N, C, H, W) (or (C, H, W)) with probability p, scale the rest by
    1 / (1 - p) (PyTorch's F.dropout2d): one dropout mask of shape (N, C, 1, 1), broadcast."""
    if not isinstance(input, Tensor) or input.ndim not in (3, 4):
        shape = input.shape if isinstance(input, Tensor) else type(input).__name__
        raise RuntimeError(f"dropout2d: expected a 3-D or 4-D input, got shape {shape}")
    if not training or p == 0:
        return input
    channel_shape = input.shape[:-2] + (1, 1)
    ones = Tensor._make(input._backend.xp.ones(channel_shape, input.dtype), input._backend)
    return input * dropout(ones, p, training)
