"""PyTorch's tensor surface beyond the op table (tests/op_table.py covers forward, gradcheck and
parity of every differentiable op): index results, integer and bool results, creation,
counting, edge cases and errors, each compared with PyTorch when it is installed."""
import math

import numpy as np
import pytest

import minidl as dl
import minidl.nn.functional  # noqa: F401 (dl.nn.functional.one_hot below)


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def same(ours, theirs):
    """Our tensor (or tuple of tensors) equals PyTorch's, values and dtype name."""
    if isinstance(ours, tuple):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            same(a, b)
        return
    expected = theirs.numpy()
    assert ours.shape == tuple(theirs.shape)
    assert ours.dtype == expected.dtype, (ours.dtype, expected.dtype)
    np.testing.assert_allclose(ours.numpy(), expected, rtol=1e-6, atol=1e-7)


RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 5)).astype(np.float32)
TIES = np.array([[3, 1, 3, 2, 1], [0, 0, 5, 5, 5], [7, 7, 7, 7, 7]], dtype=np.float32)


@pytest.mark.parametrize("op", ["max", "min", "median"])
def test_values_and_indices_over_a_dim(op, torch):
    for dim, keepdim in [(0, False), (1, True), (-1, False)]:
        ours = getattr(dl.tensor(X), op)(dim, keepdim=keepdim)
        theirs = getattr(torch.tensor(X), op)(dim, keepdim=keepdim)
        same(ours.values, theirs.values)
        same(ours.indices, theirs.indices)
        assert ours[0] is ours.values and ours[1] is ours.indices
    same(getattr(dl.tensor(X), op)(), getattr(torch.tensor(X), op)())


def test_max_over_a_dim_sends_the_gradient_to_the_picked_element(torch):
    ours = dl.tensor(TIES[2:], requires_grad=True)
    theirs = torch.tensor(TIES[2:], requires_grad=True)
    ours.max(1).values.sum().backward()
    theirs.max(1).values.sum().backward()
    same(ours.grad, theirs.grad)


def test_mode_values_and_indices(torch):
    ours, theirs = dl.tensor(TIES).mode(1), torch.tensor(TIES).mode(1)
    same(ours.values, theirs.values)
    same(ours.indices, theirs.indices)
    same(dl.mode(dl.tensor(TIES), 0, keepdim=True).values, torch.mode(torch.tensor(TIES), 0, keepdim=True).values)


def test_max_of_two_tensors_is_maximum(torch):
    same(dl.max(dl.tensor(X), dl.tensor(-X)), torch.max(torch.tensor(X), torch.tensor(-X)))
    same(dl.min(dl.tensor(X), dl.tensor(-X)), torch.min(torch.tensor(X), torch.tensor(-X)))


def test_argmax_argmin_and_sort_indices(torch):
    x, t = dl.tensor(X), torch.tensor(X)
    same(x.argmax(1, keepdim=True), t.argmax(1, keepdim=True))
    same(x.argmin(), t.argmin())
    same(dl.argmin(x, dim=0), torch.argmin(t, dim=0))
    same(x.sort(0, descending=True), tuple(t.sort(0, descending=True)))
    same(x.argsort(1), t.argsort(1))
    same(dl.argsort(dl.tensor(TIES), dim=1, stable=True), torch.argsort(torch.tensor(TIES), dim=1, stable=True))
    same(x.topk(3, dim=0), tuple(t.topk(3, dim=0)))
    same(x.topk(2, largest=False).indices, t.topk(2, largest=False).indices)


def test_logical_reductions_and_counts(torch):
    b = X > 0
    for name in ("all", "any"):
        same(getattr(dl.tensor(b), name)(), getattr(torch.tensor(b), name)())
        same(getattr(dl, name)(dl.tensor(b), 1, keepdim=True), getattr(torch, name)(torch.tensor(b), 1, keepdim=True))
    same(dl.count_nonzero(dl.tensor(TIES)), torch.count_nonzero(torch.tensor(TIES)))
    same(dl.tensor(TIES).count_nonzero(dim=1), torch.tensor(TIES).count_nonzero(dim=1))


def test_integer_and_bool_reductions_and_dtype_argument(torch):
    ints = np.arange(12).reshape(3, 4).astype(np.int32)
    same(dl.tensor(ints).sum(axis=1), torch.tensor(ints).sum(dim=1))
    same(dl.tensor(ints > 4).sum(0), torch.tensor(ints > 4).sum(0))
    same(dl.tensor(ints).prod(1), torch.tensor(ints).prod(1))
    same(dl.tensor(ints).cumsum(0), torch.tensor(ints).cumsum(0))
    same(dl.tensor(X).sum(dtype=dl.float64), torch.tensor(X).sum(dtype=torch.float64))
    same(dl.tensor(ints).mean(1, dtype=dl.float32), torch.tensor(ints).mean(1, dtype=torch.float32))
    same(dl.tensor(ints).cumsum(1, dtype=dl.float64), torch.tensor(ints).cumsum(1, dtype=torch.float64))


def test_var_and_std_arguments(torch):
    x, t = dl.tensor(X), torch.tensor(X)
    same(x.var(1, True, True), t.var(1, True, True))
    same(x.std(dim=0, correction=0), t.std(dim=0, correction=0))
    same(dl.std(x, unbiased=False), torch.std(t, unbiased=False))
    same(x.var(axis=1, keepdims=True), t.var(1, keepdim=True))
    with pytest.raises(TypeError, match="either correction or unbiased"):
        x.var(correction=1, unbiased=True)


def test_prod_and_cumprod_gradients_with_zeros(torch, kernels):
    data = np.array([[2.0, 0.0, 3.0, -1.0], [0.0, 0.0, 4.0, 5.0], [1.5, 2.0, 0.5, 3.0]])
    for fn in (lambda lib, a: a.prod(1), lambda lib, a: a.prod(), lambda lib, a: lib.cumprod(a, 1),
               lambda lib, a: a.cumprod(0)):
        ours, theirs = dl.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
        upstream = np.random.default_rng(1).standard_normal(tuple(fn(torch, theirs).shape))
        fn(dl, ours).backward(dl.tensor(upstream))
        fn(torch, theirs).backward(torch.tensor(upstream))
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12, atol=1e-12)
        assert dl.gradcheck(lambda a: fn(dl, a), [dl.tensor(data, requires_grad=True)])


def test_logsumexp_of_infinite_rows_and_norm_of_zero(torch):
    data = np.array([[-np.inf, -np.inf], [0.0, -np.inf], [1.0, 2.0]])
    same(dl.tensor(data).logsumexp(1), torch.tensor(data).logsumexp(1))
    zero = dl.zeros(3, dtype=dl.float64, requires_grad=True)
    zero.norm().backward()
    np.testing.assert_array_equal(zero.grad.numpy(), [0.0, 0.0, 0.0])  # as PyTorch, not NaN
    same(dl.linalg.vector_norm(dl.tensor(X), 0), torch.linalg.vector_norm(torch.tensor(X), 0))


def test_pieces(torch):
    x, t = dl.tensor(X), torch.tensor(X)
    same(x.split(2, dim=1), t.split(2, dim=1))
    same(dl.split(x, [1, 3], 0), torch.split(t, [1, 3], 0))
    same(dl.arange(6).chunk(4), torch.arange(6).chunk(4))  # three pieces of 2, as PyTorch
    same(x.unbind(1), t.unbind(1))
    same(x.narrow(0, -2, 2), t.narrow(0, -2, 2))
    with pytest.raises(RuntimeError, match="split: sizes"):
        x.split([1, 1], 0)


def test_layout():
    x = dl.randn(3, 4)
    assert x.is_contiguous() and x.contiguous() is x
    assert not x.t().is_contiguous() and x.t().contiguous().is_contiguous()
    assert dl.t(dl.ones(3)).shape == (3,)
    with pytest.raises(RuntimeError, match="mT"):
        dl.ones(3).mT


def test_indexing_results(torch):
    m = X > 0
    same(dl.tensor(X).masked_select(dl.tensor(m)), torch.tensor(X).masked_select(torch.tensor(m)))
    same(dl.nonzero(dl.tensor(TIES)), torch.nonzero(torch.tensor(TIES)))
    same(dl.tensor(TIES).nonzero(as_tuple=True), torch.tensor(TIES).nonzero(as_tuple=True))
    same(dl.argwhere(dl.tensor(m)), torch.argwhere(torch.tensor(m)))
    same(dl.where(dl.tensor(m), 1.0, 0.0), torch.where(torch.tensor(m), 1.0, 0.0))
    same(dl.where(dl.tensor(m), dl.tensor(X), -1.0), torch.where(torch.tensor(m), torch.tensor(X), -1.0))
    same(dl.repeat_interleave(dl.tensor([2, 0, 1])), torch.repeat_interleave(torch.tensor([2, 0, 1])))
    same(dl.tensor(X).scatter(0, dl.tensor([[1, 0, 3, 2, 0]]), 9.0),
         torch.tensor(X).scatter(0, torch.tensor([[1, 0, 3, 2, 0]]), 9.0))
    with pytest.raises(IndexError, match="gather: index out of range"):
        dl.tensor(X).gather(1, dl.tensor([[5]]))


def test_zero_dim_tensors(torch):
    x = dl.tensor(2.5, requires_grad=True)
    assert x.squeeze(-1).shape == () and x.squeeze(0).shape == ()
    with pytest.raises(IndexError):
        x.squeeze(1)
    same(dl.tensor(2.5).softmax(-1), torch.tensor(2.5).softmax(-1))
    same(dl.tensor(2.5).log_softmax(0), torch.tensor(2.5).log_softmax(0))
    x.squeeze(-1).softmax(0).backward()
    assert x.grad.shape == ()


def test_gradient_of_zero_to_a_negative_power_is_minus_infinity(torch):
    ours = dl.tensor([-1.0, -0.5, 0.0, 2.0], requires_grad=True)
    theirs = torch.tensor([-1.0, -0.5, 0.0, 2.0], requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        (0.0**ours).sum().backward()
        (dl.zeros(4) ** ours).sum().backward()
    (0.0**theirs).sum().backward()
    (torch.zeros(4) ** theirs).sum().backward()
    same(ours.grad, theirs.grad)
    assert ours.grad[0].item() == -math.inf


def test_creation(torch):
    same(dl.linspace(-1, 1, 5), torch.linspace(-1, 1, 5))
    same(dl.logspace(0, 2, 3), torch.logspace(0, 2, 3))
    same(dl.logspace(0, 3, 4, base=2.0), torch.logspace(0, 3, 4, base=2.0))
    same(dl.arange(0, 1, 0.1), torch.arange(0, 1, 0.1))
    same(dl.arange(1.5, 4), torch.arange(1.5, 4))
    same(dl.eye(3), torch.eye(3))
    same(dl.eye(2, 4, dtype=dl.long), torch.eye(2, 4, dtype=torch.long))
    assert dl.empty(2, 3).shape == (2, 3) and dl.empty((4,), dtype=dl.int8).dtype == dl.int8
    like = dl.ones(2, 2, dtype=dl.float64)
    assert dl.empty_like(like).dtype == dl.float64 and dl.empty_like(like).shape == (2, 2)
    same(dl.full_like(like, 7), torch.full_like(torch.ones(2, 2, dtype=torch.float64), 7))
    ints = dl.randint_like(like, 3, 5)
    assert ints.dtype == dl.float64 and set(ints.numpy().ravel()) <= {3.0, 4.0}


def test_elementwise_tests_and_logic(torch):
    data = np.array([1.0, np.nan, np.inf, -np.inf, -0.0], dtype=np.float32)
    x, t = dl.tensor(data), torch.tensor(data)
    for name in ("isnan", "isinf", "isfinite"):
        same(getattr(x, name)(), getattr(t, name)())
    same(x.nan_to_num(), t.nan_to_num())
    same(dl.nan_to_num(x, nan=1.0, posinf=2.0, neginf=-2.0), torch.nan_to_num(t, nan=1.0, posinf=2.0, neginf=-2.0))
    a, b = dl.tensor([1.0, 2.0, np.nan]), dl.tensor([1.0 + 1e-7, 2.1, np.nan])
    ta, tb = torch.tensor([1.0, 2.0, np.nan]), torch.tensor([1.0 + 1e-7, 2.1, np.nan])
    same(dl.isclose(a, b), torch.isclose(ta, tb))
    same(a.isclose(b, equal_nan=True), ta.isclose(tb, equal_nan=True))
    assert dl.allclose(a[:1], b[:1]) and not dl.allclose(a, b)
    assert dl.equal(dl.tensor([1, 2]), dl.tensor([1, 2])) and not dl.equal(dl.ones(2), dl.ones(3))
    p, q = np.array([True, True, False, False]), np.array([True, False, True, False])
    for name in ("logical_and", "logical_or", "logical_xor"):
        same(getattr(dl, name)(dl.tensor(p), dl.tensor(q)), getattr(torch, name)(torch.tensor(p), torch.tensor(q)))
    same(dl.tensor(p).logical_not(), torch.tensor(p).logical_not())
    same(dl.logical_and(dl.tensor([0.0, 2.0]), dl.tensor([1.0, 1.0])), torch.logical_and(torch.tensor([0.0, 2.0]), torch.tensor([1.0, 1.0])))


def test_bitwise_operators(torch):
    p, q = np.array([True, True, False, False]), np.array([True, False, True, False])
    i, j = np.array([12, -3, 7]), np.array([10, 5, -1])
    for a, b in ((p, q), (i, j)):
        A, B, TA, TB = dl.tensor(a), dl.tensor(b), torch.tensor(a), torch.tensor(b)
        same(A & B, TA & TB)
        same(A | B, TA | TB)
        same(A ^ B, TA ^ TB)
        same(~A, ~TA)
    same(dl.tensor(i) & 6, torch.tensor(i) & 6)
    same(dl.bitwise_xor(dl.tensor(i), dl.tensor(j)), torch.bitwise_xor(torch.tensor(i), torch.tensor(j)))
    with pytest.raises(RuntimeError, match="bitwise_and: only integer and bool"):
        dl.ones(2) & dl.ones(2)


def test_division_family_signs_follow_pytorch(torch):
    a, b = np.array([7.0, -7.0, 7.0, -7.0, 5.5]), np.array([2.0, 2.0, -2.0, -2.0, 1.5])
    for name in ("fmod", "remainder", "floor_divide"):
        same(getattr(dl, name)(dl.tensor(a), dl.tensor(b)), getattr(torch, name)(torch.tensor(a), torch.tensor(b)))
    ia, ib = a.astype(np.int64), b.astype(np.int64)
    for name in ("fmod", "remainder", "floor_divide"):
        same(getattr(dl, name)(dl.tensor(ia), dl.tensor(ib)), getattr(torch, name)(torch.tensor(ia), torch.tensor(ib)))
    same(dl.tensor(ia) // 3, torch.tensor(ia) // 3)
    same(dl.tensor(ia) % 3, torch.tensor(ia) % 3)
    same(10 // dl.tensor(ib), 10 // torch.tensor(ib))


def test_rounding_and_sign_keep_integer_dtypes(torch):
    ints = np.array([-2, 0, 3])
    for name in ("floor", "ceil", "round", "trunc", "sign", "square"):
        same(getattr(dl.tensor(ints), name)(), getattr(torch.tensor(ints), name)())
    halves = np.array([-2.5, -0.5, 0.5, 1.5, 2.5, 0.125])
    same(dl.tensor(halves).round(), torch.tensor(halves).round())
    same(dl.round(dl.tensor(halves), decimals=2), torch.round(torch.tensor(halves), decimals=2))
    same(dl.sin(dl.tensor(ints)), torch.sin(torch.tensor(ints)))  # integers compute in float32


def test_counting(torch):
    data = RNG.standard_normal(200).astype(np.float32)
    same(dl.histc(dl.tensor(data), bins=7), torch.histc(torch.tensor(data), bins=7))
    same(dl.tensor(data).histc(5, min=-1, max=1), torch.tensor(data).histc(5, min=-1, max=1))
    same(dl.histogram(dl.tensor(data), bins=6), tuple(torch.histogram(torch.tensor(data), bins=6)))
    ours = dl.tensor(data).histogram(4, range=(-2.0, 2.0), density=True)
    same(ours, tuple(torch.tensor(data).histogram(4, range=(-2.0, 2.0), density=True)))
    assert ours.hist is ours[0] and ours.bin_edges is ours[1]
    edges = np.array([-3.0, 0.0, 0.5, 3.0], dtype=np.float32)
    same(dl.histogram(dl.tensor(data), dl.tensor(edges)), tuple(torch.histogram(torch.tensor(data), torch.tensor(edges))))
    counts = np.array([0, 3, 1, 3, 3, 6])
    same(dl.bincount(dl.tensor(counts)), torch.bincount(torch.tensor(counts)))
    weights = np.arange(6, dtype=np.float32)
    same(dl.tensor(counts).bincount(dl.tensor(weights), minlength=9), torch.tensor(counts).bincount(torch.tensor(weights), minlength=9))
    F, torch_F = dl.nn.functional, torch.nn.functional
    same(F.one_hot(dl.tensor(counts)), torch_F.one_hot(torch.tensor(counts)))
    same(F.one_hot(dl.tensor([[1], [2]]), 4), torch_F.one_hot(torch.tensor([[1], [2]]), 4))
    same(dl.unique(dl.tensor(counts)), torch.unique(torch.tensor(counts)))
    same(dl.tensor(counts).unique(return_inverse=True, return_counts=True),
         torch.tensor(counts).unique(return_inverse=True, return_counts=True))


def test_products_check_their_shapes():
    with pytest.raises(RuntimeError, match=r"mm: unexpected shapes \(2, 3\) and \(2, 3\)"):
        dl.mm(dl.ones(2, 3), dl.ones(2, 3))
    with pytest.raises(RuntimeError, match="bmm"):
        dl.bmm(dl.ones(2, 3, 4), dl.ones(3, 4, 2))
    with pytest.raises(RuntimeError, match="dot"):
        dl.dot(dl.ones(3), dl.ones(4))


def test_arguments_pytorch_accepts_but_minidl_does_not_raise_not_implemented():
    x = dl.ones(3, 3)
    with pytest.raises(NotImplementedError, match="sparse_grad"):
        x.gather(0, dl.zeros(1, 3, dtype=dl.long), sparse_grad=True)
    with pytest.raises(NotImplementedError, match="reduce"):
        x.scatter(0, dl.zeros(1, 3, dtype=dl.long), dl.ones(1, 3), reduce="multiply")
    with pytest.raises(NotImplementedError, match="ellipsis"):
        dl.einsum("...ij->...ji", x)
    with pytest.raises(NotImplementedError, match="diagonal"):
        dl.einsum("ii->i", x)
    with pytest.raises(NotImplementedError, match="nuc"):
        x.norm(p="nuc")


def test_cat_and_stack_promote_dtypes_as_pytorch(torch):
    pairs = [(np.float32, np.float64), (np.int64, np.float32), (np.bool_, np.int32), (np.int8, np.int64)]
    for a, b in pairs:
        x, y = np.ones(2, dtype=a), np.zeros(2, dtype=b)
        same(dl.cat([dl.tensor(x), dl.tensor(y)]), torch.cat([torch.tensor(x), torch.tensor(y)]))
        same(dl.stack([dl.tensor(x), dl.tensor(y)], 1), torch.stack([torch.tensor(x), torch.tensor(y)], 1))
    half = dl.ones(2, requires_grad=True)
    dl.cat([half, dl.zeros(2, dtype=dl.float64)]).sum().backward()
    assert half.grad.dtype == dl.float32


def test_dtype_is_never_equal_to_none():
    assert dl.float64 != None  # noqa: E711 (the comparison under test)


def test_where_with_the_condition_alone_is_nonzero_as_tuple(torch):
    same(dl.where(dl.tensor(TIES > 2)), torch.where(torch.tensor(TIES > 2)))


@pytest.mark.parametrize(
    "call",
    [
        lambda: dl.ones(2).sum(out=dl.ones(())),
        lambda: dl.ones(2, 2).max(1, out=(dl.ones(2), dl.ones(2, dtype=dl.long))),
        lambda: dl.ones(2).cumsum(0, out=dl.ones(2)),
        lambda: dl.ones(3).sort(out=None),
        lambda: dl.ones(3).topk(1, out=None),
        lambda: dl.ones(2, 2).contiguous(memory_format="channels_last"),
        lambda: dl.linspace(0, 1, 3, layout="strided"),
        lambda: dl.empty(2, pin_memory=True),
        lambda: dl.randperm(3, pin_memory=False),
        lambda: dl.multinomial(dl.ones(3), 1, out=None),
        lambda: dl.std(dl.ones(3), out=None),
    ],
)
def test_pytorch_arguments_minidl_lacks_raise_not_implemented_naming_them(call):
    with pytest.raises(NotImplementedError, match=r"the argument (out|memory_format|layout|pin_memory)= is not supported"):
        call()


def test_an_unknown_keyword_is_still_a_type_error():
    with pytest.raises(TypeError, match="sum\\(\\) got an unexpected keyword argument 'keep_dim'"):
        dl.ones(2).sum(keep_dim=True)


def test_mode_matches_pytorch_on_many_ties(torch):
    rng = np.random.default_rng(5)
    for _ in range(100):
        shape = tuple(rng.integers(1, 5, rng.integers(1, 4)))
        x = rng.integers(0, 3, shape).astype(np.float32)
        dim = int(rng.integers(-len(shape), len(shape)))
        ours, theirs = dl.tensor(x).mode(dim), torch.tensor(x).mode(dim)
        same(ours.values, theirs.values)
        same(ours.indices, theirs.indices)
