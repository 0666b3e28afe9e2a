"""Tests of the exercise numerical_gradient."""
import numpy as np

from ..framework import ExerciseFailure, expect_close


def test_sum_of_squares(mod):
    x = np.array([1.0, -2.0, 0.5])
    got = mod.numerical_gradient(lambda v: float(np.sum(v**2)), x.copy())
    expect_close(got, 2 * x, "the gradient of sum(x^2) is 2x", atol=1e-5)


def test_any_shape(mod):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 2))
    w = rng.standard_normal((2, 3, 2))
    got = mod.numerical_gradient(lambda v: float(np.sum(np.sin(v) * w)), x.copy())
    expect_close(got, np.cos(x) * w, "the gradient of sum(sin(x) * w) for x of shape (2, 3, 2)",
                 "walk every index with np.ndindex(*x.shape)", atol=1e-5)


def test_central_not_one_sided(mod):
    x = np.array([0.3, 1.2])
    got = mod.numerical_gradient(lambda v: float(np.sum(np.exp(v))), x.copy(), eps=1e-4)
    expect_close(got, np.exp(x), "exp'(x) to within 1e-7 with eps=1e-4", atol=1e-7, rtol=0,
                 hint="use the central difference (f(x + eps) - f(x - eps)) / (2 eps): the "
                      "one-sided (f(x + eps) - f(x)) / eps is off by about eps * f''/2")


def test_leaves_x_unchanged(mod):
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    before = x.copy()
    mod.numerical_gradient(lambda v: float(np.sum(v**3)), x)
    if not np.array_equal(x, before):
        raise ExerciseFailure("x is unchanged after the call", f"x became {x.tolist()}",
                              "put each element back to its original value after nudging it")


TESTS = [test_sum_of_squares, test_any_shape, test_central_not_one_sided, test_leaves_x_unchanged]
