"""PyTorch's promotion for 0-d tensors: next to a tensor with dimensions, a 0-d tensor of the
same category counts as a scalar (float32 + 0-d float64 is float32); gradients keep each
input's own dtype."""
import numpy as np
import pytest

import minidl as dl


@pytest.mark.parametrize("op", ["add", "sub", "mul", "truediv", "pow", "maximum", "where"])
@pytest.mark.parametrize("zero_d_first", [False, True])
def test_a_0d_float64_tensor_does_not_widen_a_float32_tensor(op, zero_d_first):
    vector = dl.tensor(np.array([1.0, 2.0, 3.0], dtype=np.float32), requires_grad=True)
    scalar = dl.tensor(np.float64(2.0), dtype=dl.float64, requires_grad=True)
    a, b = (scalar, vector) if zero_d_first else (vector, scalar)
    result = {
        "add": lambda: a + b, "sub": lambda: a - b, "mul": lambda: a * b,
        "truediv": lambda: a / b, "pow": lambda: a ** b, "maximum": lambda: dl.maximum(a, b),
        "where": lambda: dl.where(dl.tensor([True, False, True]), a, b),
    }[op]()
    assert result.dtype == dl.float32
    result.sum().backward()
    assert vector.grad.dtype == dl.float32 and scalar.grad.dtype == dl.float64
    assert scalar.grad.shape == ()


def test_both_0d_or_both_dimensioned_follow_the_wider_dtype():
    f32, f64 = dl.tensor(np.float32(1), dtype=dl.float32), dl.tensor(2.0, dtype=dl.float64)
    assert (f32 + f64).dtype == dl.float64
    assert (dl.ones(2) + dl.ones(2, dtype=dl.float64)).dtype == dl.float64
    assert (dl.ones(2, dtype=dl.int64) + f64).dtype == dl.float64  # a higher category promotes


def test_matches_pytorch():
    torch = pytest.importorskip("torch")
    got = (dl.ones(2) + dl.tensor(2.0, dtype=dl.float64)).dtype
    want = (torch.ones(2) + torch.tensor(2.0, dtype=torch.float64)).dtype
    assert str(want) == f"torch.{got}"
