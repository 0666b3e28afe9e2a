"""exp and expm1 for x <= 0 in plain arithmetic, so that LLVM can vectorise loops that call them.

Numba turns ``math.exp`` into a call to the C library, one element at a time (unless Intel's SVML
is installed), which makes sigmoid and tanh compute-bound. The function below uses only +, *,
floor and integer bit tests, all of which have SIMD instructions, so a loop over an array runs
8 (float64) or 16 (float32) lanes at a time. It is accurate to a few float64 ulps.

The classic recipe (Cody and Waite): write x = n ln2 + r with n an integer and |r| <= ln2 / 2,
so exp(x) = 2^n exp(r); exp(r) - 1 is a short Taylor polynomial in r, and 2^n is read from a
table (a gather, which AVX-512 also vectorises).
"""

import math

import numpy as np
from numba import njit

_LOG2_E = 1 / math.log(2)
_LN2_HI = 0.693145751953125  # ln 2 split in two, so that n * _LN2_HI is exact
_LN2_LO = 1.428606820309417232e-06
_LOWEST = -746.0  # exp(x) rounds to 0 below this, also in float64
_POWERS_OF_HALF = 0.5 ** np.arange(1078.0)  # 2^-k for k = 0 .. 1077, enough for x >= _LOWEST


@njit(inline="always", cache=True)
def exp_and_expm1_nonpositive(x):
    """(exp(x), exp(x) - 1) for x <= 0, both to full float64 accuracy; NaN stays NaN."""
    x = _LOWEST if x < _LOWEST else float(x)  # keeps NaN (NaN < ... is False)
    n = math.floor(x * _LOG2_E + 0.5)
    r = (x - n * _LN2_HI) - n * _LN2_LO
    # exp(r) - 1 = r + r^2/2! + ... + r^13/13!, Horner form; the last term is below 2e-16
    q = 1.0 / 6227020800.0
    q = q * r + 1.0 / 479001600.0
    q = q * r + 1.0 / 39916800.0
    q = q * r + 1.0 / 3628800.0
    q = q * r + 1.0 / 362880.0
    q = q * r + 1.0 / 40320.0
    q = q * r + 1.0 / 5040.0
    q = q * r + 1.0 / 720.0
    q = q * r + 1.0 / 120.0
    q = q * r + 1.0 / 24.0
    q = q * r + 1.0 / 6.0
    q = q * r + 0.5
    q = q * r + 1.0
    q = q * r
    scale = _POWERS_OF_HALF[-int(n) if x == x else 0]  # 2^n; NaN must not index
    return scale + scale * q, scale * q + (scale - 1.0)
