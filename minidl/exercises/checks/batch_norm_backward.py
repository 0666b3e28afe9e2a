"""Tests of the exercise batch_norm_backward."""
import numpy as np

import minidl as dl
import minidl.nn.functional as F

from ..framework import ExerciseFailure, expect_close


def _case(seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((6, 4)) * 2 + 1
    return x, rng.standard_normal(4), rng.standard_normal(4), rng.standard_normal((6, 4))


def _run(mod, x, weight, bias, gy):
    _, xhat, rstd = mod.batch_norm_forward(x, weight, bias)
    result = mod.batch_norm_backward(gy, xhat, rstd, weight)
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        raise ExerciseFailure("a tuple (dx, dweight, dbias)", repr(result)[:80])
    tensors = [dl.tensor(a, requires_grad=True) for a in (x, weight, bias)]
    F.batch_norm(tensors[0], None, None, tensors[1], tensors[2], training=True).backward(
        dl.tensor(gy))
    return result, [t.grad.numpy() for t in tensors], xhat, rstd


def test_dweight_and_dbias(mod):
    (_, dweight, dbias), expected, _, _ = _run(mod, *_case(0))
    expect_close(dbias, expected[2], "dbias = gy summed over the batch")
    expect_close(dweight, expected[1], "dweight = (gy * xhat) summed over the batch")


def test_dx(mod):
    x, weight, bias, gy = _case(1)
    (dx, _, _), expected, xhat, rstd = _run(mod, x, weight, bias, gy)
    hint = "dx = rstd * (g - g.mean(0) - xhat * (g * xhat).mean(0)) with g = gy * weight"
    if np.shape(dx) == x.shape and np.allclose(dx, gy * weight * rstd):
        hint = ("you treated the batch mean and variance as constants; they depend on every "
                "sample: subtract g.mean(0) and xhat * (g * xhat).mean(0)")
    expect_close(dx, expected[0], "dx (N, D)", hint)


TESTS = [test_dweight_and_dbias, test_dx]
