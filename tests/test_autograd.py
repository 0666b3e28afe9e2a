"""The engine: graph recording, backward order, accumulation, grad modes, freeing the graph."""
import numpy as np
import pytest

import minidl as dl
import minidl.nn as nn
import minidl.optim as optim
from minidl.autograd import reduce_broadcast_grad


def test_chain_rule_on_a_small_graph():
    # z = (x * y + x) ** 2  ->  dz/dx = 2 (xy + x)(y + 1),  dz/dy = 2 (xy + x) x
    x = dl.tensor(2.0, requires_grad=True)
    y = dl.tensor(3.0, requires_grad=True)
    z = (x * y + x) ** 2
    z.backward()
    assert x.grad.item() == pytest.approx(2 * 8 * 4)
    assert y.grad.item() == pytest.approx(2 * 8 * 2)


def test_gradients_accumulate_across_backward_calls():
    x = dl.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0])


def test_a_tensor_used_twice_gets_both_gradients():
    x = dl.tensor([1.0, -2.0], requires_grad=True)
    (x * x + x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, -3.0])


def test_ten_thousand_op_chain_backpropagates_without_recursion():
    x = dl.tensor([1.0], dtype=dl.float64, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.sum().backward()
    assert x.grad.item() == pytest.approx(1.0001**10_000)


def test_retain_graph_allows_a_second_backward():
    x = dl.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * np.exp([1.0, 2.0]), rtol=1e-6)


def test_second_backward_through_a_freed_graph_is_a_clear_error():
    x = dl.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        y.backward()


def test_backward_frees_saved_arrays():
    x = dl.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    node = y.grad_fn
    assert hasattr(node, "a")
    y.sum().backward()
    assert node.freed and not hasattr(node, "a")


def test_non_scalar_backward_needs_a_gradient():
    x = dl.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"one-element tensor, got shape \(2, 3\)"):
        (x * 2).backward()
    (x * 2).backward(dl.ones(2, 3))
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 3), 2.0))


def test_gradient_of_wrong_shape_is_rejected():
    x = dl.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"gradient has shape \(3,\)"):
        (x * 2).backward(dl.ones(3))


def test_backward_on_a_tensor_without_graph_is_a_clear_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        dl.ones(2).sum().backward()


def test_no_grad_records_nothing_and_restores_the_mode():
    x = dl.ones(2, requires_grad=True)
    with dl.no_grad():
        y = x * 2
        assert not dl.is_grad_enabled()
        with dl.enable_grad():
            z = x * 2
    assert dl.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None


def test_no_grad_as_a_decorator():
    @dl.no_grad()
    def double(t):
        return t * 2

    assert not double(dl.ones(2, requires_grad=True)).requires_grad
    assert dl.is_grad_enabled()


def test_detach_cuts_the_graph_and_shares_data():
    x = dl.ones(3, requires_grad=True)
    d = (x * 2).detach()
    assert not d.requires_grad and d.is_leaf
    y = (x * d).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0, 2.0])


def test_leaf_and_grad_fn():
    x = dl.ones(2, requires_grad=True)
    y = x * 2
    assert x.is_leaf and x.grad_fn is None
    assert not y.is_leaf and y.grad_fn.name() == "MulBackward"
    y.sum().backward()
    assert y.grad is None  # only leaves keep gradients, as in PyTorch


def test_broadcast_gradients_are_summed_to_the_input_shape():
    a = dl.ones(3, 1, requires_grad=True)
    b = dl.ones(4, requires_grad=True)
    (a * b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.full((3, 1), 4.0))
    np.testing.assert_allclose(b.grad.numpy(), np.full(4, 3.0))


def test_reduce_broadcast_grad():
    grad = np.ones((2, 3, 4))
    assert reduce_broadcast_grad(grad, (3, 1)).tolist() == [[8.0]] * 3
    assert reduce_broadcast_grad(grad, ()).item() == 24.0


def test_requires_grad_only_for_floating_point():
    with pytest.raises(RuntimeError, match="only floating-point.*int64"):
        dl.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="only floating-point"):
        dl.arange(3).requires_grad_()


def test_integer_results_do_not_require_grad():
    x = dl.randn(3, 4, requires_grad=True)
    assert not x.argmax(1).requires_grad
    assert not (x > 0).requires_grad


def test_leaf_gradients_are_fresh_arrays():
    x = dl.ones(3, requires_grad=True)
    y = dl.ones(3, requires_grad=True)
    (x + y).sum().backward()
    assert not np.shares_memory(x.grad.numpy(), y.grad.numpy())


def test_leaf_gradients_never_alias_each_other_or_the_seed():
    """The engine keeps a backward's own array as .grad without copying it, but never one that
    something else holds: writing into one .grad (as optimizers and zero_grad do) must not
    change another tensor. Cases (add handing one array to both inputs is the test above): a
    view (reshape) of another leaf's gradient; the caller's gradient reaching a leaf unchanged."""
    c = dl.randn(2, 3, requires_grad=True)
    d = dl.randn(6, requires_grad=True)
    ((c.reshape(6) + d) * 2).sum().backward()  # d gets mul's fresh array, c a view of it
    assert not np.shares_memory(c.grad.numpy(), d.grad.numpy())
    d.grad._data[...] = 7
    np.testing.assert_array_equal(c.grad.numpy(), np.full((2, 3), 2.0))

    e = dl.randn(3, requires_grad=True)
    seed = dl.tensor([1.0, 2.0, 3.0])
    e.backward(seed)
    e.grad._data[...] = 0
    np.testing.assert_array_equal(seed.numpy(), [1.0, 2.0, 3.0])
    f = dl.randn(3, requires_grad=True)
    (f + 1).backward(seed)
    f.grad._data[...] = 0
    np.testing.assert_array_equal(seed.numpy(), [1.0, 2.0, 3.0])


def test_zero_grad_in_place_leaves_other_gradients_alone():
    first, second = nn.Linear(2, 2), nn.Linear(2, 2)
    x = dl.randn(4, 2)
    (first(x) + second(x)).sum().backward()
    expected = second.bias.grad.numpy().copy()
    optim.SGD(first.parameters(), lr=0.1).zero_grad(set_to_none=False)
    np.testing.assert_array_equal(second.bias.grad.numpy(), expected)


def test_slices_of_one_gradient_buffer_are_not_shared_between_leaves():
    """cat's backward hands each input a slice of one array; writing one leaf's gradient must
    leave the other's alone (the slices are disjoint, so both may be kept as they are)."""
    a, b = dl.randn(2, 3, requires_grad=True), dl.randn(4, 3, requires_grad=True)
    (dl.cat([a, b]) * 3).sum().backward()
    a.grad._data[...] = 0
    np.testing.assert_array_equal(b.grad.numpy(), np.full((4, 3), 3.0))


def test_a_leaf_grad_owns_its_memory():
    x = dl.randn(2, 3, requires_grad=True)
    (x.reshape(6) * 2).sum().backward()  # mul makes a fresh (6,) array; reshape views it
    assert x.grad._data.base is None  # the rule: a view is copied, an owner is kept as is
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 2.0))
    x.grad = None
    x.expand(4, 2, 3).sum().backward()  # a broadcast view: its elements share memory
    assert x.grad.numpy().flags.writeable and x.grad.numpy().flags.c_contiguous
    x.grad._data[0, 0] = 7
    np.testing.assert_array_equal(x.grad.numpy().ravel()[1:], np.full(5, 4.0))


def test_a_leaf_grad_never_shares_memory_with_what_backward_was_given_or_keeps():
    # the rule for keeping a backward's array as .grad without a copy (autograd._accumulate...)
    a = dl.ones(2, 3, requires_grad=True)
    b = dl.ones(2, 3, requires_grad=True)
    seed = dl.ones(2, 3)
    (a + b).backward(seed)  # add hands one array (the seed) to both
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    assert not np.shares_memory(a.grad.numpy(), seed.numpy())
    x = dl.ones(6, requires_grad=True)
    y = x.reshape(2, 3) * 2
    y.backward(seed, retain_graph=True)  # retained: a node may keep what it returned
    first = x.grad.numpy().copy()
    x.grad.zero_()
    y.backward(seed)
    np.testing.assert_allclose(x.grad.numpy(), first)
