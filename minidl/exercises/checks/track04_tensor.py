"""Tests of track step 4: unbroadcast, and add/mul with broadcasting."""
import numpy as np

from ..framework import ExerciseFailure, earlier_step, expect_close

CASES = [((2, 3), (2, 3), "no broadcasting: nothing to sum"),
         ((2, 3, 4), (3, 4), "one axis added in front: sum over axis 0"),
         ((2, 3, 4), (4,), "two axes added in front: sum over axes 0 and 1"),
         ((2, 3, 4), (3, 1), "an added axis and a stretched one: sum axis 0, and axis 2 with "
                             "keepdims"),
         ((2, 3), (1, 3), "a stretched axis of size 1: sum it with keepdims=True"),
         ((2, 3), (), "a scalar: sum everything")]


def test_unbroadcast(mod):
    rng = np.random.default_rng(0)
    for big, shape, hint in CASES:
        grad = rng.standard_normal(big)
        expected = grad.sum(axis=tuple(range(len(big) - len(shape))))
        axes = tuple(i for i, n in enumerate(shape) if n == 1 and expected.shape[i] != 1)
        expected = expected.sum(axis=axes, keepdims=True) if axes else expected
        got = mod.unbroadcast(grad, shape)
        expect_close(got, expected.reshape(shape), f"unbroadcast of a {big} gradient to {shape}",
                     hint)


def _one_op(mod, make, a, b):
    x, y = mod.Tensor(a), mod.Tensor(b)
    out = make(x, y)
    out.grad = np.ones_like(out.data) * 0.5
    try:
        out._backward()
    except ValueError as error:  # NumPy refusing to add a (3, 4) gradient into a (3, 1) one
        raise ExerciseFailure(
            f"grads of the inputs' shapes {np.shape(a)} and {np.shape(b)}",
            f"ValueError: {error}",
            f"out.grad has the result's shape {out.data.shape}: unbroadcast it to each input's "
            f"shape before adding it to that input's grad (each a[i, 0] was used 4 times)"
        ) from None
    return x.grad, y.grad


def test_add_broadcast(mod):
    ga, gb = _one_op(mod, lambda x, y: x + y, np.ones((3, 1)), np.ones(4))
    expect_close(ga, np.full((3, 1), 2.0), "a's grad for (3, 1) + (4,) with out.grad = 0.5",
                 "each a[i, 0] was used 4 times: unbroadcast the gradient to a's shape")
    expect_close(gb, np.full(4, 1.5), "b's grad for (3, 1) + (4,) with out.grad = 0.5",
                 "each b[j] was used 3 times: unbroadcast the gradient to b's shape")


def test_mul_broadcast(mod):
    a, b = np.arange(6.0).reshape(2, 3), np.array([1.0, -2.0, 3.0])
    ga, gb = _one_op(mod, lambda x, y: x * y, a, b)
    hint = "a's grad is b * out.grad and b's is a * out.grad, each unbroadcast to its input"
    expect_close(ga, 0.5 * np.broadcast_to(b, a.shape), "a's grad for (2, 3) * (3,)", hint)
    expect_close(gb, 0.5 * a.sum(axis=0), "b's grad for (2, 3) * (3,)", hint)


def test_your_backward_drives_tensors(mod):
    backward = earlier_step(mod, "track02_backward").backward
    x = mod.Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]))
    w = mod.Tensor(np.array([0.5, -1.0]))
    y = x * w + x * x - 1.0  # x is used twice, w broadcast over rows
    try:
        backward(y)
    except Exception as error:
        raise ExerciseFailure("your step-2 backward runs on a Tensor graph",
                              f"{type(error).__name__}: {error}",
                              "seed root.grad with np.ones_like(root.data) when data is an "
                              "array") from None
    expect_close(x.grad, w.data + 2 * x.data, "x.grad for y = x * w + x * x - 1")
    expect_close(w.grad, x.data.sum(axis=0), "w.grad (summed over the rows it was broadcast to)")


TESTS = [test_unbroadcast, test_add_broadcast, test_mul_broadcast,
         test_your_backward_drives_tensors]
