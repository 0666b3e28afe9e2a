"""Tests of the exercise numba_softmax (the first call compiles: about a second)."""
import numpy as np

from minidl.kernels import reference

from ..framework import ExerciseFailure, expect_close


def test_matches_reference(mod):
    x = np.random.default_rng(0).standard_normal((64, 33))
    expect_close(mod.softmax(x), reference.softmax_forward(x),
                 "softmax of a (64, 33) float64 array, like kernels/reference.py",
                 "pass 1: row max and sum of exp(x - max); pass 2: out = exp(x - max) / sum")


def test_large_values(mod):
    x = np.array([[1000.0, 999.0, -1000.0], [-800.0, -801.0, -799.0]])
    got = mod.softmax(x)
    if not np.all(np.isfinite(got)):
        raise ExerciseFailure("finite probabilities for values of +-1000", f"{got.tolist()}",
                              "subtract the row max inside the exp")
    expect_close(got, reference.softmax_forward(x), "softmax of extreme values")


def test_float32_and_row_sums(mod):
    x = (np.random.default_rng(1).standard_normal((257, 100)) * 5).astype(np.float32)
    got = mod.softmax(x)
    if got.dtype != np.float32:
        raise ExerciseFailure("float32 output for float32 input", str(got.dtype))
    expect_close(got, reference.softmax_forward(x), "softmax of a float32 (257, 100) array",
                 atol=1e-6, rtol=1e-4)
    if not np.allclose(got.sum(axis=1), 1, atol=1e-5):
        raise ExerciseFailure("every row sums to 1", "rows that do not",
                              "keep the max and the sum local to the row (inside the prange loop)")


TESTS = [test_matches_reference, test_large_values, test_float32_and_row_sums]
