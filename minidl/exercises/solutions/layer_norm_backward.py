"""Exercise layer_norm_backward: the backward pass of layer normalisation.

Layer norm normalises each row x (D features) and then scales and shifts it:

    mean = sum(x) / D,   var = sum((x - mean)^2) / D,   rstd = 1 / sqrt(var + eps)
    xhat = (x - mean) * rstd
    y    = xhat * weight + bias                 weight, bias (D,)

Given gy = dL/dy (N, D), go back one line at a time.

- bias and weight: they were broadcast over the N rows; what does that mean for their
  gradients (tutorial 1, broadcasting)?
- the gradient reaching xhat, call it g, is the easy part. The hard part is dx: mean and rstd
  depend on *every* x of the row, so each dx_i receives a share from every g_j. Work it out
  with the chain rule through mean and var (d mean/d x_i = 1/D; d var/d x_i = 2 (x_i - mean)/D),
  then simplify until it is written with g, xhat, rstd and two row means. A check on your
  result: adding a constant to every x of a row changes nothing, so the dx of a row must sum
  to zero.

Work row-wise with ``axis=1, keepdims=True``. ``layer_norm_forward`` is given and returns
what the backward needs.

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
