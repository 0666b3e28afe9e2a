"""In-place ops: storage shared by aliases, version counters, in-place ops in the graph."""
import numpy as np
import pytest

import minidl as dl
import minidl.nn.functional as F
import minidl.ops as ops

# (method, extra arguments, input domain) for the in-place twins checked by gradcheck
INPLACE_OPS = [
    ("add_", (2.5,), "any"),
    ("sub_", (1.5,), "any"),
    ("mul_", (3.0,), "any"),
    ("div_", (4.0,), "any"),
    ("pow_", (2,), "any"),
    ("neg_", (), "any"),
    ("abs_", (), "nonzero"),
    ("sqrt_", (), "positive"),
    ("exp_", (), "any"),
    ("log_", (), "positive"),
    ("tanh_", (), "any"),
    ("sigmoid_", (), "any"),
    ("relu_", (), "nonzero"),
    ("clamp_", (-0.5, 0.5), "nonzero"),
]


def _values(domain, shape, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    if domain == "positive":
        return np.abs(x) + 0.5
    if domain == "nonzero":  # away from kinks (0 for abs/relu, +-0.5 for the clamp above)
        return np.sign(x) * (np.abs(x) % 0.4 + 0.05) + np.where(np.abs(x) > 1, np.sign(x), 0)
    return x


# ---- aliasing: the repros -------------------------------------------------------------
def test_iadd_mutates_the_storage_that_an_alias_sees():
    a = dl.ones(3)
    b = a
    a += 1
    assert b.tolist() == [2.0, 2.0, 2.0] and b is a


def test_views_and_detach_see_in_place_writes_both_ways():
    a = dl.zeros(2, 3)
    row, flat, detached = a[0], a.reshape(6), a.detach()
    a.add_(1)
    assert row.tolist() == [1.0, 1.0, 1.0] and flat.tolist() == [1.0] * 6
    row.mul_(5)
    detached[1] = 7.0
    assert a.tolist() == [[5.0, 5.0, 5.0], [7.0, 7.0, 7.0]]


def test_manual_sgd_step_under_no_grad_changes_the_weights():
    p = dl.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (p * p).sum().backward()
    with dl.no_grad():
        p -= 0.1 * p.grad
    np.testing.assert_allclose(p.numpy(), [0.8, 1.6, 2.4], rtol=1e-6)
    assert p.is_leaf and p.requires_grad


def test_data_plus_equals_updates_the_parameter():
    p = dl.tensor([1.0, 2.0], requires_grad=True)
    (p * 3).sum().backward()
    p.data += -0.5 * p.grad
    np.testing.assert_allclose(p.numpy(), [-0.5, 0.5])
    p.data.add_(p.grad, alpha=0.5)
    np.testing.assert_allclose(p.numpy(), [1.0, 2.0])


def test_operators_and_methods_return_the_same_tensor():
    t = dl.ones(2)
    for method, args in [("add_", (1,)), ("sub_", (1,)), ("mul_", (2,)), ("div_", (2,)),
                         ("pow_", (2,)), ("zero_", ()), ("fill_", (3,)), ("clamp_", (0, 1))]:
        assert getattr(t, method)(*args) is t
    t2 = t
    t2 *= 4
    t2 /= 2
    t2 **= 2
    t2 -= 1
    assert t2 is t and t.tolist() == [3.0, 3.0]


def test_add_and_sub_with_alpha():
    t = dl.tensor([1.0, 1.0])
    t.add_(dl.tensor([1.0, 2.0]), alpha=3)
    assert t.tolist() == [4.0, 7.0]
    t.sub_(dl.tensor([1.0, 1.0]), alpha=2)
    assert t.tolist() == [2.0, 5.0]


def test_in_place_result_must_fit_the_tensor():
    t = dl.zeros(3)
    with pytest.raises(RuntimeError, match=r"add_: output with shape \(3,\) doesn't match the "
                                           r"broadcast shape \(2, 3\)"):
        t.add_(dl.ones(2, 3))
    i = dl.tensor([1, 2])
    with pytest.raises(RuntimeError, match="result type float32 can't be cast to the desired "
                                           "output type int64"):
        i += 1.5
    i += 2
    assert i.tolist() == [3, 4]


def test_writing_into_an_expanded_view_is_refused():
    e = dl.ones(3).expand(2, 3)
    with pytest.raises(RuntimeError, match="more than one element.*clone"):
        e.add_(1)


def test_copy_broadcasts_and_casts():
    t = dl.zeros(2, 3)
    t.copy_(dl.tensor([1, 2, 3]))
    assert t.dtype == dl.float32 and t.tolist() == [[1.0, 2.0, 3.0]] * 2
    i = dl.zeros(2, dtype=dl.int64)
    i.copy_(dl.tensor([1.7, -2.2]))
    assert i.tolist() == [1, -2]
    with pytest.raises(RuntimeError, match=r"copy_: the source of shape \(2,\) cannot be"):
        t.copy_(dl.ones(2))


def test_fill_zero_masked_fill_clamp():
    t = dl.tensor([-2.0, 0.5, 3.0])
    t.clamp_(-1, 1)
    assert t.tolist() == [-1.0, 0.5, 1.0]
    t.masked_fill_(t > 0, 9.0)
    assert t.tolist() == [-1.0, 9.0, 9.0]
    t.fill_(dl.tensor(4.0))
    assert t.tolist() == [4.0, 4.0, 4.0]
    t.zero_()
    assert t.tolist() == [0.0, 0.0, 0.0]


def test_uniform_and_normal_fill_from_the_seeded_generator():
    dl.manual_seed(0)
    t = dl.zeros(10_000)
    t.uniform_(-2.0, 3.0)
    values = t.numpy().copy()
    assert values.min() >= -2.0 and values.max() <= 3.0 and abs(values.mean() - 0.5) < 0.1
    t.normal_(1.0, 0.5)
    assert abs(t.numpy().mean() - 1.0) < 0.05 and abs(t.numpy().std() - 0.5) < 0.05
    dl.manual_seed(0)
    again = dl.zeros(10_000).uniform_(-2.0, 3.0)
    np.testing.assert_array_equal(again.numpy(), values)


def test_nn_init_works_in_place_on_parameters():
    import minidl.nn as nn

    layer = nn.Linear(4, 3)
    weight = layer.weight
    alias = weight.detach()
    nn.init.zeros_(weight)
    assert layer.weight is weight and alias.tolist() == [[0.0] * 4] * 3
    nn.init.uniform_(weight, 1.0, 2.0)
    assert 1.0 <= alias.numpy().min() and alias.numpy().max() <= 2.0


# ---- version counters -------------------------------------------------------------------------
def test_version_counts_writes_and_is_shared_by_views_and_detach_but_not_data():
    a = dl.zeros(4)
    view, detached, data = a[1:], a.detach(), a.data
    assert a._version == 0
    a.add_(1)
    view.mul_(2)
    detached[0] = 3.0
    assert a._version == view._version == detached._version == 3
    assert data._version == 0  # .data has its own counter, as in PyTorch
    data.add_(1)
    assert a._version == 3 and data._version == 1


def test_modify_after_save_is_an_error_not_a_wrong_gradient():
    # Repro of issue 11: gave w.grad = [100, 1, 1] without a word.
    w = dl.tensor([1.0, 1.0, 1.0], requires_grad=True)
    a = dl.tensor([1.0, 1.0, 1.0])
    y = (w * a).sum()
    a[0] = 100
    with pytest.raises(RuntimeError, match="modified by an inplace operation: input 1 of "
                                           "MulBackward"):
        y.backward()


def test_an_unsaved_input_may_change():
    w = dl.tensor([1.0, 2.0], requires_grad=True)
    b = dl.tensor([5.0, 5.0])
    y = (w + b).sum()  # add saves nothing
    b.zero_()
    y.backward()
    np.testing.assert_allclose(w.grad.numpy(), [1.0, 1.0])


def test_updating_a_parameter_between_forward_and_backward_is_an_error():
    w = dl.tensor([1.0, 2.0], requires_grad=True)
    x = dl.tensor([3.0, 4.0], requires_grad=True)
    y = (w * x).sum()
    with dl.no_grad():
        w -= 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


@pytest.mark.parametrize("where", ["embedding", "cross_entropy", "getitem"])
def test_changing_an_index_tensor_after_forward_never_reaches_a_kernel(kernels, where):
    # Repro of issue 11: the accelerated scatter wrote out of bounds (segfault, heap corruption).
    weight = dl.randn(5, 3, requires_grad=True)
    index = dl.tensor([0, 1, 2])
    if where == "embedding":
        loss = F.embedding(index, weight).sum()
    elif where == "cross_entropy":
        loss = F.cross_entropy(weight[:3], index)
    else:
        loss = weight[index].sum()
    index[0] = 1_000_000
    if where == "getitem":
        loss.backward()  # getitem keeps its own copy of the index: the gradient is right
        expected = np.zeros((5, 3))
        expected[[0, 1, 2]] = 1
        np.testing.assert_allclose(weight.grad.numpy(), expected)
    else:
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            loss.backward()


# ---- in-place ops inside the graph ------------------------------------------------------------
def test_in_place_on_a_leaf_that_requires_grad_is_pytorchs_error():
    w = dl.ones(3, requires_grad=True)
    for write in (lambda: w.add_(1), lambda: w.__iadd__(1), lambda: w.zero_(),
                  lambda: w.__setitem__(0, 2.0)):
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being "
                                               "used in an in-place operation"):
            write()
    assert w.tolist() == [1.0, 1.0, 1.0] and w._version == 0


def test_in_place_on_a_view_of_a_tensor_requiring_grad_is_a_clear_error():
    x = dl.ones(4, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="view.*deliberate difference"):
        y[1:].mul_(3)
    with pytest.raises(RuntimeError, match="view.*deliberate difference"):
        y.reshape(2, 2)[0] = 1.0


def test_a_view_taken_before_an_in_place_write_in_the_graph_is_refused_at_backward():
    x = dl.ones(4, requires_grad=True)
    y = x * 2
    view = y[:2]
    y.mul_(3)
    with pytest.raises(RuntimeError, match="view.*deliberate difference"):
        view.sum().backward()


def test_in_place_on_a_non_leaf_takes_over_its_history():
    x = dl.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y.add_(1)
    y.mul_(3)
    assert y.grad_fn.name() == "MulBackward" and not y.is_leaf
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0, 6.0])


def test_an_op_recorded_before_an_in_place_write_gets_the_old_history():
    x = dl.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    z = y * 3  # uses y before the write: its gradient must not pass through mul_
    y.mul_(5)
    (z + y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [16.0, 16.0, 16.0])  # 3*2 + 5*2


def test_a_tensor_combined_with_itself_in_place():
    x = dl.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y += y  # reads the old values twice
    (y * y).sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), [6.0, 12.0])
    np.testing.assert_allclose(x.grad.numpy(), 2 * 6 * np.array([6.0, 12.0]))
    z = x * 3
    z.mul_(z)  # mul keeps its argument z for backward, and the write changes it: as PyTorch
    with pytest.raises(RuntimeError, match="modified by an inplace operation: .* of MulBackward"):
        z.sum().backward()


def test_in_place_write_of_a_saved_output_is_pytorchs_error():
    x = dl.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()  # exp's backward reads its output
    y.add_(1)
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation \(by add_\): "
                                           "output 0 of ExpBackward"):
        y.sum().backward()


def test_in_place_on_a_tensor_not_requiring_grad_with_an_argument_that_does():
    w = dl.tensor([1.0, 2.0], requires_grad=True)
    acc = dl.zeros(2)
    acc.add_(w * w)
    acc.mul_(w)
    assert acc.requires_grad and not acc.is_leaf
    acc.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), 3 * np.array([1.0, 4.0]))


def test_copy_and_fill_in_the_graph():
    x = dl.tensor([1.0, 2.0], requires_grad=True)
    src = dl.tensor([3.0], dtype=dl.float64, requires_grad=True)
    y = x * 2
    y.copy_(src)  # y's old values get no gradient; src gets one per element it filled
    (y * dl.tensor([1.0, 5.0])).sum().backward()
    np.testing.assert_allclose(src.grad.numpy(), [6.0])
    assert x.grad is None or np.all(x.grad.numpy() == 0)
    x.grad = None
    y = x * 2
    y.zero_()
    (y + x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0])


@pytest.mark.parametrize("method, args, domain", INPLACE_OPS, ids=[op[0] for op in INPLACE_OPS])
def test_gradcheck_of_in_place_ops_in_the_graph(kernels, method, args, domain):
    x = dl.tensor(_values(domain, (3, 4)), dtype=dl.float64, requires_grad=True)

    def f(x):
        y = x * 1.0  # a non-leaf to write into
        return getattr(y, method)(*args) * 2

    assert dl.gradcheck(f, (x,))
    with dl.no_grad():  # and the values equal the out-of-place op's
        expected = getattr(ops, method[:-1])(x, *args).numpy()
        np.testing.assert_allclose(getattr(x.detach() * 1.0, method)(*args).numpy(), expected)


def test_gradcheck_of_in_place_ops_with_a_tensor_argument(kernels):
    x = dl.tensor(_values("any", (2, 3), 1), dtype=dl.float64, requires_grad=True)
    other = dl.tensor(_values("positive", (3,), 2), dtype=dl.float64, requires_grad=True)
    mask = dl.tensor([[True, False, True], [False, False, True]])

    def f(x, other):
        y = x * 1.0
        y.mul_(other)
        y.add_(other, alpha=-2.0)
        y.div_(other)
        y.sub_(x)
        y.masked_fill_(mask, 0.5)
        return y

    assert dl.gradcheck(f, (x, other))


def test_gradcheck_of_setitem_on_a_non_leaf(kernels):
    x = dl.tensor(_values("any", (3, 4), 3), dtype=dl.float64, requires_grad=True)
    v = dl.tensor(_values("any", (4,), 4), dtype=dl.float64, requires_grad=True)

    def f(x, v):
        y = x * 1.0
        y[1] = v * 3
        y[dl.tensor([0, 2]), 1:3] = v[:2]
        y[0, 0] = 7.0
        return y

    assert dl.gradcheck(f, (x, v))


def test_setitem_in_the_graph_matches_pytorch():
    torch = pytest.importorskip("torch")
    data = _values("any", (3, 4), 5).astype(np.float32)
    grads = []
    for lib in (dl, torch):
        x = lib.tensor(data, requires_grad=True)
        v = lib.tensor(data[0], requires_grad=True)
        y = x * 2
        y[1:] = v
        y[0, 1] = 0.0
        (y * y).sum().backward()
        grads.append((x.grad.numpy().copy(), v.grad.numpy().copy(), y.detach().numpy().copy()))
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_in_place_chain_matches_pytorch():
    torch = pytest.importorskip("torch")
    data = _values("positive", (2, 3), 6).astype(np.float32)
    results = []
    for lib in (dl, torch):
        x = lib.tensor(data, requires_grad=True)
        w = lib.tensor(data[0] + 1, requires_grad=True)
        y = x * 2
        z = y * 3
        y.mul_(w)
        y.clamp_(0.5, 4.0)
        y += z
        y.log_()
        y.abs_()
        y.pow_(2)
        y.sigmoid_()  # last: PyTorch refuses to change the output that sigmoid_ saved
        y.sum().backward()
        results.append((x.grad.numpy().copy(), w.grad.numpy().copy(), y.detach().numpy().copy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6)
