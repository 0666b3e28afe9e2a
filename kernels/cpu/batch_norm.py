"""Training-mode batch norm of (N, C, L), compiled with Numba: twins of ``reference_convolution.py``'s.

In parallel over channels: each channel's N * L values are independent of the others'. The
forward fuses the mean, the (two-pass) variance and the normalisation with the affine map; the
backward fuses the two sums it needs (of g and of g * xhat) with gweight and gbias, then writes gx
in a second pass. Sums accumulate in float64, whatever the data's dtype.
"""

import math

import numpy as np
from numba import prange

from .parallel import serial_and_parallel


@serial_and_parallel(cost=3, reassociate=True)
def _batch_norm_forward(x, weight, bias, has_weight, has_bias, eps, y, mean, var):
    batch, channels, length = x.shape
    count = batch * length
    for c in prange(channels):
        total = 0.0
        for n in range(batch):
            for k in range(length):
                total += x[n, c, k]
        channel_mean = total / count
        squares = 0.0
        for n in range(batch):
            for k in range(length):
                squares += (x[n, c, k] - channel_mean) ** 2
        channel_var = squares / count
        mean[c] = channel_mean
        var[c] = channel_var
        scale = 1.0 / math.sqrt(channel_var + eps)
        shift = -channel_mean * scale
        if has_weight:
            scale *= weight[c]
            shift *= weight[c]
        if has_bias:
            shift += bias[c]
        for n in range(batch):
            for k in range(length):
                y[n, c, k] = x[n, c, k] * scale + shift


@serial_and_parallel(cost=5, reassociate=True)
def _batch_norm_backward(gy, x, weight, has_weight, mean, var, eps, gx, gweight, gbias):
    batch, channels, length = x.shape
    count = batch * length
    for c in prange(channels):
        rstd = 1.0 / math.sqrt(var[c] + eps)
        gy_sum = 0.0
        gy_xhat_sum = 0.0
        for n in range(batch):
            for k in range(length):
                gy_sum += gy[n, c, k]
                gy_xhat_sum += gy[n, c, k] * (x[n, c, k] - mean[c]) * rstd
        gweight[c] = gy_xhat_sum
        gbias[c] = gy_sum
        w = weight[c] if has_weight else 1.0
        g_mean = w * gy_sum / count  # mean(g) and mean(g * xhat), g = gy * w
        g_xhat_mean = w * gy_xhat_sum / count
        for n in range(batch):
            for k in range(length):
                xhat = (x[n, c, k] - mean[c]) * rstd
                gx[n, c, k] = rstd * (w * gy[n, c, k] - g_mean - xhat * g_xhat_mean)


def batch_norm_forward(x, weight, bias, eps):
    x = np.ascontiguousarray(x)
    channels = x.shape[1]
    empty = np.empty(0, x.dtype)  # stands in for a missing weight or bias
    y = np.empty_like(x)
    mean = np.empty(channels, x.dtype)
    var = np.empty(channels, x.dtype)
    _batch_norm_forward.pick(x.size)(
        x, empty if weight is None else np.ascontiguousarray(weight, x.dtype),
        empty if bias is None else np.ascontiguousarray(bias, x.dtype),
        weight is not None, bias is not None, float(eps), y, mean, var,
    )
    return y, mean, var


def batch_norm_backward(gy, x, weight, mean, var, eps):
    gy, x = np.ascontiguousarray(gy), np.ascontiguousarray(x)
    channels = x.shape[1]
    gx = np.empty_like(x)
    gweight = np.empty(channels, x.dtype)
    gbias = np.empty(channels, x.dtype)
    _batch_norm_backward.pick(x.size)(
        gy, x, np.empty(0, x.dtype) if weight is None else np.ascontiguousarray(weight),
        weight is not None, np.ascontiguousarray(mean), np.ascontiguousarray(var), float(eps),
        gx, gweight, gbias,
    )
    return gx, gweight, gbias
