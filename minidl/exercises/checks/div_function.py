"""Tests of the exercise div_function."""
import numpy as np

import minidl as dl

from ..framework import ExerciseFailure, expect_close


def _inputs(shape_a=(3, 4), shape_b=(3, 4), seed=0):
    rng = np.random.default_rng(seed)
    a = dl.tensor(rng.standard_normal(shape_a), dtype=dl.float64, requires_grad=True)
    b = dl.tensor(rng.uniform(0.5, 2.0, shape_b) * rng.choice([-1, 1], shape_b),
                  dtype=dl.float64, requires_grad=True)
    return a, b


def test_forward_values(mod):
    a, b = _inputs()
    out = mod.div(a, b)
    expect_close(out, a.numpy() / b.numpy(), "div(a, b) forward", "forward should return a / b")


def test_gradient_of_a(mod):
    a, b = _inputs()
    gy = np.random.default_rng(1).standard_normal((3, 4))
    mod.div(a, b).backward(dl.tensor(gy, dtype=dl.float64))
    expect_close(a.grad, gy / b.numpy(), "a.grad = grad / b",
                 "d(a/b)/da = 1/b, multiplied by the incoming grad (the chain rule)")


def test_gradient_of_b(mod):
    a, b = _inputs()
    gy = np.random.default_rng(2).standard_normal((3, 4))
    mod.div(a, b).backward(dl.tensor(gy, dtype=dl.float64))
    expected = -gy * a.numpy() / b.numpy() ** 2
    hint = "d(a/b)/db = -a / b^2 (note the minus sign and the square), times the incoming grad"
    if b.grad is not None and np.allclose(b.grad.numpy(), -expected):
        hint = "the sign of dL/db is flipped: d(a/b)/db = -a / b^2"
    expect_close(b.grad, expected, "b.grad = -grad * a / b^2", hint)


def test_gradcheck_with_broadcasting(mod):
    a, b = _inputs((2, 3, 4), (3, 1), seed=3)
    try:
        dl.gradcheck(mod.div, (a, b))
    except dl.GradcheckError as error:
        raise ExerciseFailure("analytic gradients equal central differences when b (3, 1) is "
                              "broadcast against a (2, 3, 4)", str(error),
                              "return gradients in the output's shape; the engine reduces them "
                              "to each input's shape") from None


def test_backward_does_not_modify_grad(mod):
    a, b = _inputs()
    gy = np.ones((3, 4))
    before = gy.copy()
    node = mod.div(a, b).grad_fn
    node.function.backward(node, gy)
    if not np.array_equal(gy, before):
        raise ExerciseFailure("backward leaves the incoming grad array unchanged",
                              "it was modified in place",
                              "build new arrays (grad / b) instead of writing into grad")


TESTS = [test_forward_values, test_gradient_of_a, test_gradient_of_b,
         test_gradcheck_with_broadcasting, test_backward_does_not_modify_grad]
