"""exp and expm1 for x <= 0, and erf, in plain arithmetic, so that LLVM can vectorise loops that
call them.

Numba turns ``math.exp`` into a call to the C library, one element at a time (unless Intel's SVML
is installed), which makes sigmoid and tanh compute-bound. The functions below use only +, *,
floor and a table lookup, all of which have SIMD instructions, so a loop over an array runs
several lanes at a time (on the AVX-512 development machine LLVM picks 256-bit vectors: 4
float64 or 8 float32 lanes).

The classic recipe (Cody and Waite): write x = n ln2 + r with n an integer and |r| <= ln2 / 2,
so exp(x) = 2^n exp(r); exp(r) - 1 is a short Taylor polynomial in r, and 2^n is read from a
table (a gather, which AVX-512 also vectorises).

There are two versions, and Numba compiles the one that matches the argument's type into the
calling kernel (``overload`` below): float64 to a few ulps, with 13 terms; float32 to about 1
ulp of float32, with 7 terms in float32 arithmetic, which is faster (sigmoid forward of 2^24
float32: 24 ms -> 14-17 ms on this 2-core machine, two threads). A kernel gets the float32 one
only if its argument is float32 all the way: ``2.0 * x`` is float64 in Numba even for a float32
x; ``constant_like(x, 2.0)`` is 2.0 in x's precision.

erf is built on that exp too, with polynomials fitted with NumPy (the comments above
``_erf_float32`` and ``_erf_float64`` give the recipes), one form for each precision.
"""
import math

import numpy as np
from numba import njit, types
from numba.extending import overload

_LOG2_E = 1 / math.log(2)
_LN2_HI = 0.693145751953125  # ln 2 split in two, so that n * _LN2_HI is exact
_LN2_LO = 1.428606820309417232e-06
_LOWEST = -746.0  # exp(x) rounds to 0 below this, also in float64
_POWERS_OF_HALF = 0.5 ** np.arange(1078.0)  # 2^-k for k = 0 .. 1077, enough for x >= _LOWEST


def exp_and_expm1_nonpositive(x):
    """(exp(x), exp(x) - 1) for x <= 0; NaN stays NaN. Call it from Numba-compiled code, which
    runs ``_float32`` for a float32 x and ``_float64`` otherwise."""
    return _float64(x)


@overload(exp_and_expm1_nonpositive, inline="always")
def _by_type(x):
    if x == types.float32:
        return lambda x: _float32(x)
    return lambda x: _float64(x)


@njit(inline="always", cache=True)
def _float64(x):
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


_F32 = np.float32
_LOG2_E_F32 = _F32(_LOG2_E)
_LN2_HI_F32 = _F32(0.693359375)  # ln 2 split for float32 (Cephes' expf)
_LN2_LO_F32 = _F32(-2.12194440e-4)
_LOWEST_F32 = _F32(-104.0)  # exp(x) rounds to 0 in float32 below this
_POWERS_OF_HALF_F32 = _POWERS_OF_HALF[:152].astype(np.float32)  # 2^-k down to 2^-151


@njit(inline="always", cache=True)
def _float32(x):
    """(exp(x), exp(x) - 1) for float32 x <= 0, to about 1 float32 ulp: the same recipe in float32
    arithmetic, with the Taylor polynomial cut after r^7/7! (below 5e-9 for |r| <= ln2 / 2)."""
    x = _LOWEST_F32 if x < _LOWEST_F32 else x
    n = np.floor(x * _LOG2_E_F32 + _F32(0.5))
    r = (x - n * _LN2_HI_F32) - n * _LN2_LO_F32
    q = _F32(1.0 / 5040.0)
    q = q * r + _F32(1.0 / 720.0)
    q = q * r + _F32(1.0 / 120.0)
    q = q * r + _F32(1.0 / 24.0)
    q = q * r + _F32(1.0 / 6.0)
    q = q * r + _F32(0.5)
    q = q * r + _F32(1.0)
    q = q * r
    scale = _POWERS_OF_HALF_F32[-int(n) if x == x else 0]
    return scale + scale * q, scale * q + (scale - _F32(1.0))


def constant_like(x, value):
    """value as a constant of x's type, so that float32 arithmetic stays float32 in Numba (where a
    Python float is float64 and turns ``value * x`` into float64). Call it from compiled code."""
    return float(value)


@overload(constant_like, inline="always")
def _constant_by_type(x, value):
    if x == types.float32:
        return lambda x, value: np.float32(value)
    return lambda x, value: float(value)


# ----------------------------------------------------------------------------- erf


def erf(x):
    """erf(x) = 2/sqrt(pi) * integral of exp(-t^2) from 0 to x. Call it from Numba-compiled code,
    which runs ``_erf_float32`` (within 1e-7 of the exact value) for a float32 x and
    ``_erf_float64`` (within 2e-15) otherwise; both vectorise."""
    return math.erf(x)


@overload(erf, inline="always")
def _erf_by_type(x):
    if x == types.float32:
        return lambda x: _erf_float32(x)
    return lambda x: _erf_float64(x)


_ERF_CLAMP_F32 = _F32(4.0)  # erf(4) = 1 - 1.5e-8 rounds to 1 in float32
# g(a) = a P(a) with P(a) = sum of _ERF_Pk a^k, fitted to g = -log(erfc(a)) on [0, 4]:
#   a = np.linspace(0, 4, 4001)[1:]; erfc = [math.erfc(v) for v in a]; g = -np.log(erfc)
#   weight = erfc * a  # the error of erf = 1 - exp(-g) is erfc(a) * a * (error of P)
#   basis = a[:, None] ** np.arange(2, 10)  # P(0) = 2/sqrt(pi) held fixed: erf(a) ~ 2a/sqrt(pi)
#   target = (g - 2 / math.sqrt(math.pi) * a) * weight
#   _ERF_P1 .. _ERF_P8 = np.linalg.lstsq(basis * weight[:, None], target)[0]
# (float64 least squares, rounded to float32): |error of erf| <= 4.3e-8 (relative 2.1e-7) with
# the polynomial in float32 and an exact exp; 8.4e-8 with everything in float32.
_ERF_P0, _ERF_P1, _ERF_P2, _ERF_P3, _ERF_P4, _ERF_P5, _ERF_P6, _ERF_P7, _ERF_P8 = (
    _F32(2 / math.sqrt(math.pi)), _F32(0.63661325), _F32(0.10282723), _F32(-0.019305984),
    _F32(7.949431e-05), _F32(0.0014587449), _F32(-0.0005318574), _F32(9.214473e-05),
    _F32(-6.6542193e-06))


@njit(inline="always", cache=True)
def _erf_float32(x):
    """erf of a float32 x as 1 - exp(-g(|x|)), with the sign of x, where g(a) = -log(erfc(a)) is
    smooth and grows like a^2, so a polynomial fits it (above) and the vector exp does the rest.
    expm1 keeps small results accurate; |x| is clamped at 4, where erf rounds to 1; NaN stays
    NaN, erf(+-inf) = +-1, erf(-0) = -0."""
    a = abs(x)
    a = _ERF_CLAMP_F32 if a > _ERF_CLAMP_F32 else a  # keeps NaN
    p = _ERF_P8
    p = p * a + _ERF_P7
    p = p * a + _ERF_P6
    p = p * a + _ERF_P5
    p = p * a + _ERF_P4
    p = p * a + _ERF_P3
    p = p * a + _ERF_P2
    p = p * a + _ERF_P1
    p = p * a + _ERF_P0
    _, expm1 = _float32(-(a * p))
    return math.copysign(-expm1, x)


# float64 erf in two pieces, each a polynomial interpolated at Chebyshev points (near the best
# fit of its degree): erf(x) = x (2/sqrt(pi) + s Q(s)), s = x^2, for |x| <= 1 (2/sqrt(pi) held
# fixed, so that erf stays accurate to the last bit near 0), and erfc(x) = exp(-x^2) R(t) above,
# with t = (x - 3.5) / 2.5 mapping [1, 6] to [-1, 1], where R's power-basis coefficients stay
# small:
#   erf, erfc = np.vectorize(math.erf), np.vectorize(math.erfc)
#   Q = Chebyshev.interpolate(lambda s: (erf(np.sqrt(s)) / np.sqrt(s) - 2 / math.sqrt(math.pi))
#                             / s, 10, domain=[0, 1]).convert(kind=Polynomial).coef
#   R = chebyshev.cheb2poly(Chebyshev.interpolate(lambda x: erfc(x) * np.exp(x * x), 25,
#                                                 domain=[1, 6]).coef)
# |error of erf| <= 1.5e-15 on [0, 6] in NumPy float64.
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_ERF_CLAMP = 6.0  # erf(6) = 1 - 2e-17 rounds to 1 in float64


@njit(inline="always", cache=True)
def _erf_float64(x):
    """erf of a float64 x, with the sign of x: x (2/sqrt(pi) + x^2 Q(x^2)) for |x| <= 1, where
    erf is close to its Taylor series, and 1 - exp(-x^2) R(t) above, R(t) = erfc(x) exp(x^2)
    being smooth and slowly varying (1/(x sqrt(pi)) for large x). Both pieces are computed and
    one is kept, which vectorises. |x| is clamped at 6, where erf rounds to 1; NaN stays NaN."""
    a = abs(x)
    a = _ERF_CLAMP if a > _ERF_CLAMP else float(a)  # keeps NaN
    square = a * a
    # Q(square), Horner form (a loop over a tuple of coefficients would not vectorise)
    q = -8.069698444821618e-10
    q = q * square + 1.3905016451396728e-08
    q = q * square - 1.6260533315785728e-07
    q = q * square + 1.6455487225770902e-06
    q = q * square - 1.4925495820121297e-05
    q = q * square + 0.00012055339853780174
    q = q * square - 0.0008548327643764382
    q = q * square + 0.005223977644344528
    q = q * square - 0.026866170647777986
    q = q * square + 0.1128379167096983
    q = q * square - 0.3761263890318393
    core = a * (_TWO_OVER_SQRT_PI + square * q)
    t = (a - 3.5) * 0.4
    r = -4.816236189351632e-08
    r = r * t + 1.0338352205088505e-07
    r = r * t + 8.111293517196402e-08
    r = r * t - 1.3975883260942403e-07
    r = r * t - 6.04287729052325e-07
    r = r * t + 1.215627540099935e-06
    r = r * t - 1.0953500140413573e-06
    r = r * t + 2.506433912248424e-06
    r = r * t - 6.95412851515497e-06
    r = r * t + 1.4323330840572733e-05
    r = r * t - 2.8196152571196693e-05
    r = r * t + 5.7153286416695855e-05
    r = r * t - 0.0001145135246055554
    r = r * t + 0.00022462664017880863
    r = r * t - 0.0004333428068014497
    r = r * t + 0.0008222319416942759
    r = r * t - 0.001532518990206253
    r = r * t + 0.0028033297859731015
    r = r * t - 0.005028067619701354
    r = r * t + 0.008833423585595732
    r = r * t - 0.015182511566029764
    r = r * t + 0.02549555965954546
    r = r * t - 0.04176678811890051
    r = r * t + 0.06663208245289223
    r = r * t - 0.10330894458313483
    r = r * t + 0.1552936556088952
    gaussian, _ = _float64(-square)
    tail = 1.0 - gaussian * r
    return math.copysign(core if a <= 1.0 else tail, x)
