"""Tests of the exercise reduce_broadcast_grad."""
import numpy as np

import minidl as dl
from minidl.autograd import ArrayFunction

from ..framework import ExerciseFailure, expect_close

CASES = [
    ((2, 3, 4), (2, 3, 4), "no broadcasting: the gradient is returned unchanged"),
    ((2, 3, 4), (3, 4), "one prepended axis: sum over axis 0"),
    ((2, 3, 4), (4,), "two prepended axes: sum over axes 0 and 1"),
    ((2, 3, 4), (3, 1), "a prepended axis and a stretched size-1 axis (keep it, size 1)"),
    ((2, 3, 4), (1, 3, 1), "stretched size-1 axes only: sum with keepdims=True"),
    ((5, 1, 6), (1, 1, 1), "every axis stretched"),
    ((2, 3), (), "a scalar (shape ()): sum everything"),
]


def _expected(grad, shape):
    """Every element of the input is used once per output element it was copied to."""
    out = np.zeros(shape)
    for index in np.ndindex(*grad.shape):
        source = tuple(0 if n == 1 else i for i, n in zip(index[len(grad.shape) - len(shape):],
                                                            shape))
        out[source] += grad[index]
    return out


def test_shapes_and_sums(mod):
    rng = np.random.default_rng(0)
    for grad_shape, shape, what in CASES:
        grad = rng.standard_normal(grad_shape)
        got = mod.reduce_broadcast_grad(grad.copy(), shape)
        expect_close(got, _expected(grad, shape), f"grad {grad_shape} -> {shape} ({what})",
                     "sum over the leading axes broadcasting added, then with keepdims=True "
                     "over the axes where the input had size 1")


def test_inside_a_function_with_gradcheck(mod):
    """Use the learner's reduction in an op's backward; gradcheck must agree."""

    class ScaledAdd(ArrayFunction):
        @staticmethod
        def forward(ctx, a, b):
            ctx.shapes = a.shape, b.shape
            return a + 2 * b

        @staticmethod
        def backward(ctx, grad):
            shape_a, shape_b = ctx.shapes
            return (mod.reduce_broadcast_grad(grad, shape_a),
                    mod.reduce_broadcast_grad(2 * grad, shape_b))

    rng = np.random.default_rng(1)
    a = dl.tensor(rng.standard_normal((4, 1, 3)), dtype=dl.float64, requires_grad=True)
    b = dl.tensor(rng.standard_normal((2, 1)), dtype=dl.float64, requires_grad=True)
    try:
        dl.gradcheck(lambda x, y: ScaledAdd.apply(x, y), (a, b))
    except dl.GradcheckError as error:
        raise ExerciseFailure("gradcheck passes for a + 2 b with a (4, 1, 3), b (2, 1)",
                              str(error), "check the case where both inputs are broadcast") \
            from None


TESTS = [test_shapes_and_sums, test_inside_a_function_with_gradcheck]
