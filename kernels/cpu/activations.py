"""Elementwise activations, compiled with Numba: twins of the activations in ``reference.py``.

Each kernel is one loop over the flattened array that reads its inputs once and writes a
preallocated output once; the wrappers flatten (copying only non-contiguous inputs) and restore
the shape. Derivatives are fused into the same single pass. (tanh's forward is the exception:
NumPy's SIMD tanh is faster than any loop we compiled, see ``tanh_forward``.) Sigmoid and
GELU use ``vector_math``'s exp and erf, which LLVM vectorises (``math.exp``, ``math.tanh`` and
``math.erf`` are scalar calls), and GELU computes in x's precision (``constant_like``), so that a
float32 loop runs twice as many lanes as a float64 one (8 and 4 in the 256-bit vectors LLVM
picks here). Each loop is compiled serial and parallel (``parallel.py``); its ``cost`` is its
serial time per element relative to ReLU's forward, as measured on float32
(``benchmarks/elementwise_kernels.py``): sigmoid forward 4-6, GELU 5-12 (float64 GELU
costs 2-4 times its float32 twin).
"""

import math

import numpy as np
from numba import njit, prange

from . import buffers
from .parallel import serial_and_parallel
from .vector_math import constant_like, erf, exp_and_expm1_nonpositive

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


@serial_and_parallel(cost=2)
def _tanh_backward(y, gy, gx):
    """reference.tanh_backward: gx = gy * (1 - y^2)."""
    for i in prange(y.size):
        gx[i] = gy[i] * (1 - y[i] * y[i])


@serial_and_parallel(cost=8)
def _gelu_erf_forward(x, y):
    """reference.gelu_forward, approximate="none": y = x Phi(x) = x (1 + erf(x / sqrt 2)) / 2."""
    for i in prange(x.size):
        value = x[i]
        half, one = constant_like(value, 0.5), constant_like(value, 1.0)
        y[i] = value * (half * (one + erf(value * constant_like(value, _INV_SQRT_2))))


@serial_and_parallel(cost=12)
def _gelu_erf_backward(x, gy, gx):
    """reference.gelu_backward, approximate="none": gx = gy * (Phi(x) + x phi(x))."""
    for i in prange(x.size):
        value = x[i]
        half, one = constant_like(value, 0.5), constant_like(value, 1.0)
        cdf = half * (one + erf(value * constant_like(value, _INV_SQRT_2)))
        gaussian, _ = exp_and_expm1_nonpositive(-(half * value * value))  # exp(-x^2 / 2)
        pdf = gaussian * constant_like(value, _INV_SQRT_2PI)
        gx[i] = gy[i] * (cdf + value * pdf)


@njit(inline="always", cache=True)
def _gelu_tanh_cdf(x):
    """The tanh approximation of Phi(x), (1 + tanh(u)) / 2 with u = sqrt(2/pi) (x + 0.044715 x^3),
    as the sigmoid of 2u: 1 / (1 + z) for u >= 0, z / (1 + z) below, z = exp(-2|u|) (the vector
    exp, as in _sigmoid_forward). 1 + tanh(u) itself would cancel where tanh(u) ~ -1."""
    u = constant_like(x, _SQRT_2_OVER_PI) * (x + constant_like(x, _GELU_CUBIC) * x * x * x)
    z, _ = exp_and_expm1_nonpositive(-(abs(u) + abs(u)))
    one = constant_like(x, 1.0)
    return (one if u >= 0 else z) / (one + z)


@serial_and_parallel(cost=5)
def _gelu_tanh_forward(x, y):
    """reference.gelu_forward, approximate="tanh": y = x (1 + tanh(u)) / 2 = x * cdf."""
    for i in prange(x.size):
        y[i] = x[i] * _gelu_tanh_cdf(x[i])


@serial_and_parallel(cost=6)
def _gelu_tanh_backward(x, gy, gx):
    """reference.gelu_backward, approximate="tanh": with cdf = (1 + t) / 2, 1 - t^2 is
    4 cdf (1 - cdf), so gx = gy * (cdf + 2 x cdf (1 - cdf) du/dx)."""
    for i in prange(x.size):
        value = x[i]
        cdf = _gelu_tanh_cdf(value)
        du_dx = constant_like(value, _SQRT_2_OVER_PI) * (
            constant_like(value, 1.0) + constant_like(value, 3 * _GELU_CUBIC) * value * value)
        slope = cdf * (constant_like(value, 1.0) - cdf)
        # where tanh saturates the term is 0, also where x^2 overflowed du_dx to inf
        slope_term = constant_like(value, 0.0) if slope == 0 else (value + value) * slope * du_dx
        gx[i] = gy[i] * (cdf + slope_term)


def _unary(kernel, x):
    flat_x = _flat(x)
    y = buffers.empty((flat_x.size,), flat_x.dtype)
    kernel.pick(flat_x.size)(flat_x, y)
    return y.reshape(x.shape)


def _binary(kernel, a, gy):
    flat_a, flat_gy = _flat(a), _flat(gy)
    gx = buffers.empty((flat_gy.size,), flat_gy.dtype)
    kernel.pick(flat_gy.size)(flat_a, flat_gy, gx)
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
    """NumPy's own tanh, not a Numba loop: its SIMD loop beats the one we compiled (tanh|x| =
    -t / (2 + t) with t = expm1(-2|x|) from ``vector_math``) at every size, float32 and float64
    (2026-11-30, this 2-core VM: 64 elements 0.4 vs 1.8 us a call, 2^20 float32 0.40 vs 1.14 ms,
    2^24 float32 12.0 vs 15.7 ms), within 1.1e-7 relative of a float64 tanh in float32."""
    return np.tanh(x, out=buffers.empty(x.shape, x.dtype))


def tanh_backward(y, gy):
    return _binary(_tanh_backward, y, gy)


def gelu_forward(x, approximate):
    return _unary(_gelu_tanh_forward if _use_tanh(approximate) else _gelu_erf_forward, x)


def gelu_backward(x, gy, approximate):
    return _binary(_gelu_tanh_backward if _use_tanh(approximate) else _gelu_erf_backward, x, gy)
