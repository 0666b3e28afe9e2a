"""Exercise batch_norm_backward: the backward pass of batch norm in training mode.

In training mode, batch norm normalises each feature (column) of x (N, D) by the mean and
variance of that column over the batch::

    mean = x.mean(0),   var = ((x - mean)^2).mean(0),   rstd = 1 / sqrt(var + eps)
    xhat = (x - mean) * rstd,      y = xhat * weight + bias            weight, bias (D,)

Given gy = dL/dy (N, D), with g = gy * weight (the gradient reaching xhat)::

    dbias   = gy.sum(0)
    dweight = (gy * xhat).sum(0)
    dx      = rstd * (g - g.mean(0) - xhat * (g * xhat).mean(0))

Layer norm's backward over columns instead of rows: the batch statistics depend on every
sample, so each sample's gradient feels all the others.

Check with:  python -m minidl.exercises check batch_norm_backward
"""
import numpy as np


def batch_norm_forward(x, weight, bias, eps=1e-5):
    """Training mode: returns (y, xhat, rstd), rstd of shape (D,)."""
    mean = x.mean(axis=0)
    rstd = 1 / np.sqrt(((x - mean) ** 2).mean(axis=0) + eps)
    xhat = (x - mean) * rstd
    return xhat * weight + bias, xhat, rstd


def batch_norm_backward(gy, xhat, rstd, weight):
    """Return (dx, dweight, dbias)."""
    # BEGIN SOLUTION
    g = gy * weight
    dx = rstd * (g - g.mean(axis=0) - xhat * (g * xhat).mean(axis=0))
    return dx, (gy * xhat).sum(axis=0), gy.sum(axis=0)
    # END SOLUTION
