"""Exercise inverted_dropout: dropout's forward (given a mask) and backward.

During training, dropout zeroes each activation with probability p. To keep the *expected*
activation unchanged (so nothing needs rescaling at test time), the survivors are scaled up.
By how much? Work out the expected value of one output, kept with probability 1 - p, and
choose the scale that makes it equal to the input: that is "inverted" dropout.

The backward: for a fixed mask, y is a linear function of x, elementwise. What is dy/dx where
a unit was kept, and where it was dropped?

``make_keep_mask(shape, p, rng)`` draws the mask (True = keep) from a NumPy Generator. When
p == 1 every unit is dropped: return zeros rather than dividing by zero. At evaluation time
(``training`` False) dropout is the identity.

Check with:  python -m minidl.exercises check inverted_dropout
"""
import numpy as np


def make_keep_mask(shape, p, rng):
    """A bool array of ``shape``: True (keep) with probability 1 - p."""
    # BEGIN SOLUTION make_keep_mask(shape, p, rng)
    return rng.random(shape) >= p
    # END SOLUTION


def dropout_forward(x, keep, p, training=True):
    """Inverted dropout of x with the mask ``keep`` while training; x unchanged otherwise."""
    # BEGIN SOLUTION dropout_forward(x, keep, p, training)
    if not training:
        return x
    if p >= 1:
        return np.zeros_like(x)
    return np.where(keep, x / (1 - p), 0).astype(x.dtype)
    # END SOLUTION


def dropout_backward(gy, keep, p):
    """dL/dx given gy = dL/dy and the mask of the forward (zeros when p == 1)."""
    # BEGIN SOLUTION dropout_backward(gy, keep, p)
    if p >= 1:
        return np.zeros_like(gy)
    return np.where(keep, gy / (1 - p), 0).astype(gy.dtype)
    # END SOLUTION
