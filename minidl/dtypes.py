"""The dtypes of minidl: plain NumPy dtype objects, which CuPy shares.

``dl.float32 == numpy.dtype("float32")``, so a tensor's ``.dtype`` can be compared with either.
"""
import numpy as np

float16 = np.dtype("float16")
float32 = np.dtype("float32")
float64 = np.dtype("float64")
int64 = np.dtype("int64")
bool = np.dtype("bool")  # noqa: A001 (PyTorch's name; shadows the builtin only inside this module)
qint8 = np.dtype("int8")  # quantized weights (minidl/quantization): PyTorch's torch.qint8

default_float = float32


def is_floating(dtype):
    return dtype.kind == "f"


def as_dtype(dtype):
    """Accept a dtype, a NumPy type or a name ("float32") and return a NumPy dtype."""
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"unsupported dtype {dtype!r}") from None
