"""Tests of the exercise max_pool_backward."""
import numpy as np

import minidl as dl
import minidl.nn.functional as F

from ..framework import ExerciseFailure, expect_close


def test_one_block(mod):
    x = np.array([[[[1.0, 5.0], [2.0, 3.0]]]])
    _, argmax = mod.max_pool_forward(x)
    dx = mod.max_pool_backward(np.array([[[[7.0]]]]), argmax)
    expect_close(dx, [[[[0.0, 7.0], [0.0, 0.0]]]], "the gradient 7 at the maximum 5 only",
                 "the other pixels do not move the output: their gradient is 0")


def test_matches_minidl(mod):
    rng = np.random.default_rng(0)
    x, gy = rng.standard_normal((2, 3, 6, 4)), rng.standard_normal((2, 3, 3, 2))
    _, argmax = mod.max_pool_forward(x)
    dx = mod.max_pool_backward(gy, argmax)
    xt = dl.tensor(x, requires_grad=True)
    F.max_pool2d(xt, 2).backward(dl.tensor(gy))
    expect_close(dx, xt.grad.numpy(), "dx (2, 3, 6, 4) equal to F.max_pool2d's gradient",
                 "argmax counts row by row inside each 2x2 block: 0 1 / 2 3")
    if np.count_nonzero(dx) > gy.size:
        raise ExerciseFailure("one nonzero per block", f"{np.count_nonzero(dx)} nonzeros")


TESTS = [test_one_block, test_matches_minidl]
