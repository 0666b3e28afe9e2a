"""Checks on gradients: ``.grad`` assignment, and what an op's backward returns."""
import numpy as np
import pytest

import minidl as dl
import minidl.nn as nn
import minidl.optim as optim
from minidl.autograd import ArrayFunction

SIZE_ERROR = r"attempting to assign a gradient of size '?\[3\]'? to a tensor of size"


def test_assigning_a_grad_of_another_size_is_refused():
    # Repro of issue 11: accepted, and SGD.step() then read past the end of the gradient.
    layer = nn.Linear(1000, 100)
    with pytest.raises(RuntimeError, match=SIZE_ERROR):
        layer.weight.grad = dl.ones(3)
    assert layer.weight.grad is None
    sgd = optim.SGD(layer.parameters(), lr=0.1)
    sgd.step()  # nothing assigned, nothing read


def test_assigning_a_grad_of_another_dtype_or_type_is_refused():
    p = dl.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="assigned grad has data of a different type"):
        p.grad = dl.zeros(3, dtype=dl.float64)
    with pytest.raises(TypeError, match="Tensor or None"):
        p.grad = np.zeros(3, dtype=np.float32)


def test_assigning_a_matching_grad_or_none_works_and_optimizers_use_it():
    p = dl.tensor([1.0, 2.0], requires_grad=True)
    p.grad = dl.tensor([1.0, 1.0])
    optim.SGD([p], lr=0.5).step()
    np.testing.assert_allclose(p.numpy(), [0.5, 1.5])
    p.grad = None
    assert p.grad is None


def test_grad_assignment_matches_pytorch_errors():
    torch = pytest.importorskip("torch")
    for lib in (dl, torch):
        p = lib.zeros(4, requires_grad=True)
        with pytest.raises(RuntimeError, match=SIZE_ERROR):
            p.grad = lib.ones(3)


class _WrongShape(ArrayFunction):
    """A learner's op whose backward forgot to undo the forward's broadcast."""

    @staticmethod
    def forward(ctx, x):
        return x.reshape(-1)

    @staticmethod
    def backward(ctx, grad):
        return grad  # should be grad.reshape of x's shape


class _TooFewGradients(ArrayFunction):
    @staticmethod
    def forward(ctx, a, b):
        return a * b

    @staticmethod
    def backward(ctx, grad):
        return grad


def test_a_backward_returning_a_wrongly_shaped_gradient_names_the_op():
    # Repro of issue 11: the wrong shape ended up in .grad.
    x = dl.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"_WrongShapeBackward: backward returned a gradient "
                                           r"of shape \(6,\) for input 0 of shape \(2, 3\)"):
        _WrongShape.apply(x).sum().backward()
    assert x.grad is None


def test_a_backward_returning_too_few_gradients_names_the_op():
    a, b = dl.ones(2, requires_grad=True), dl.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"_TooFewGradientsBackward: backward returned 1 "
                                           r"gradient\(s\), expected 2"):
        _TooFewGradients.apply(a, b).sum().backward()


def test_broadcast_gradients_are_still_reduced():
    a = dl.ones(3, 1, requires_grad=True)
    (a * dl.ones(2, 3, 4)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.full((3, 1), 8.0))
