"""Exercise layer_norm_backward: the backward pass of layer normalisation.

Layer norm normalises each row x (D features) and then scales and shifts it:

    mean = sum(x) / D,   var = sum((x - mean)^2) / D,   rstd = 1 / sqrt(var + eps)
    xhat = (x - mean) * rstd
    y    = xhat * weight + bias                 weight, bias (D,)

Given gy = dL/dy (N, D):

    dbias   = sum over rows of gy
    dweight = sum over rows of gy * xhat
    g       = gy * weight                       (the gradient reaching xhat)
    dx      = rstd * (g - mean(g) - xhat * mean(g * xhat))     (means over each row's D)

The last line is the interesting one: mean and rstd depend on every x in the row, so each dx_i
feels every g_j. Subtracting mean(g) removes what the mean absorbed; the xhat term removes what
the variance absorbed. Work row-wise with ``axis=1, keepdims=True``. ``layer_norm_forward`` is
given and returns what the backward needs.

Check with:  python -m minidl.exercises check layer_norm_backward
"""
import numpy as np


def layer_norm_forward(x, weight, bias, eps=1e-5):
    """Returns (y, xhat, rstd) for a 2-D x (N, D); rstd has shape (N, 1)."""
    mean = x.mean(axis=1, keepdims=True)
    rstd = 1 / np.sqrt(((x - mean) ** 2).mean(axis=1, keepdims=True) + eps)
    xhat = (x - mean) * rstd
    return xhat * weight + bias, xhat, rstd


def layer_norm_backward(gy, xhat, rstd, weight):
    """Return (dx, dweight, dbias)."""
    # BEGIN SOLUTION
    dbias = gy.sum(axis=0)
    dweight = (gy * xhat).sum(axis=0)
    g = gy * weight
    dx = rstd * (g - g.mean(axis=1, keepdims=True)
                 - xhat * (g * xhat).mean(axis=1, keepdims=True))
    return dx, dweight, dbias
    # END SOLUTION
