"""gradcheck itself: it passes correct gradients and catches wrong ones, naming the element."""
import numpy as np
import pytest

import minidl as dl
from minidl.autograd import ArrayFunction


class WrongSquare(ArrayFunction):
    """out = x^2 with a deliberately wrong backward (x instead of 2x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.x = x
        return x * x

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.x


def test_passes_a_correct_gradient_with_tensor_valued_output():
    x = dl.randn(3, 2, dtype=dl.float64, requires_grad=True)
    assert dl.gradcheck(lambda t: t * t, (x,))


def test_catches_a_wrong_backward_and_names_the_element():
    x = dl.tensor([[1.0, 2.0]], dtype=dl.float64, requires_grad=True)
    with pytest.raises(dl.GradcheckError, match=r"input 0 \(shape \(1, 2\)\) at element \(0, 0\): analytic"):
        dl.gradcheck(WrongSquare.apply, (x,))
    assert dl.gradcheck(WrongSquare.apply, (x,), raise_exception=False) is False


def test_checks_only_inputs_that_require_grad_and_restores_grads():
    x = dl.randn(3, dtype=dl.float64, requires_grad=True)
    c = dl.randn(3, dtype=dl.float64)
    x.grad = dl.ones(3, dtype=dl.float64)
    assert dl.gradcheck(lambda a, b: a * b, (x, c))
    assert x.grad.tolist() == [1.0, 1.0, 1.0]
    np.testing.assert_array_equal(c.numpy(), c.numpy())


def test_warns_for_float32_and_rejects_no_grad_inputs():
    with pytest.warns(UserWarning, match="float64"):
        dl.gradcheck(lambda t: t * 2, (dl.ones(2, requires_grad=True),), atol=1e-2, rtol=1e-2, eps=1e-2)
    with pytest.raises(ValueError, match="no input requires grad"):
        dl.gradcheck(lambda t: t * 2, (dl.ones(2),))
