"""Tests of the exercise activation_backward: values, then gradcheck through an ArrayFunction."""
import numpy as np

import minidl as dl
from minidl.autograd import ArrayFunction

from ..framework import ExerciseFailure, expect_close


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((4, 5)) * 2, rng.standard_normal((4, 5))


def test_relu_values(mod):
    x, gy = _data()
    expect_close(mod.relu_backward(x, gy), np.where(x > 0, gy, 0), "relu_backward(x, gy)",
                 "pass gy through where x > 0 and 0 elsewhere")


def test_sigmoid_values(mod):
    x, gy = _data(1)
    y = 1 / (1 + np.exp(-x))
    expected = gy * y * (1 - y)
    got = mod.sigmoid_backward(y, gy)
    hint = "dy/dx = y * (1 - y), with y the sigmoid's output (not its input)"
    if got is not None and np.allclose(np.asarray(got), gy * (1 / (1 + np.exp(-y))) *
                                       (1 - 1 / (1 + np.exp(-y)))):
        hint = "you applied sigmoid to y again: y already is sigmoid(x); use y * (1 - y)"
    expect_close(got, expected, "sigmoid_backward(y, gy)", hint)


def test_tanh_values(mod):
    x, gy = _data(2)
    y = np.tanh(x)
    expect_close(mod.tanh_backward(y, gy), gy * (1 - y**2), "tanh_backward(y, gy)",
                 "dy/dx = 1 - y^2, with y = tanh(x); multiply by gy")


def _gradcheck(name, forward, backward_uses_output, backward):
    class Activation(ArrayFunction):
        @staticmethod
        def forward(ctx, x):
            ctx.x, ctx.y = x, forward(x)
            return ctx.y

        @staticmethod
        def backward(ctx, grad):
            return backward(ctx.y if backward_uses_output else ctx.x, grad)

    x = dl.tensor(np.random.default_rng(3).standard_normal((3, 4)) + 0.05, requires_grad=True)
    try:
        dl.gradcheck(Activation.apply, (x,))
    except dl.GradcheckError as error:
        raise ExerciseFailure(f"{name} agrees with central differences (gradcheck)", str(error)) \
            from None


def test_gradcheck_all_three(mod):
    _gradcheck("relu_backward", lambda x: np.maximum(x, 0), False, mod.relu_backward)
    _gradcheck("sigmoid_backward", lambda x: 1 / (1 + np.exp(-x)), True, mod.sigmoid_backward)
    _gradcheck("tanh_backward", np.tanh, True, mod.tanh_backward)


def test_keeps_float32(mod):
    x, gy = (a.astype(np.float32) for a in _data(4))
    y = np.tanh(x)
    for name, got in [("relu_backward", mod.relu_backward(x, gy)),
                      ("sigmoid_backward", mod.sigmoid_backward(y, gy)),
                      ("tanh_backward", mod.tanh_backward(y, gy))]:
        if np.asarray(got).dtype != np.float32:
            raise ExerciseFailure(f"{name} keeps float32 inputs in float32",
                                  f"dtype {np.asarray(got).dtype}",
                                  "np.where(cond, gy, 0) can promote: add .astype(gy.dtype)")


TESTS = [test_relu_values, test_sigmoid_values, test_tanh_values, test_gradcheck_all_three,
         test_keeps_float32]
