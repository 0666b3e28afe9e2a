"""dtypes with PyTorch's names: equal to NumPy's dtypes, printed as minidl.float32, with the
conversions, the default dtype and the machine limits."""
import pickle

import numpy as np
import pytest

import minidl as dl


def test_dtypes_compare_equal_to_numpy_dtypes_and_are_accepted_where_numpy_takes_one():
    assert dl.float32 == np.dtype("float32") and np.dtype("float32") == dl.float32
    assert dl.float32 == "float32" and dl.float32 == np.float32 and dl.float32 != dl.float64
    assert np.zeros(2, dtype=dl.float64).dtype == np.float64
    assert np.arange(3).astype(dl.int16).dtype == np.int16
    assert {np.dtype("int64"): "found"}[dl.long] == "found"  # same hash as NumPy's
    assert pickle.loads(pickle.dumps(dl.float16)) is dl.float16


def test_repr_reads_like_pytorch():
    assert repr(dl.float32) == "minidl.float32"
    assert repr(dl.ones(2).dtype) == "minidl.float32"
    assert str(dl.int64) == "int64"  # error messages keep reading "got int64"


@pytest.mark.parametrize(
    "alias, name",
    [("long", "int64"), ("int", "int32"), ("int32", "int32"), ("int16", "int16"), ("short", "int16"),
     ("int8", "int8"), ("uint8", "uint8"), ("float", "float32"), ("double", "float64"),
     ("half", "float16"), ("float16", "float16"), ("bool", "bool")],
)
def test_pytorch_dtype_aliases(alias, name):
    assert getattr(dl, alias) == np.dtype(name)
    assert dl.zeros(2, dtype=getattr(dl, alias)).dtype is getattr(dl, alias)


def test_dtype_attributes_follow_torch_dtype():
    assert dl.float32.is_floating_point and not dl.long.is_floating_point
    assert dl.float64.itemsize == 8 and dl.int8.is_signed and not dl.uint8.is_signed


@pytest.mark.parametrize(
    "method, dtype",
    [("long", "int64"), ("int", "int32"), ("float", "float32"), ("double", "float64"),
     ("half", "float16"), ("bool", "bool"), ("short", "int16"), ("char", "int8"), ("byte", "uint8")],
)
def test_conversion_methods(method, dtype):
    t = getattr(dl.tensor([0.0, 1.5, -2.0]), method)()
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.numpy(), np.array([0.0, 1.5, -2.0]).astype(dtype))


def test_half_is_differentiable_back_to_float32():
    x = dl.tensor([1.0, 2.0], requires_grad=True)
    (x.half() * 3).sum().backward()
    assert x.grad.dtype == dl.float32
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_type_names_and_casts():
    assert dl.ones(2).type() == "minidl.FloatTensor"
    assert dl.ones(2, dtype=dl.long).type() == "minidl.LongTensor"
    assert dl.ones(2).type(dl.float64).dtype == dl.float64
    assert dl.ones(2).type("torch.IntTensor").dtype == dl.int32


def test_default_dtype_is_used_by_creation_and_can_be_changed():
    assert dl.get_default_dtype() == dl.float32
    dl.set_default_dtype(dl.float64)
    try:
        assert dl.get_default_dtype() == dl.float64
        assert dl.zeros(2).dtype == dl.float64 and dl.randn(2).dtype == dl.float64
        assert dl.tensor([1.5]).dtype == dl.float64 and dl.linspace(0, 1, 3).dtype == dl.float64
        assert dl.arange(0.0, 1.0, 0.5).dtype == dl.float64
        assert (dl.arange(3) * 0.5).dtype == dl.float64
    finally:
        dl.set_default_dtype(dl.float32)
    assert dl.zeros(2).dtype == dl.float32
    with pytest.raises(TypeError, match="floating-point"):
        dl.set_default_dtype(dl.int64)


def test_finfo_and_iinfo_match_pytorch():
    torch = pytest.importorskip("torch")
    for ours, theirs in [(dl.float32, torch.float32), (dl.float64, torch.float64),
                         (dl.half, torch.half)]:
        assert dl.finfo(ours).eps == torch.finfo(theirs).eps
        assert dl.finfo(ours).max == torch.finfo(theirs).max
        assert dl.finfo(ours).tiny == torch.finfo(theirs).tiny
    assert dl.finfo().eps == torch.finfo().eps
    for ours, theirs in [(dl.int8, torch.int8), (dl.uint8, torch.uint8), (dl.long, torch.long)]:
        assert (dl.iinfo(ours).min, dl.iinfo(ours).max) == (torch.iinfo(theirs).min,
                                                            torch.iinfo(theirs).max)
    with pytest.raises(TypeError):
        dl.finfo(dl.int32)
