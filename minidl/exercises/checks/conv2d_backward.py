"""Tests of the exercise conv2d_backward."""
import numpy as np

import minidl as dl
import minidl.nn.functional as F

from ..framework import ExerciseFailure, expect_close


def _case(seed, padding):
    rng = np.random.default_rng(seed)
    x, weight = rng.standard_normal((2, 3, 5, 4)), rng.standard_normal((4, 3, 3, 2))
    return x, weight, padding


def _minidl_gradients(x, weight, padding, gy):
    xt, wt = dl.tensor(x, requires_grad=True), dl.tensor(weight, requires_grad=True)
    F.conv2d(xt, wt, padding=padding).backward(dl.tensor(gy))
    return xt.grad.numpy(), wt.grad.numpy()


def _learner(mod, x, weight, padding):
    y, cols = mod.conv2d_forward(x, weight, padding)
    gy = np.random.default_rng(9).standard_normal(y.shape)
    result = mod.conv2d_backward(gy, x.shape, weight, cols, padding)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise ExerciseFailure("a tuple (dx, dweight)", repr(result)[:80])
    return result, _minidl_gradients(x, weight, padding, gy)


def test_dweight(mod):
    (_, dweight), (_, expected) = _learner(mod, *_case(0, 0))
    expect_close(dweight, expected, "dweight (F, C, kh, kw)",
                 "G @ cols.T, with G = gy laid out as (F, N*OH*OW): transpose gy to (F, N, OH, OW)"
                 " before reshaping")


def test_dx(mod):
    (dx, _), (expected, _) = _learner(mod, *_case(1, 0))
    expect_close(dx, expected, "dx (N, C, H, W)", "col2im(W.T @ G): back through im2col")


def test_with_padding(mod):
    (dx, dweight), (expected_dx, expected_dweight) = _learner(mod, *_case(2, 1))
    expect_close(dweight, expected_dweight, "dweight with padding 1")
    expect_close(dx, expected_dx, "dx with padding 1", "col2im drops the padding's gradient")


TESTS = [test_dweight, test_dx, test_with_padding]
