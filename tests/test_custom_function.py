"""dl.autograd.Function: PyTorch-style custom ops written with Tensors."""
import numpy as np
import pytest

import minidl as dl


class Exp(dl.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        y, = ctx.saved_tensors
        return grad_output * y


class ScaledProduct(dl.autograd.Function):
    """out = scale * a * b, with a Python-number argument in the middle"""

    @staticmethod
    def forward(ctx, a, scale, b):
        ctx.save_for_backward(a, b)
        ctx.scale = scale
        return a * b * scale

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = grad * b * ctx.scale if ctx.needs_input_grad[0] else None
        grad_b = grad * a * ctx.scale if ctx.needs_input_grad[2] else None
        return grad_a, None, grad_b


class DoubleInPlace(dl.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        x.mul_(2)
        ctx.mark_dirty(x)
        return x

    @staticmethod
    def backward(ctx, grad):
        return grad * 2


class SortValues(dl.autograd.Function):
    """Returns the indices that sort x: not differentiable."""

    @staticmethod
    def forward(ctx, x):
        order = dl.tensor(np.argsort(x.numpy()).astype(np.float64))
        ctx.mark_non_differentiable(order)
        return order

    @staticmethod
    def backward(ctx, grad):
        return None


def test_custom_exp_gradcheck(kernels):
    x = dl.tensor(np.linspace(-1, 1, 6).reshape(2, 3), dtype=dl.float64, requires_grad=True)
    assert dl.gradcheck(Exp.apply, (x,))
    y = Exp.apply(x)
    assert y.grad_fn.name() == "ExpBackward" and not y.is_leaf


def test_needs_input_grad_and_non_tensor_arguments(kernels):
    a = dl.tensor([[1.0, 2.0]], dtype=dl.float64, requires_grad=True)
    b = dl.tensor([[3.0], [4.0]], dtype=dl.float64)
    assert dl.gradcheck(lambda a: ScaledProduct.apply(a, 0.5, b), (a,))
    b.requires_grad_()
    assert dl.gradcheck(lambda a, b: ScaledProduct.apply(a, 0.5, b), (a, b))


def test_forward_records_nothing_and_no_grad_gives_a_plain_tensor():
    x = dl.ones(3, requires_grad=True)
    with dl.no_grad():
        assert Exp.apply(x).grad_fn is None
    assert Exp.apply(dl.ones(3)).grad_fn is None


def test_saved_tensors_are_version_checked():
    x = dl.ones(3, requires_grad=True)
    y = Exp.apply(x)
    with dl.no_grad():
        y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation: saved tensor 0 "
                                           "of ExpBackward.*at version 1; expected version 0"):
        y.sum().backward()


def test_mark_dirty_in_place_custom_op():
    x = dl.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    alias = y
    z = DoubleInPlace.apply(y)
    assert z is y and alias.tolist() == [6.0, 12.0] and y._version == 2  # as PyTorch
    assert y.grad_fn.name() == "DoubleInPlaceBackward"
    z.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0])
    leaf = dl.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        DoubleInPlace.apply(leaf)


def test_mark_non_differentiable():
    x = dl.tensor([3.0, 1.0, 2.0], requires_grad=True)
    order = SortValues.apply(x)
    assert not order.requires_grad and order.tolist() == [1.0, 2.0, 0.0]


def test_forward_returning_an_array_is_a_clear_error():
    class ArrayLevel(dl.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return np.exp(x.numpy())

    with pytest.raises(TypeError, match="must return one Tensor.*ArrayFunction"):
        ArrayLevel.apply(dl.ones(2))


def test_backward_with_a_wrong_shape_names_the_function():
    class Bad(dl.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum()

        @staticmethod
        def backward(ctx, grad):
            return dl.ones(5)

    with pytest.raises(RuntimeError, match=r"BadBackward: backward returned a gradient of shape "
                                           r"\(5,\) for input 0 of shape \(3,\)"):
        Bad.apply(dl.ones(3, requires_grad=True)).backward()


def test_custom_function_matches_pytorch():
    torch = pytest.importorskip("torch")

    def make(lib):
        class Cube(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, w):
                ctx.save_for_backward(x, w)
                return x ** 3 * w

            @staticmethod
            def backward(ctx, grad):
                x, w = ctx.saved_tensors
                return grad * 3 * x ** 2 * w, (grad * x ** 3).sum(0)

        return Cube

    data = np.linspace(-1, 1, 6).reshape(2, 3).astype(np.float32)
    results = []
    for lib in (dl, torch):
        x = lib.tensor(data, requires_grad=True)
        w = lib.tensor(data[0] + 2, requires_grad=True)
        (make(lib).apply(x, w).tanh()).sum().backward()
        results.append((x.grad.numpy().copy(), w.grad.numpy().copy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-7)
