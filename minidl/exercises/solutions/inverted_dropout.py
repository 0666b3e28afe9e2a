"""Exercise inverted_dropout: dropout's forward (given a mask) and backward.

During training, dropout zeroes each activation with probability p. To keep the *expected*
activation unchanged (so nothing needs rescaling at test time), the survivors are scaled up
by 1 / (1 - p): "inverted" dropout.

    forward:  y  = x * keep / (1 - p)        keep: a bool array, True with probability 1 - p
    backward: gx = gy * keep / (1 - p)       the same mask and scale: y is linear in x

``make_keep_mask(shape, p, rng)`` draws the mask from a NumPy Generator. When p == 1 every
unit is dropped: return zeros rather than dividing by zero. At evaluation time (``training``
False) dropout is the identity.

Check with:  python -m minidl.exercises check inverted_dropout
"""
import numpy as np


def make_keep_mask(shape, p, rng):
    """A bool array of ``shape``: True (keep) with probability 1 - p."""
    # BEGIN SOLUTION make_keep_mask(shape, p, rng)
    return rng.random(shape) >= p
    # END SOLUTION


def dropout_forward(x, keep, p, training=True):
    """x * keep / (1 - p) while training; x unchanged otherwise. Zeros when p == 1."""
    # BEGIN SOLUTION dropout_forward(x, keep, p, training)
    if not training:
        return x
    if p >= 1:
        return np.zeros_like(x)
    return np.where(keep, x / (1 - p), 0).astype(x.dtype)
    # END SOLUTION


def dropout_backward(gy, keep, p):
    """dL/dx = gy * keep / (1 - p) (zeros when p == 1)."""
    # BEGIN SOLUTION dropout_backward(gy, keep, p)
    if p >= 1:
        return np.zeros_like(gy)
    return np.where(keep, gy / (1 - p), 0).astype(gy.dtype)
    # END SOLUTION
