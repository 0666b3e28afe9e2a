"""Every row of the op table (tests/op_table.py), checked for: forward == NumPy reference;
float64 gradcheck with a random upstream gradient on both kernel sets; inputs not mutated; leaf
gradients not aliased; the graph freed after backward; and, when PyTorch is installed, forward
and gradients equal to PyTorch's.
"""
import numpy as np
import pytest
from op_table import CASES, make_inputs

import minidl as dl


def leaves(arrays):
    return [dl.tensor(a, dtype=dl.float64, requires_grad=True) for a in arrays]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_forward_matches_numpy(case, kernels):
    arrays = make_inputs(case)
    out = case.fn(dl, *leaves(arrays))
    np.testing.assert_allclose(out.numpy(), case.ref(*arrays), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_gradcheck(case, kernels):
    inputs = leaves(make_inputs(case, seed=1))
    assert dl.gradcheck(lambda *xs: case.fn(dl, *xs), inputs)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_invariants(case):
    """Inputs are not mutated, gradients are not aliased, the graph is freed after backward."""
    arrays = make_inputs(case, seed=2)
    inputs = leaves(arrays)
    out = case.fn(dl, *inputs)
    node = out.grad_fn
    out.backward(dl.ones_like(out))
    for x, original in zip(inputs, arrays):
        np.testing.assert_array_equal(x.numpy(), original)
        assert x.grad is not None and x.grad.shape == x.shape and x.grad.dtype == x.dtype
    grads = [x.grad._data for x in inputs]
    for i, g in enumerate(grads):
        assert g.flags.writeable
        for other in [x._data for x in inputs] + grads[i + 1 :]:
            assert not np.shares_memory(g, other)
    assert node.freed
    with pytest.raises(RuntimeError, match="second time"):
        out.backward(dl.ones_like(out))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_matches_pytorch(case):
    torch = pytest.importorskip("torch")
    arrays = make_inputs(case, seed=3)
    ours = leaves(arrays)
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, expected = case.fn(dl, *ours), case.fn(torch, *theirs)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    upstream = np.random.default_rng(4).standard_normal(out.shape)
    out.backward(dl.tensor(upstream))
    expected.backward(torch.tensor(upstream))
    for x, y in zip(ours, theirs):
        np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 5, 7])
def test_distinct_inputs_have_no_ties_in_value_or_magnitude(seed):
    """Ops with kinks at ties (max, sort, the p = inf norm of |x|) are gradchecked on these."""
    for case in (c for c in CASES if c.domain == "distinct"):
        magnitudes = np.concatenate([np.abs(a).ravel() for a in make_inputs(case, seed)])
        gaps = np.diff(np.sort(magnitudes))
        assert gaps.min() > 1e-3 and magnitudes.min() > 0.05, case.name
