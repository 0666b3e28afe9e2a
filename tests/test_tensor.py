"""Tensors: creation, dtypes, attributes, conversion, display (the contract's Tensors section)."""
import numpy as np
import pytest

import minidl as dl


def test_python_numbers_give_pytorch_dtypes():
    assert dl.tensor([1.0, 2.0]).dtype == dl.float32
    assert dl.tensor([1, 2]).dtype == dl.int64
    assert dl.tensor([True, False]).dtype == dl.bool
    assert dl.tensor([1, 2.5]).dtype == dl.float32
    assert dl.tensor(3.0).shape == ()


def test_arrays_keep_their_dtype_and_are_copied():
    a = np.arange(3, dtype=np.float64)
    t = dl.tensor(a)
    assert t.dtype == dl.float64
    a[0] = 100
    assert t[0].item() == 0


def test_from_numpy_shares_memory():
    a = np.zeros(3, dtype=np.float32)
    t = dl.from_numpy(a)
    a[1] = 5
    assert t.tolist() == [0.0, 5.0, 0.0]


@pytest.mark.parametrize(
    "make, shape, dtype",
    [
        (lambda: dl.zeros(2, 3), (2, 3), dl.float32),
        (lambda: dl.ones((2, 3), dtype=dl.float64), (2, 3), dl.float64),
        (lambda: dl.full((2,), 7), (2,), dl.int64),
        (lambda: dl.full((2,), 0.5), (2,), dl.float32),
        (lambda: dl.arange(5), (5,), dl.int64),
        (lambda: dl.arange(0, 1, 0.25), (4,), dl.float32),
        (lambda: dl.rand(4, 2), (4, 2), dl.float32),
        (lambda: dl.randn(4, 2, dtype=dl.float64), (4, 2), dl.float64),
        (lambda: dl.randint(0, 10, (3, 3)), (3, 3), dl.int64),
        (lambda: dl.zeros_like(dl.ones(2, dtype=dl.float64)), (2,), dl.float64),
        (lambda: dl.ones_like(dl.ones(2, 2)), (2, 2), dl.float32),
        (lambda: dl.randn_like(dl.ones(3)), (3,), dl.float32),
    ],
)
def test_creation_functions(make, shape, dtype):
    t = make()
    assert t.shape == shape and t.dtype == dtype and t.device == "cpu"


def test_creation_keywords():
    t = dl.zeros(2, requires_grad=True, device="cpu", dtype=dl.float64)
    assert t.requires_grad and t.is_leaf and t.dtype == dl.float64


def test_manual_seed_makes_random_tensors_reproducible():
    dl.manual_seed(7)
    a = dl.randn(5)
    dl.manual_seed(7)
    b = dl.randn(5)
    assert a.tolist() == b.tolist()


def test_random_ranges():
    dl.manual_seed(0)
    r = dl.rand(1000).numpy()
    assert r.min() >= 0 and r.max() < 1
    i = dl.randint(3, 6, (1000,)).numpy()
    assert set(np.unique(i)) == {3, 4, 5}


def test_attributes():
    t = dl.ones(2, 3, 4)
    assert t.shape == (2, 3, 4) and t.ndim == 3 and t.size() == (2, 3, 4) and t.size(1) == 3
    assert t.numel() == 24 and len(t) == 2
    assert t.device == "cpu" and t.requires_grad is False and t.grad is None


def test_conversions():
    t = dl.tensor([[1.5, 2.0]], requires_grad=True)
    assert isinstance(t.numpy(), np.ndarray)
    assert t.tolist() == [[1.5, 2.0]]
    assert t[0, 0].item() == 1.5
    assert t.double().dtype == dl.float64 and t.long().dtype == dl.int64
    assert t.to(dl.float64).dtype == dl.float64 and t.to("cpu") is t
    assert t.float() is t
    with pytest.raises(RuntimeError, match="item: a tensor with 2 elements"):
        t.item()


def test_cast_is_differentiable():
    x = dl.tensor([1.0, 2.0], requires_grad=True)
    (x.double() * 3).sum().backward()
    assert x.grad.dtype == dl.float32
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_requires_grad_setter_and_method():
    t = dl.ones(2)
    t.requires_grad = True
    assert t.requires_grad
    assert t.requires_grad_(False) is t and not t.requires_grad


def test_type_promotion_follows_pytorch():
    i = dl.tensor([1, 2])
    f = dl.tensor([1.0, 2.0])
    assert (i * 0.5).dtype == dl.float32
    assert (i + f).dtype == dl.float32
    assert (i / i).dtype == dl.float32
    assert (i + 1).dtype == dl.int64
    assert (f * np.float64(2)).dtype == dl.float32
    assert (f + dl.tensor([1.0], dtype=dl.float64)).dtype == dl.float64
    assert i.float().mean().dtype == dl.float32 and i.exp().dtype == dl.float32


def test_comparisons_give_bool_tensors_without_grad():
    x = dl.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result in (x == 2, x != 2, x < 2, x <= 2, x > 2, x >= 2):
        assert result.dtype == dl.bool and not result.requires_grad
    assert (x > 1.5).tolist() == [False, True, True]


def test_setitem_outside_autograd():
    t = dl.zeros(3)
    t[1] = 5.0
    t[dl.tensor([True, False, False])] = 2.0
    assert t.tolist() == [2.0, 5.0, 0.0]
    w = dl.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad.*in-place"):
        w[0] = 1.0
    with dl.no_grad():
        w[0] = 1.0
    assert w[0].item() == 1.0


def test_repr_looks_like_pytorch():
    assert repr(dl.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert "requires_grad=True" in repr(dl.ones(1, requires_grad=True))
    assert "grad_fn=<MulBackward>" in repr(dl.ones(1, requires_grad=True) * 2)
    assert "dtype=float64" in repr(dl.ones(1, dtype=dl.float64))


def test_argmax_and_reductions_without_dim():
    x = dl.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 1.0]])
    assert x.argmax().item() == 3
    assert x.argmax(dim=1).tolist() == [1, 0]
    assert x.argmax(dim=1, keepdim=True).shape == (2, 1)
    assert x.max().item() == 7.0 and x.min().item() == 0.0


def test_ties_split_the_gradient_like_pytorch():
    x = dl.tensor([3.0, 1.0, 3.0], requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [0.5, 0.0, 0.5]
    y = dl.tensor([2.0, 2.0], requires_grad=True)
    z = dl.tensor([2.0, 1.0], requires_grad=True)
    dl.maximum(y, z).sum().backward()
    assert y.grad.tolist() == [0.5, 1.0] and z.grad.tolist() == [0.5, 0.0]


def test_cuda_is_unavailable_here_with_a_helpful_message():
    if dl.cuda.is_available():
        pytest.skip("a GPU is present")
    assert dl.cuda.is_available() is False
    with pytest.raises(RuntimeError, match="device 'cuda' is not available"):
        dl.zeros(2, device="cuda")


def test_unknown_device():
    with pytest.raises(RuntimeError, match="unknown device 'tpu'"):
        dl.zeros(2, device="tpu")


def test_kernel_switch_is_a_context_manager():
    assert dl.get_kernels() == "accelerated"
    with dl.use_kernels("reference"):
        assert dl.get_kernels() == "reference"
    assert dl.get_kernels() == "accelerated"
    with pytest.raises(ValueError, match="use_kernels"):
        dl.use_kernels("fast")


def test_deepcopy_copies_data_of_leaves():
    import copy

    state = {"w": dl.ones(2, requires_grad=True), "b": dl.zeros(1)}
    copied = copy.deepcopy(state)
    copied["w"]._data[0] = 5.0
    assert state["w"].tolist() == [1.0, 1.0] and copied["w"].requires_grad
    with pytest.raises(RuntimeError, match="deepcopy: only leaf tensors"):
        copy.deepcopy(state["w"] * 2)
