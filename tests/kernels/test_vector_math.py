"""The vectorisable exp and erf of the CPU kernels (kernels/cpu/vector_math.py) against NumPy's
exp and math.erf, in each precision they are compiled for, including the edges: 0, underflow,
+-inf and NaN, and erf's clamp and tails."""
import math

import numpy as np
import pytest
from numba import njit

from minidl.kernels.cpu.vector_math import erf, exp_and_expm1_nonpositive

# (dtype, most negative x checked, largest error in ulps of that dtype)
PRECISIONS = [(np.float32, -110.0, 2.0), (np.float64, -750.0, 2.0)]


@njit(cache=False)
def exp_and_expm1_of_each(xs):
    exps, expm1s = np.empty_like(xs), np.empty_like(xs)
    for i in range(xs.size):
        exps[i], expm1s[i] = exp_and_expm1_nonpositive(xs[i])
    return exps, expm1s


@pytest.mark.parametrize("dtype, lowest, max_ulps", PRECISIONS)
def test_accuracy_in_ulps(dtype, lowest, max_ulps):
    xs = np.concatenate([np.linspace(lowest, 0, 200_001), -np.logspace(-30, 0, 2001)])
    xs = xs.astype(dtype)
    exps, expm1s = exp_and_expm1_of_each(xs)
    exact, exact_m1 = np.exp(xs.astype(np.float64)), np.expm1(xs.astype(np.float64))
    normal = exact > np.finfo(dtype).tiny  # subnormal results have fewer bits to compare
    ulps = np.abs(exps[normal] - exact[normal]) / np.spacing(exact[normal].astype(dtype))
    assert ulps.max() <= max_ulps
    ulps_m1 = np.abs(expm1s - exact_m1) / np.spacing(np.abs(exact_m1).astype(dtype))
    assert ulps_m1.max() <= max_ulps  # also for tiny x, where exp(x) - 1 would cancel


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_edges(dtype):
    xs = np.array([0.0, -0.0, -1e4, -np.inf, np.nan], dtype=dtype)
    exps, expm1s = exp_and_expm1_of_each(xs)
    np.testing.assert_array_equal(exps[:4], [1, 1, 0, 0])
    np.testing.assert_array_equal(expm1s[:4], [0, 0, -1, -1])
    assert np.isnan(exps[4]) and np.isnan(expm1s[4])


@njit(cache=False)
def erf_of_each(xs):
    out = np.empty_like(xs)
    for i in range(xs.size):
        out[i] = erf(xs[i])
    return out


# (dtype, largest |erf(x) - math.erf(x)|, where the form changes: the clamp, the piece boundary).
# Both are fitted polynomials (vector_math's comments say how): float32 within 1.7 float32 ulps of
# 1, float64 within 10 float64 ulps of 1.
ERF_BOUNDS = [(np.float32, 1e-7, [4.0]), (np.float64, 2e-15, [1.0, 6.0])]


@pytest.mark.parametrize("dtype, bound, edges", ERF_BOUNDS)
def test_erf_against_math_erf(dtype, bound, edges):
    near_edges = [sign * edge + np.linspace(-1e-3, 1e-3, 2001)
                  for edge in edges for sign in (1, -1)]
    xs = np.concatenate([np.linspace(-8, 8, 1_600_001), *near_edges, np.logspace(-30, 1, 3001),
                         -np.logspace(-30, 1, 3001), [30.0, -1e4, 3e38, -3e38]]).astype(dtype)
    got = erf_of_each(xs)
    exact = np.array([math.erf(x) for x in xs.astype(np.float64)])
    assert np.abs(got - exact).max() <= bound
    tiny = np.abs(xs) < 1e-3  # erf(x) ~ 2x/sqrt(pi): relative accuracy where it is small
    ulps = np.spacing(np.abs(exact[tiny]).astype(dtype))
    assert (np.abs(got[tiny] - exact[tiny]) <= 4 * ulps).all()
    assert (np.abs(got) <= 1).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_erf_edges(dtype):
    xs = np.array([0.0, -0.0, np.inf, -np.inf, 1e30, -1e30, np.nan], dtype=dtype)
    got = erf_of_each(xs)
    np.testing.assert_array_equal(got[:6], [0, 0, 1, -1, 1, -1])
    assert not np.signbit(got[0]) and np.signbit(got[1])  # erf(-0) = -0, as math.erf
    assert np.isnan(got[6])
