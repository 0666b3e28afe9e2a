"""Tests of track step 6: the numerical gradient and a gradcheck that catches a wrong backward."""
import numpy as np

from ..framework import ExerciseFailure, earlier_step, expect_close


def _steps(mod):
    return earlier_step(mod, "track04_tensor"), earlier_step(mod, "track05_matmul")


def test_numerical_gradient(mod):
    tensor_step, ops = _steps(mod)
    a = tensor_step.Tensor(np.array([[1.0, -2.0], [0.5, 3.0]]))
    b = tensor_step.Tensor(np.array([[2.0], [-1.0]]))
    original = a.data.copy()
    # eps 1e-3: f is quadratic in each element, so a central difference is exact (up to
    # rounding) while a one-sided one is off by about eps * f''
    got = mod.numerical_gradient(lambda t: ops.tensor_sum(ops.matmul(t[0], t[1]) * ops.matmul(
        t[0], t[1])), [a, b], eps=1e-3)
    if not np.array_equal(a.data, original):
        raise ExerciseFailure("the inputs unchanged afterwards", "a.data was changed",
                              "restore each element after nudging it")
    out = a.data @ b.data
    expected_a = 2 * out @ b.data.T
    if got is None or len(got) != 2:
        raise ExerciseFailure("a list of two arrays", repr(got)[:80])
    hint = "nudge by +eps and -eps, and divide the difference by 2 eps"
    got_a = np.asarray(got[0], dtype=float)
    one_sided = (got_a.shape == expected_a.shape and np.allclose(got_a, expected_a, atol=0.1)
                 and not np.allclose(got_a, expected_a, atol=1e-7))
    if one_sided:
        hint = ("close but not close enough: a one-sided difference (f(x + eps) - f(x)) / eps "
                "has an error of order eps; use the central difference")
    expect_close(got[0], expected_a, "d sum((a @ b)^2) / da", hint, atol=1e-6)
    expect_close(got[1], 2 * a.data.T @ out, "d sum((a @ b)^2) / db", hint, atol=1e-6)


def test_gradcheck_accepts_right_backwards(mod):
    tensor_step, ops = _steps(mod)
    rng = np.random.default_rng(0)
    a, b = tensor_step.Tensor(rng.standard_normal((3, 2))), tensor_step.Tensor(rng.standard_normal(2))
    if mod.gradcheck(lambda t: ops.mean(t[0] * t[1] + t[0] * t[0]), [a, b]) is not True:
        raise ExerciseFailure("gradcheck returns True for a correct op (your add, mul, mean)",
                              "not True", "reset each input's grad to zeros, call backward on "
                              "f(inputs), then compare each grad with the numerical gradient")


def test_gradcheck_catches_a_wrong_backward(mod):
    tensor_step, ops = _steps(mod)

    def wrong_square(x):  # forward x^2, backward claims x instead of 2x
        out = tensor_step.Tensor(x.data**2, (x,), "square")

        def _backward():
            x.grad += x.data * out.grad
        out._backward = _backward
        return out
    x = tensor_step.Tensor(np.array([1.0, 2.0, -0.5]))
    if mod.gradcheck(lambda t: ops.tensor_sum(wrong_square(t[0])), [x]) is not False:
        raise ExerciseFailure("gradcheck returns False for a wrong backward (x instead of 2x)",
                              "not False", "compare the backward's grads with the numerical "
                              "ones and return whether *all* of them agree")


TESTS = [test_numerical_gradient, test_gradcheck_accepts_right_backwards,
         test_gradcheck_catches_a_wrong_backward]
