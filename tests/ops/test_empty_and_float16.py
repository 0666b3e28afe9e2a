"""Zero-length axes give empty results or zeros, as in PyTorch, and float16 tensors on the CPU
compute (in float32, stored as float16) instead of failing inside Numba: both kernel sets."""
import numpy as np
import pytest

import minidl as dl
import minidl.nn.functional as F
import minidl.optim as optim


def leaf(*shape, dtype=dl.float32):
    return dl.zeros(*shape, dtype=dtype, requires_grad=True)


@pytest.mark.parametrize("op", [F.softmax, F.log_softmax])
@pytest.mark.parametrize("shape, dim", [((2, 0), -1), ((0, 3), -1), ((2, 0, 3), 1)])
def test_softmax_over_or_beside_an_empty_axis(kernels, op, shape, dim):
    x = leaf(*shape)
    y = op(x, dim)
    assert y.shape == shape
    y.sum().backward()
    assert x.grad.shape == shape


def test_layer_norm_over_an_empty_shape(kernels):
    x, weight, bias = leaf(2, 0), leaf(0), leaf(0)
    y = F.layer_norm(x, (0,), weight, bias)
    assert y.shape == (2, 0)
    y.sum().backward()
    assert x.grad.shape == (2, 0) and weight.grad.shape == (0,) and bias.grad.shape == (0,)


@pytest.mark.parametrize("batch, num_queries, num_keys", [(1, 0, 3), (1, 2, 0), (0, 2, 3)])
def test_attention_with_an_empty_axis(kernels, batch, num_queries, num_keys):
    q, k, v = leaf(batch, num_queries, 4), leaf(batch, num_keys, 4), leaf(batch, num_keys, 5)
    o = F.scaled_dot_product_attention(q, k, v)
    assert o.shape == (batch, num_queries, 5)
    np.testing.assert_array_equal(o.numpy(), 0)  # no keys: zeros, as PyTorch's math path
    o.backward(dl.ones(*o.shape))
    for t in (q, k, v):
        assert t.grad.shape == t.shape and not np.any(t.grad.numpy())


HALF_OPS = {
    "relu": lambda x: F.relu(x),
    "sigmoid": lambda x: F.sigmoid(x),
    "tanh": lambda x: F.tanh(x),
    "gelu": lambda x: F.gelu(x),
    "softmax": lambda x: F.softmax(x, -1),
    "log_softmax": lambda x: F.log_softmax(x, -1),
    "layer_norm": lambda x: F.layer_norm(x, (x.shape[-1],)),
    "cross_entropy": lambda x: F.cross_entropy(x, dl.tensor([0, 2, 1])),
    "attention": lambda x: F.scaled_dot_product_attention(x[None], x[None], x[None]),
    "dropout": lambda x: F.dropout(x, 0.0),
}


@pytest.mark.parametrize("name", HALF_OPS)
def test_float16_computes_like_float32(kernels, name):
    values = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float16)
    results = {}
    for dtype in (np.float16, np.float32):
        x = dl.tensor(values.astype(dtype), requires_grad=True)
        y = HALF_OPS[name](x)
        y.backward(dl.ones(*y.shape, dtype=y.dtype))
        results[dtype] = y, x.grad
    (y16, g16), (y32, g32) = results[np.float16], results[np.float32]
    assert y16.dtype == dl.float16 and g16.dtype == dl.float16
    np.testing.assert_allclose(y16.numpy(), y32.numpy(), rtol=1e-2, atol=1e-2)
    np.testing.assert_allclose(g16.numpy(), g32.numpy(), rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize("make", [lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
                                  lambda p: optim.Adam(p, lr=0.1)], ids=["sgd", "adam"])
@pytest.mark.parametrize("transposed", [False, True], ids=["contiguous", "transposed"])
def test_float16_parameters_are_updated_in_place(kernels, make, transposed):
    """Like float32 (the accelerated steps compute float16 in float32 working copies), also for
    a strided parameter, whose working copy must be written back."""
    start = np.linspace(0.5, 1.5, 12).reshape(4, 3)
    updated = {}
    for dtype in (dl.float16, dl.float32):
        param = dl.tensor(start, dtype=dtype)
        param = (param.T if transposed else param).requires_grad_()
        optimizer = make([param])
        for step in range(2):
            param.grad = dl.full(param.shape, 0.5 + step, dtype=dtype)
            optimizer.step()
        assert param.dtype == dtype
        updated[dtype] = param.numpy().astype(np.float32)
    assert np.all(updated[dl.float16] < (start.T if transposed else start))
    np.testing.assert_allclose(updated[dl.float16], updated[dl.float32], rtol=2e-3, atol=2e-3)
