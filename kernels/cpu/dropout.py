"""Dropout, compiled with Numba: twin of ``reference.py``'s, drawing the bit-identical mask.

The mask comes from a counter-based hash of (flat index, seed), not from a sequential random
generator, so every element is independent and one ``prange`` loop draws the mask, applies it
and scales, in a single pass. Both loops are compiled serial and parallel (``parallel.py``).
All hash arithmetic is uint64 and wraps around mod 2**64; every constant is a ``np.uint64``,
because mixing uint64 with a signed integer makes Numba use float64.
"""

import numpy as np
from numba import njit, prange

from .parallel import serial_and_parallel

_GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


@njit(inline="always", cache=True)
def uniform_from_hash(seed, index):
    """reference.dropout_uniform for one flat index: the top 24 bits of splitmix64, in [0, 1)."""
    z = seed + (np.uint64(index) + np.uint64(1)) * _GOLDEN_GAMMA
    z ^= z >> np.uint64(30)
    z *= _MIX1
    z ^= z >> np.uint64(27)
    z *= _MIX2
    z ^= z >> np.uint64(31)
    return (z >> np.uint64(40)) * 2.0**-24


@serial_and_parallel(cost=2)
def _dropout_forward(x, p, seed, scale, y, keep):
    """reference.dropout_forward: keep_i = u_i >= p; y_i = x_i * scale if kept, else 0."""
    for i in prange(x.size):
        kept = uniform_from_hash(seed, i) >= p
        keep[i] = kept
        y[i] = x[i] * scale if kept else 0


@serial_and_parallel(cost=1)
def _dropout_backward(gy, keep, scale, gx):
    """reference.dropout_backward: gx_i = gy_i * scale if kept, else 0."""
    for i in prange(gy.size):
        gx[i] = gy[i] * scale if keep[i] else 0


def _scale(p, dtype):
    """1 / (1 - p) in the array's dtype, as the reference computes it; 0 when p == 1."""
    return dtype.type(1 / (1 - p) if p < 1 else 0)


def dropout_forward(x, p, seed):
    flat_x = np.ascontiguousarray(x).reshape(-1)
    y = np.empty_like(flat_x)
    keep = np.empty(flat_x.shape, dtype=np.bool_)
    _dropout_forward.pick(flat_x.size)(
        flat_x, float(p), np.uint64(seed % 2**64), _scale(p, flat_x.dtype), y, keep)
    return y.reshape(x.shape), keep.reshape(x.shape)


def dropout_backward(gy, keep, p):
    flat_gy = np.ascontiguousarray(gy).reshape(-1)
    gx = np.empty_like(flat_gy)
    _dropout_backward.pick(flat_gy.size)(
        flat_gy, np.ascontiguousarray(keep).reshape(-1), _scale(p, flat_gy.dtype), gx)
    return gx.reshape(gy.shape)
