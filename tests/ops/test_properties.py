"""Property tests over random shapes: broadcasting, reduction axes and permuted layouts.

Hypothesis draws the shapes; each example checks the forward against NumPy and the gradient
with gradcheck (float64), so a broadcasting or axis-handling mistake shows up on some shape.
"""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minidl as dl

SETTINGS = settings(max_examples=30, deadline=None)
BINARY = {
    "add": (lambda a, b: a + b, np.add),
    "sub": (lambda a, b: a - b, np.subtract),
    "mul": (lambda a, b: a * b, np.multiply),
    "div": (lambda a, b: a / b, np.divide),
    "maximum": (dl.maximum, np.maximum),
}


def _array(shape, seed, low=0.5, high=2.0):
    return np.random.default_rng(seed).uniform(low, high, shape)


def _leaf(array):
    return dl.tensor(array, requires_grad=True)


@SETTINGS
@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3),
    op=st.sampled_from(sorted(BINARY)),
    seed=st.integers(0, 2**16),
)
def test_binary_ops_broadcast_like_numpy(shapes, op, seed):
    ours, reference = BINARY[op]
    a, b = _array(shapes.input_shapes[0], seed), _array(shapes.input_shapes[1], seed + 1, 2.5, 4.0)
    out = ours(_leaf(a), _leaf(b))
    np.testing.assert_allclose(out.numpy(), reference(a, b))
    assert dl.gradcheck(ours, (_leaf(a), _leaf(b)))


@st.composite
def shape_and_dims(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4))
    dims = draw(st.none() | st.lists(st.integers(0, len(shape) - 1), min_size=1, unique=True))
    negate = draw(st.booleans())
    if dims is not None and negate:
        dims = [d - len(shape) for d in dims]
    return shape, dims


@SETTINGS
@given(case=shape_and_dims(), keepdim=st.booleans(), op=st.sampled_from(["sum", "mean", "var", "amax", "amin"]), seed=st.integers(0, 2**16))
def test_reductions_over_random_axes(case, keepdim, op, seed):
    shape, dims = case
    x = np.random.default_rng(seed).permutation(np.linspace(-3, 3, int(np.prod(shape)))).reshape(shape)
    axis = None if dims is None else tuple(dims)
    count = x.size if axis is None else int(np.prod([shape[d] for d in axis]))
    if op == "var" and count < 2:
        return  # the unbiased variance of one element is undefined (nan), as in PyTorch
    reference = {
        "sum": lambda: x.sum(axis=axis, keepdims=keepdim),
        "mean": lambda: x.mean(axis=axis, keepdims=keepdim),
        "var": lambda: x.var(axis=axis, ddof=1, keepdims=keepdim),
        "amax": lambda: x.max(axis=axis, keepdims=keepdim),
        "amin": lambda: x.min(axis=axis, keepdims=keepdim),
    }[op]()
    call = lambda t: getattr(t, op)(dim=dims, keepdim=keepdim)  # noqa: E731
    np.testing.assert_allclose(call(dl.tensor(x)).numpy(), reference, atol=1e-12)
    assert dl.gradcheck(call, (_leaf(x),))


@SETTINGS
@given(
    shape=hnp.array_shapes(min_dims=2, max_dims=4, min_side=1, max_side=4),
    data=st.data(),
    op=st.sampled_from(["exp", "tanh", "sigmoid", "softmax", "log_softmax", "sum1", "matmul"]),
)
def test_non_contiguous_inputs(shape, data, op):
    """Ops give the same values and gradients on permuted (non-contiguous) views."""
    order = data.draw(st.permutations(range(len(shape))))
    base = np.random.default_rng(0).standard_normal(shape)
    view = base.transpose(order)  # a non-contiguous layout of the same numbers
    ops = {
        "exp": lambda t: t.exp(),
        "tanh": lambda t: t.tanh(),
        "sigmoid": lambda t: t.sigmoid(),
        "softmax": lambda t: t.softmax(-1),
        "log_softmax": lambda t: t.log_softmax(0),
        "sum1": lambda t: t.sum(1),
        "matmul": lambda t: t @ t.transpose(-1, -2),
    }
    fn = ops[op]
    with dl.use_kernels("accelerated"):
        strided = fn(dl.Tensor._wrap(view)).numpy()
        contiguous = fn(dl.tensor(np.ascontiguousarray(view))).numpy()
    np.testing.assert_allclose(strided, contiguous, rtol=1e-12, atol=1e-12)
    leaf = dl.Tensor._wrap(view.copy(order="F")).requires_grad_()
    assert dl.gradcheck(fn, (leaf,))
