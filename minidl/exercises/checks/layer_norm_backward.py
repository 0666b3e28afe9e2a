"""Tests of the exercise layer_norm_backward."""
import numpy as np

import minidl as dl
from minidl.autograd import ArrayFunction
from minidl.kernels import reference

from ..framework import ExerciseFailure, expect_close


def _setup(seed=0, n=4, d=6):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)) * 2 + 1
    weight, bias = rng.standard_normal(d), rng.standard_normal(d)
    gy = rng.standard_normal((n, d))
    return x, weight, bias, gy


def _learner(mod, x, weight, bias, gy):
    _, xhat, rstd = mod.layer_norm_forward(x, weight, bias)
    result = mod.layer_norm_backward(gy, xhat, rstd, weight)
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        raise ExerciseFailure("a tuple (dx, dweight, dbias)", repr(result)[:80])
    return result


def _expected(x, weight, bias, gy):
    _, mean, rstd = reference.layer_norm_forward(x, weight, bias, 1e-5)
    return reference.layer_norm_backward(gy, x, weight, mean, rstd)


def test_dbias_and_dweight(mod):
    x, weight, bias, gy = _setup()
    _, dweight, dbias = _learner(mod, x, weight, bias, gy)
    expected = _expected(x, weight, bias, gy)
    expect_close(dbias, expected[2], "dbias = gy summed over rows",
                 "the bias is broadcast over the N rows")
    expect_close(dweight, expected[1], "dweight = (gy * xhat) summed over rows")


def test_dx(mod):
    x, weight, bias, gy = _setup(1)
    dx, _, _ = _learner(mod, x, weight, bias, gy)
    expected = _expected(x, weight, bias, gy)[0]
    _, xhat, rstd = mod.layer_norm_forward(x, weight, bias)
    hint = "dx = rstd * (g - mean(g) - xhat * mean(g * xhat)) with g = gy * weight"
    if dx is not None and np.shape(dx) == expected.shape:
        if np.allclose(dx, gy * weight * rstd):
            hint = ("you treated mean and rstd as constants; they depend on every x of the row: "
                    "subtract mean(g) and xhat * mean(g * xhat)")
        elif np.allclose(dx, rstd * (gy - gy.mean(1, keepdims=True)
                                     - xhat * (gy * xhat).mean(1, keepdims=True))):
            hint = "multiply gy by weight first: g = gy * weight is the gradient reaching xhat"
    expect_close(dx, expected, "dx (N, D)", hint)


def test_dx_rows_sum_to_zero(mod):
    x, weight, bias, gy = _setup(2)
    dx, _, _ = _learner(mod, x, weight, bias, gy)
    sums = np.asarray(dx).sum(axis=1)
    if not np.allclose(sums, 0, atol=1e-9):
        raise ExerciseFailure("each row of dx sums to 0 (adding a constant to a row does not "
                              "change its normalised value)", f"row sums {sums}")


def test_gradcheck(mod):
    weight, bias = np.array([0.5, -1.0, 2.0, 1.5]), np.array([0.1, 0.2, 0.3, 0.4])

    class LayerNorm(ArrayFunction):
        @staticmethod
        def forward(ctx, x, w):
            y, ctx.xhat, ctx.rstd = mod.layer_norm_forward(x, w, bias)
            ctx.w = w
            return y

        @staticmethod
        def backward(ctx, grad):
            dx, dw, _ = mod.layer_norm_backward(grad, ctx.xhat, ctx.rstd, ctx.w)
            return dx, dw

    x = dl.tensor(np.random.default_rng(3).standard_normal((3, 4)), requires_grad=True)
    w = dl.tensor(weight, requires_grad=True)
    try:
        dl.gradcheck(LayerNorm.apply, (x, w))
    except dl.GradcheckError as error:
        raise ExerciseFailure("dx and dweight agree with central differences", str(error)) \
            from None


TESTS = [test_dbias_and_dweight, test_dx, test_dx_rows_sum_to_zero, test_gradcheck]
