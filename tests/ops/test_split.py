"""split / chunk / unbind: one op with an output per piece (autograd.MultiOutputFunction).

The pieces are views of the input (sharing its version counter); backward runs the op's
backward once, with every piece's gradient, and writes them into one gradient of the input.
"""
import numpy as np
import pytest

import minidl as dl
from minidl.ops import rearrange
from minidl.viz import node_gradients

rng = np.random.default_rng(0)

# (shape, how to cut it): split_size int (last piece shorter), sizes, negative dims, chunk, unbind
CUTS = [
    ((4, 7), ("split", 3, 1)),
    ((4, 7), ("split", [2, 0, 5], -1)),
    ((6, 2, 3), ("split", 6, 0)),
    ((5, 3), ("split", 10, 0)),
    ((2, 9, 3), ("chunk", 4, -2)),
    ((2, 5), ("chunk", 7, 1)),
    ((3, 4, 2), ("unbind", 1)),
    ((3, 4), ("unbind", -2)),
]


def cut(lib, x, how):
    name, *args = how
    return getattr(lib, name)(x, *args)


@pytest.mark.parametrize("shape, how", CUTS)
def test_pieces_and_gradient_match_pytorch(shape, how):
    torch = pytest.importorskip("torch")
    x0 = rng.standard_normal(shape)
    x, tx = dl.tensor(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    pieces, tpieces = cut(dl, x, how), cut(torch, tx, how)
    assert [p.shape for p in pieces] == [tuple(p.shape) for p in tpieces]
    for p, tp in zip(pieces, tpieces):
        np.testing.assert_array_equal(p.numpy(), tp.detach().numpy())
    # every other piece takes part in the loss: the others get no gradient (zeros in x.grad)
    weights = [rng.standard_normal(tuple(p.shape)) for p in tpieces]
    loss = sum((p * dl.tensor(w)).sum() for p, w in list(zip(pieces, weights))[::2])
    tloss = sum((p * torch.tensor(w)).sum() for p, w in list(zip(tpieces, weights))[::2])
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize("shape, how", CUTS)
def test_gradcheck(kernels, shape, how):
    x = dl.tensor(rng.standard_normal(shape), requires_grad=True)
    assert dl.gradcheck(lambda t: cut(dl, t * 1.5, how), [x])


def test_tensor_methods_and_torch_style_functions_agree():
    x = dl.randn(4, 6)
    for a, b in [(x.split(4, 1), dl.split(x, 4, dim=1)), (x.chunk(3, 1), dl.chunk(x, 3, dim=1)),
                 (x.unbind(0), dl.unbind(x, 0))]:
        assert [p.shape for p in a] == [p.shape for p in b]
        for p, q in zip(a, b):
            np.testing.assert_array_equal(p.numpy(), q.numpy())


def test_backward_runs_the_op_once_with_every_pieces_gradient(monkeypatch):
    calls = []
    backward = rearrange.Split.backward

    def counting(ctx, grads):
        calls.append([None if g is None else g.shape for g in grads])
        return backward(ctx, grads)

    monkeypatch.setattr(rearrange.Split, "backward", staticmethod(counting))
    x = dl.randn(2, 3, 9, requires_grad=True)
    q, k, v = x.split(3, dim=2)
    (q * k).sum().backward()  # v gets no gradient: its part of x.grad is 0
    assert calls == [[(2, 3, 3), (2, 3, 3), None]]
    expected = np.concatenate([k.numpy(), q.numpy(), np.zeros((2, 3, 3))], axis=2)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6)


def test_a_piece_used_twice_and_hooks_on_pieces():
    x = dl.randn(2, 4, requires_grad=True)
    a, b = x.unbind(0)
    seen = []
    b.register_hook(lambda g: seen.append(g.numpy().copy()) or g * 10)
    (a * 2 + a * 3 + b).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[5] * 4, [10] * 4])
    np.testing.assert_allclose(seen, [[1] * 4])


def test_retain_graph_and_a_second_backward_through_a_freed_graph():
    x = dl.randn(3, 4, requires_grad=True)
    first, second = x.chunk(2, dim=1)
    loss = (first * second).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.concatenate(
        [second.numpy(), first.numpy()], axis=1), rtol=1e-6)
    with pytest.raises(RuntimeError, match="second time"):
        loss.backward()


def test_grad_fn_names_the_op():
    x = dl.randn(2, 3, requires_grad=True)
    assert x.split(1, 1)[0].grad_fn.name() == "SplitBackward"
    assert x.unbind(1)[2].grad_fn.name() == "UnbindBackward"
    with dl.no_grad():
        assert all(p.grad_fn is None and not p.requires_grad for p in x.split(2, 1))
    assert all(p.grad_fn is None for p in dl.arange(6).split(2))  # integers: no gradient


def test_pieces_are_views_sharing_the_version_counter():
    x = dl.zeros(2, 6)
    a, b = x.split([2, 4], dim=1)
    assert np.shares_memory(a.numpy(), x.numpy()) and np.shares_memory(b.numpy(), x.numpy())
    b.add_(1)
    assert x._version == a._version == b._version == 1
    np.testing.assert_array_equal(x.numpy(), [[0, 0, 1, 1, 1, 1]] * 2)
    x.mul_(3)
    assert b._version == 2
    rows = x.unbind(0)
    rows[1].zero_()
    assert x._version == rows[0]._version == 3


def test_in_place_write_to_a_piece_of_a_graph_is_refused_as_for_any_view():
    x = dl.randn(2, 6, requires_grad=True)
    a, _ = (x * 1).split(3, dim=1)
    with pytest.raises(RuntimeError, match="view"):
        a.add_(1)


def test_backward_refuses_a_piece_changed_in_place_after_a_saving_op_used_it():
    x = dl.randn(2, 6, requires_grad=True)
    y = x * 1
    a, b = y.split(3, dim=1)
    loss = (a.exp() * b).sum()  # exp saves its output, not a
    with dl.no_grad():
        y.mul_(2)  # a write to the storage the pieces view (and that Mul saved: b)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


@pytest.mark.parametrize("args, message", [
    ((0, 1), r"split: split_size must be positive.*got 0 for dimension 1 of shape \(2, 5\)"),
    ((-2, 1), r"split: split_size must be positive.*got -2"),
    (([2, 2], 1), r"split: sizes \[2, 2\] sum to 4, but dimension 1 of shape \(2, 5\) has 5"),
    (([-1, 6], 1), r"split: sizes \[-1, 6\] must not be negative .*shape \(2, 5\)"),
])
def test_bad_sizes_are_runtime_errors_naming_the_op_and_shape(args, message):
    with pytest.raises(RuntimeError, match=message):
        dl.randn(2, 5).split(*args)


def test_bad_dims_and_chunks():
    with pytest.raises(IndexError, match="split: dim 2 is out of range"):
        dl.randn(2, 5).split(1, 2)
    with pytest.raises(IndexError, match="unbind: dim -3 is out of range"):
        dl.randn(2, 5).unbind(-3)
    with pytest.raises(RuntimeError, match="chunk: chunks must be positive, got 0"):
        dl.randn(2, 5).chunk(0)


def test_zero_split_size_of_an_empty_dimension_is_one_empty_piece():
    torch = pytest.importorskip("torch")
    assert [p.shape for p in dl.zeros(0, 3).split(0)] == [
        tuple(p.shape) for p in torch.zeros(0, 3).split(0)]


def test_draw_graph_gradients_through_a_split():
    x = dl.randn(2, 6, requires_grad=True)
    a, b, c = x.split(2, dim=1)
    loss = (a * b).sum() + c.exp().sum()
    grads = node_gradients(loss)
    loss.backward()
    np.testing.assert_allclose(grads[id(x)], x.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(grads[id(c)], np.exp(c.numpy()), rtol=1e-6)


def test_pieces_of_a_non_contiguous_tensor(kernels):
    base = dl.tensor(rng.standard_normal((5, 4, 3)), requires_grad=True)
    x = base.permute(2, 0, 1)  # (3, 5, 4), not C-ordered
    pieces = x.split([1, 3], dim=-1)
    np.testing.assert_array_equal(pieces[1].numpy(), x.numpy()[..., 1:])
    assert pieces[1]._version_counter is x._version_counter
    assert dl.gradcheck(lambda t: t.permute(2, 0, 1).split([1, 3], dim=-1), [base])


def test_unbind_of_a_vector_gives_zero_dimensional_views():
    x = dl.tensor([1.0, 2.0, 3.0], requires_grad=True)
    pieces = x.unbind()
    assert [p.shape for p in pieces] == [(), (), ()]
    assert all(np.shares_memory(p.numpy(), x.numpy()) for p in pieces)
    (pieces[0] * 4 + pieces[2]).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4, 0, 1])
