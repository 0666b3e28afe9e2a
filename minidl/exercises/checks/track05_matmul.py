"""Tests of track step 5: matmul and sum, against known gradients."""
import numpy as np

from ..framework import earlier_step, expect_close


def _tensor(mod):
    return earlier_step(mod, "track04_tensor").Tensor


def test_matmul_forward_and_backward(mod):
    Tensor = _tensor(mod)
    rng = np.random.default_rng(0)
    a, b, g = rng.standard_normal((2, 3)), rng.standard_normal((3, 4)), rng.standard_normal((2, 4))
    x, y = Tensor(a), Tensor(b)
    out = mod.matmul(x, y)
    expect_close(out.data, a @ b, "matmul(a, b).data")
    out.grad = g
    out._backward()
    hint = "every gradient has its input's shape: (2, 3) from g (2, 4) and b (3, 4)"
    if np.shape(x.grad) == (2, 3) and np.allclose(x.grad, 0):
        hint = "the grads are still zero: did you set out._backward?"
    expect_close(x.grad, g @ b.T, "a's grad for a @ b (2, 3)", hint)
    expect_close(y.grad, a.T @ g, "b's grad for a @ b (3, 4)",
                 "out[i, j] = sum_k a[i, k] b[k, j]: b[k, j] is multiplied by a[i, k] for every "
                 "i, so its gradient sums a[i, k] g[i, j] over i")


def test_sum(mod):
    Tensor = _tensor(mod)
    a = np.arange(24.0).reshape(2, 3, 4)
    for axis, keepdims in [(None, False), (1, False), (2, True), (0, False)]:
        x = Tensor(a)
        out = mod.tensor_sum(x, axis=axis, keepdims=keepdims)
        expect_close(out.data, a.sum(axis=axis, keepdims=keepdims),
                     f"tensor_sum(axis={axis}, keepdims={keepdims}).data")
        upstream = np.random.default_rng(1).standard_normal(out.data.shape)
        out.grad = upstream
        out._backward()
        spread = upstream if axis is None or keepdims else np.expand_dims(upstream, axis)
        expect_close(x.grad, np.broadcast_to(spread, a.shape),
                     f"the grad of a (2, 3, 4) after tensor_sum(axis={axis}, keepdims={keepdims})",
                     "every element gets the gradient of the sum it went into: put the summed "
                     "axis back (size 1) and broadcast")


def test_mean_through_your_backward(mod):
    Tensor = _tensor(mod)
    backward = earlier_step(mod, "track02_backward").backward
    x = Tensor(np.arange(6.0).reshape(2, 3))
    w = Tensor(np.ones((3, 1)))
    loss = mod.mean(mod.matmul(x, w) * mod.matmul(x, w))
    backward(loss)
    expected = 2 * (x.data @ w.data) @ w.data.T / 2
    expect_close(x.grad, expected, "x.grad for mean((x @ w)^2)")


TESTS = [test_matmul_forward_and_backward, test_sum, test_mean_through_your_backward]
