"""PyTorch's type promotion, where it differs from NumPy's.

- An integer or bool tensor combined with a Python float (or a float tensor) becomes float:
  float32 with a Python float, the float tensor's dtype otherwise (NumPy would give float64).
- NumPy scalars count as Python numbers (NumPy would let ``np.float64(2)`` widen a float32 array).
- A 0-d float tensor counts as a number too next to a float tensor with dimensions: float32
  plus a 0-d float64 tensor stays float32 (the 0-d one is cast, differentiably).
"""
import numpy as np

from .. import dtypes
from ..tensor import Tensor
from .conversion import Cast, cast


def promote_operands(a, b):
    """Return (a, b) with integer tensors cast to float where PyTorch would.

    NumPy scalars come back as Python numbers. This runs for every arithmetic op, so it reads
    each dtype once and tests the common cases (two float tensors, a float tensor and a
    number) with as few checks as it can.
    """
    a_tensor, b_tensor = isinstance(a, Tensor), isinstance(b, Tensor)
    if not a_tensor and isinstance(a, np.generic):
        a = a.item()
    if not b_tensor and isinstance(b, np.generic):
        b = b.item()
    if a_tensor and b_tensor:
        a_dtype, b_dtype = a._data.dtype, b._data.dtype
        if a_dtype is b_dtype:  # the same dtype: nothing to promote (NumPy's are singletons)
            return a, b
        a_float, b_float = a_dtype.kind == "f", b_dtype.kind == "f"
        if a_float and not b_float:
            b = cast_plain(b, a_dtype)
        elif b_float and not a_float:
            a = cast_plain(a, b_dtype)
        elif a_dtype != b_dtype and a_float and b_float:
            a, b = _dimensioned_dtype_wins(a, b)
    elif a_tensor:
        if isinstance(b, float) and a._data.dtype.kind != "f":
            a = cast_plain(a, dtypes.default_float)
    elif b_tensor and isinstance(a, float) and b._data.dtype.kind != "f":
        b = cast_plain(b, dtypes.default_float)
    return a, b


def common_dtype(dtypes_):
    """The dtype that tensors of these dtypes are joined in (cat, stack), as PyTorch: the
    widest float if there is a float (int64 with float32 is float32, where NumPy says
    float64), else the widest integer (bool counts as the narrowest)."""
    floats = [d for d in dtypes_ if d.kind == "f"]
    return np.result_type(*(floats or dtypes_))
def _dimensioned_dtype_wins(a, b):
    """Two float tensors of different dtypes: a 0-d one takes the other's dtype if that one has
    dimensions (PyTorch's rule for 0-d tensors of the same category); else NumPy's promotion."""
    if a.ndim == 0 and b.ndim > 0:
        return cast(a, b._data.dtype), b
    if b.ndim == 0 and a.ndim > 0:
        return a, cast(b, a._data.dtype)
    return a, b


def float_input(x):
    """Integer and bool tensors become float32 before float-valued math (exp, log, mean...)."""
    if x.dtype.kind != "f":
        return cast_plain(x, dtypes.default_float)
    return x


def cast_plain(x, dtype):
    """A cast of an integer or bool tensor (which never carries gradients), as an op so that
    a tracer (the ONNX exporter) records it."""
    return Cast.apply(x, dtype)
