"""Bad input raises errors that name the op and the offending shapes, dtypes or devices."""
import pytest

import minidl as dl


def test_broadcast_mismatch_names_op_and_shapes():
    with pytest.raises(RuntimeError, match=r"add: .*\(3, 4\), \(5,\)"):
        dl.ones(3, 4) + dl.ones(5)
    with pytest.raises(RuntimeError, match=r"mul: .*\(2, 3\), \(3, 2\)"):
        dl.ones(2, 3) * dl.ones(3, 2)


def test_matmul_misaligned_shapes():
    with pytest.raises(RuntimeError, match=r"matmul: shapes \(3, 4\) and \(5, 2\) are not aligned \(4 != 5\)"):
        dl.ones(3, 4) @ dl.ones(5, 2)
    with pytest.raises(RuntimeError, match="matmul: both arguments need at least one dimension"):
        dl.matmul(dl.tensor(1.0), dl.ones(2))


def test_matmul_dtype_mismatch():
    with pytest.raises(RuntimeError, match="matmul: .*float32 and float64"):
        dl.ones(2, 2) @ dl.ones(2, 2, dtype=dl.float64)


def test_shape_and_dtype_errors_are_runtime_errors_as_in_pytorch_and_keep_their_old_types():
    """PyTorch code catches RuntimeError; code written for NumPy catches ValueError/TypeError."""
    from minidl.errors import DTypeError, ShapeError

    with pytest.raises(ShapeError) as shape_error:
        dl.ones(3, 4) + dl.ones(5)
    assert isinstance(shape_error.value, RuntimeError) and isinstance(shape_error.value, ValueError)
    with pytest.raises(DTypeError) as dtype_error:
        dl.ones(2, 2) @ dl.ones(2, 2, dtype=dl.float64)
    assert isinstance(dtype_error.value, RuntimeError) and isinstance(dtype_error.value, TypeError)


def test_index_out_of_range_names_the_op():
    with pytest.raises(IndexError, match=r"getitem: .*index 5 is out of bounds.*\(3,\)"):
        dl.ones(3)[5]
    with pytest.raises(IndexError, match="getitem"):
        dl.ones(3)[dl.tensor([0, 7])]


def test_reduction_dim_out_of_range():
    with pytest.raises(IndexError, match="sum: dim 2 is out of range for a tensor with 2"):
        dl.ones(2, 3).sum(dim=2)


def test_reshape_to_an_incompatible_shape():
    with pytest.raises(RuntimeError, match=r"reshape: shape \(4, 4\) is invalid for input of size 6"):
        dl.ones(2, 3).reshape(4, 4)


def test_cat_and_stack_mismatches():
    with pytest.raises(RuntimeError, match=r"cat: shapes \(2, 3\) and \(3, 3\) cannot be joined along dim 1"):
        dl.cat([dl.ones(2, 3), dl.ones(3, 3)], dim=1)
    joined = dl.stack([dl.ones(2), dl.ones(2, dtype=dl.float64)])  # promoted, as in PyTorch
    assert joined.dtype == dl.float64


def test_expand_mismatch():
    with pytest.raises(RuntimeError, match=r"expand: the size of axis 0 \(3\) must match 4"):
        dl.ones(3, 1).expand(4, 2)


def test_masked_fill_needs_a_bool_mask():
    with pytest.raises(RuntimeError, match="masked_fill: the mask must be a bool tensor"):
        dl.ones(2).masked_fill(dl.ones(2), 0.0)


def test_activations_need_floating_point():
    with pytest.raises(TypeError, match="sigmoid: expected a floating-point tensor, got int64"):
        dl.arange(3).sigmoid()


def test_mixed_devices_name_the_op_and_devices():
    class FakeCuda:
        name = "cuda"

    x = dl.ones(2)
    y = dl.ones(2)
    y._backend = FakeCuda()
    with pytest.raises(RuntimeError, match="add: expected all tensors on the same device, got cpu and cuda"):
        x + y
