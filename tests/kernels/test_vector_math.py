"""The vectorisable exp of the CPU kernels (kernels/cpu/vector_math.py) against NumPy's, in each
precision it is compiled for, including the edges: 0, underflow, -inf and NaN."""
import numpy as np
import pytest
from numba import njit

from minidl.kernels.cpu.vector_math import exp_and_expm1_nonpositive

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
