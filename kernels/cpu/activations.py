"""Elementwise activations, compiled with Numba: twins of the activations in ``reference.py``.

Each kernel is one loop over the flattened array that reads its inputs once and writes a
preallocated output once; the wrappers flatten (copying only non-contiguous inputs) and restore
the shape. Derivatives are fused into the same single pass. Sigmoid and tanh use
``vector_math``'s exp, which LLVM vectorises (``math.exp`` and ``math.tanh`` are scalar calls).
Each loop is compiled serial and parallel (``parallel.py``); its ``cost`` is its serial time
per element relative to ReLU's forward, as measured: sigmoid and tanh forward 4-5, GELU 30-50
(erf and tanh are scalar calls there).
"""

import math

import numpy as np
from numba import prange

from . import buffers
from .parallel import serial_and_parallel
from .vector_math import exp_and_expm1_nonpositive

_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_INV_SQRT_2 = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_GELU_CUBIC = 0.044715


def _flat(x):
    """A contiguous 1-D view of x (a copy only when x is not contiguous)."""
    return x.ravel()  # one call: it costs as much as the loop over a small tensor


@serial_and_parallel(cost=1)
def _relu_forward(x, y):
    """reference.relu_forward: y = max(x, 0) (NaN stays NaN)."""
    for i in prange(x.size):
        value = x[i]
        y[i] = 0 if value < 0 else value


@serial_and_parallel(cost=1)
def _relu_backward(x, gy, gx):
    """reference.relu_backward: gx = gy where x > 0, else 0."""
    for i in prange(x.size):
        gx[i] = gy[i] if x[i] > 0 else 0


@serial_and_parallel(cost=4)
def _sigmoid_forward(x, y):
    """reference.sigmoid_forward: 1 / (1 + exp(-x)) from z = exp(-|x|), which never overflows."""
    for i in prange(x.size):
        value = x[i]
        z, _ = exp_and_expm1_nonpositive(-abs(value))
        y[i] = (1.0 if value >= 0 else z) / (1.0 + z)


@serial_and_parallel(cost=2)
def _sigmoid_backward(y, gy, gx):
    """reference.sigmoid_backward: gx = gy * y * (1 - y)."""
    for i in prange(y.size):
        gx[i] = gy[i] * y[i] * (1 - y[i])


@serial_and_parallel(cost=5)
def _tanh_forward(x, y):
    """reference.tanh_forward: tanh|x| = -t / (2 + t) with t = expm1(-2|x|), accurate near 0."""
    for i in prange(x.size):
        value = x[i]
        _, t = exp_and_expm1_nonpositive(-(abs(value) + abs(value)))  # -2|x|, in x's dtype
        magnitude = -t / (2.0 + t)
        y[i] = magnitude if value >= 0 else -magnitude


@serial_and_parallel(cost=2)
def _tanh_backward(y, gy, gx):
    """reference.tanh_backward: gx = gy * (1 - y^2)."""
    for i in prange(y.size):
        gx[i] = gy[i] * (1 - y[i] * y[i])


@serial_and_parallel(cost=32)
def _gelu_forward(x, y, use_tanh):
    """reference.gelu_forward: y = x * Phi(x), erf form or tanh approximation."""
    for i in prange(x.size):
        value = x[i]
        if use_tanh:
            inner = _SQRT_2_OVER_PI * (value + _GELU_CUBIC * value * value * value)
            y[i] = 0.5 * value * (1 + math.tanh(inner))
        else:
            y[i] = 0.5 * value * (1 + math.erf(value * _INV_SQRT_2))


@serial_and_parallel(cost=48)
def _gelu_backward(x, gy, gx, use_tanh):
    """reference.gelu_backward: gx = gy * (Phi(x) + x phi(x)), or the tanh form's derivative."""
    for i in prange(x.size):
        value = x[i]
        if use_tanh:
            t = math.tanh(_SQRT_2_OVER_PI * (value + _GELU_CUBIC * value * value * value))
            du_dx = _SQRT_2_OVER_PI * (1 + 3 * _GELU_CUBIC * value * value)
            saturated_term = 0.0 if t * t == 1 else 0.5 * value * (1 - t * t) * du_dx  # inf * 0
            gx[i] = gy[i] * (0.5 * (1 + t) + saturated_term)
        else:
            cdf = 0.5 * (1 + math.erf(value * _INV_SQRT_2))
            pdf = math.exp(-0.5 * value * value) * _INV_SQRT_2PI
            gx[i] = gy[i] * (cdf + value * pdf)


def _unary(kernel, x, *flags):
    flat_x = _flat(x)
    y = buffers.empty((flat_x.size,), flat_x.dtype)
    kernel.pick(flat_x.size)(flat_x, y, *flags)
    return y.reshape(x.shape)


def _binary(kernel, a, gy, *flags):
    flat_a, flat_gy = _flat(a), _flat(gy)
    gx = buffers.empty((flat_gy.size,), flat_gy.dtype)
    kernel.pick(flat_gy.size)(flat_a, flat_gy, gx, *flags)
    return gx.reshape(gy.shape)


def _use_tanh(approximate):
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return approximate == "tanh"


def relu_forward(x):
    return _unary(_relu_forward, x)


def relu_backward(x, gy):
    return _binary(_relu_backward, x, gy)


def sigmoid_forward(x):
    return _unary(_sigmoid_forward, x)


def sigmoid_backward(y, gy):
    return _binary(_sigmoid_backward, y, gy)


def tanh_forward(x):
    return _unary(_tanh_forward, x)


def tanh_backward(y, gy):
    return _binary(_tanh_backward, y, gy)


def gelu_forward(x, approximate):
    return _unary(_gelu_forward, x, _use_tanh(approximate))


def gelu_backward(x, gy, approximate):
    return _binary(_gelu_backward, x, gy, _use_tanh(approximate))
