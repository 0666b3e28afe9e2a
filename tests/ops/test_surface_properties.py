"""Property tests of the issue-13 reductions, scans and rearrangements over random shapes, axes
and permuted (non-contiguous) layouts: forward and gradient equal to PyTorch's, and a float64
gradcheck."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minidl as dl

torch = pytest.importorskip("torch")

SETTINGS = settings(max_examples=25, deadline=None)

# name -> fn(lib, x, dim, keepdim); every value distinct, so max/median/sort have no ties
REDUCTIONS = {
    "sum": lambda lib, x, d, k: x.sum(d, keepdim=k),
    "mean": lambda lib, x, d, k: x.mean(d, keepdim=k),
    "var": lambda lib, x, d, k: x.var(d, keepdim=k, correction=0),
    "std": lambda lib, x, d, k: x.std(d, keepdim=k),
    "prod": lambda lib, x, d, k: x.prod(d, keepdim=k),
    "logsumexp": lambda lib, x, d, k: x.logsumexp(d, keepdim=k),
    "max": lambda lib, x, d, k: x.max(d, keepdim=k).values,
    "min": lambda lib, x, d, k: x.min(d, keepdim=k).values,
    "median": lambda lib, x, d, k: x.median(d, keepdim=k).values,
    "norm": lambda lib, x, d, k: x.norm(dim=d, keepdim=k),
    "cumsum": lambda lib, x, d, k: x.cumsum(d),
    "cumprod": lambda lib, x, d, k: x.cumprod(d),
    "sort": lambda lib, x, d, k: x.sort(d, descending=k).values,
    "topk": lambda lib, x, d, k: x.topk(1, d, largest=k).values,
    "flip": lambda lib, x, d, k: x.flip(d),
    "roll": lambda lib, x, d, k: x.roll(2, d),
    "chunk": lambda lib, x, d, k: x.chunk(2, d)[-1],
    "repeat_interleave": lambda lib, x, d, k: x.repeat_interleave(2, d),
}


@SETTINGS
@given(
    shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4),  # std needs 2
    op=st.sampled_from(sorted(REDUCTIONS)),
    data=st.data(),
)
def test_dim_ops_match_pytorch_on_any_shape_axis_and_layout(shape, op, data):
    ndim = len(shape)
    dim = data.draw(st.integers(-ndim, ndim - 1), label="dim")
    keepdim = data.draw(st.booleans(), label="keepdim")
    order = data.draw(st.permutations(range(ndim)), label="layout")
    values = np.random.default_rng(data.draw(st.integers(0, 2**16))).permutation(
        np.linspace(0.5, 1.5, int(np.prod(shape)))
    ).reshape(shape)
    values = values.transpose(order)  # a permuted, non-contiguous layout
    fn = REDUCTIONS[op]
    ours, theirs = dl.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    out, expected = fn(dl, ours.permute(*order), dim, keepdim), fn(torch, theirs.permute(*order), dim, keepdim)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    upstream = np.random.default_rng(0).standard_normal(out.shape)
    out.backward(dl.tensor(upstream))
    expected.backward(torch.tensor(upstream))
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-9, atol=1e-12)
    assert dl.gradcheck(lambda x: fn(dl, x.permute(*order), dim, keepdim),
                        [dl.tensor(values, requires_grad=True)])


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), data=st.data())
def test_gather_scatter_add_and_index_select_match_pytorch_on_random_indices(shape, data):
    ndim = len(shape)
    dim = data.draw(st.integers(-ndim, ndim - 1), label="dim")
    index_shape = tuple(  # at most the input's size, except along dim
        data.draw(st.integers(1, n + 1 if d == dim % ndim else n)) for d, n in enumerate(shape)
    )
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    values = rng.standard_normal(shape)
    index = rng.integers(0, shape[dim], index_shape)
    src = rng.standard_normal(index_shape)
    chosen = rng.integers(0, shape[dim], data.draw(st.integers(0, 5)))
    cases = [
        lambda lib, x, s: x.gather(dim, lib.tensor(index)),
        lambda lib, x, s: x.scatter_add(dim, lib.tensor(index), s),
        lambda lib, x, s: x.index_select(dim, lib.tensor(chosen)),
    ]
    for fn in cases:
        ours = [dl.tensor(values, requires_grad=True), dl.tensor(src, requires_grad=True)]
        theirs = [torch.tensor(values, requires_grad=True), torch.tensor(src, requires_grad=True)]
        out, expected = fn(dl, *ours), fn(torch, *theirs)
        np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-12)
        upstream = rng.standard_normal(out.shape)
        out.backward(dl.tensor(upstream))
        expected.backward(torch.tensor(upstream))
        for a, b in zip(ours, theirs):
            if b.grad is not None:
                np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, atol=1e-14)
