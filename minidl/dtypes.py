"""The dtypes of minidl, with PyTorch's names: ``dl.float32`` prints as ``minidl.float32``.

A ``DType`` is a thin name for a NumPy dtype, which CuPy shares. It compares equal to that NumPy
dtype (``dl.float32 == numpy.dtype("float32")`` and ``== "float32"``) and NumPy and CuPy accept it
wherever they take a dtype (``numpy.zeros(3, dtype=dl.float32)``): they read its ``.dtype``.
A tensor's ``.dtype`` is one of these objects.

PyTorch's aliases: ``float`` is float32, ``double`` float64, ``half`` float16, ``long`` int64,
``int`` int32, ``short`` int16. On "cpu", float16 tensors store float16 and NumPy computes in
it elementwise; the CPU kernels that have no float16 path compute in float32 (see their
docstrings).
"""
import numpy as np


class DType:
    """One element type; the attributes follow ``torch.dtype`` (``itemsize``,
    ``is_floating_point``, ``is_signed``) and anything else is the NumPy dtype's."""

    __slots__ = ("dtype", "name", "kind", "itemsize")

    def __init__(self, numpy_dtype):
        self.dtype = np.dtype(numpy_dtype)  # the attribute NumPy and CuPy read
        self.name = self.dtype.name
        self.kind = self.dtype.kind
        self.itemsize = self.dtype.itemsize

    @property
    def is_floating_point(self):
        return self.kind == "f"

    @property
    def is_complex(self):
        return self.kind == "c"

    @property
    def is_signed(self):
        return self.kind in "fic"

    def __getattr__(self, name):
        return getattr(self.dtype, name)

    def __eq__(self, other):
        if other is None:
            return False  # (numpy.dtype(None) would be float64)
        try:
            return self.dtype == np.dtype(other)
        except TypeError:
            return NotImplemented

    def __hash__(self):
        return hash(self.dtype)  # equal to its NumPy dtype, so one dict key serves both

    def __repr__(self):
        return f"minidl.{self.name}"

    def __str__(self):
        return self.name  # messages read "got int64", as they did when dtypes were NumPy's

    def __reduce__(self):
        return as_dtype, (self.name,)


_BY_NUMPY = {}


def from_numpy(numpy_dtype):
    """The DType of a NumPy dtype (one object per dtype)."""
    found = _BY_NUMPY.get(numpy_dtype)
    if found is None:
        found = _BY_NUMPY[numpy_dtype] = DType(numpy_dtype)
    return found


float16 = half = from_numpy(np.dtype("float16"))
float32 = from_numpy(np.dtype("float32"))
float64 = double = from_numpy(np.dtype("float64"))
int8 = from_numpy(np.dtype("int8"))
int16 = short = from_numpy(np.dtype("int16"))
int32 = from_numpy(np.dtype("int32"))
int64 = long = from_numpy(np.dtype("int64"))
uint8 = from_numpy(np.dtype("uint8"))
bool = from_numpy(np.dtype("bool"))  # noqa: A001 (PyTorch's name; shadows the builtin only here)
float = float32  # noqa: A001 (PyTorch's alias, as torch.float)
int = int32  # noqa: A001 (PyTorch's alias: torch.int is int32)

default_float = float32


def get_default_dtype():
    """The dtype of floating-point tensors created without ``dtype=`` (float32 at start)."""
    return default_float


def set_default_dtype(dtype):
    """Make ``dtype`` (float32 or float64; float16 too) the default floating-point dtype."""
    global default_float
    dtype = as_dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: only floating-point dtypes are allowed, got {dtype}")
    default_float = dtype


def is_floating(dtype):
    return dtype.kind == "f"


def as_dtype(dtype):
    """Accept a DType, a NumPy dtype or type, or a name ("float32") and return a DType."""
    if type(dtype) is DType:
        return dtype
    try:
        return from_numpy(np.dtype(dtype))
    except TypeError:
        raise TypeError(f"unsupported dtype {dtype!r}") from None


def finfo(dtype=None):
    """Machine limits of a floating-point dtype (``eps``, ``max``, ``min``, ``tiny``, ``bits``,
    ``resolution``), as ``torch.finfo``; the default dtype when none is given."""
    dtype = as_dtype(dtype if dtype is not None else default_float)
    if dtype.kind != "f":
        raise TypeError(f"finfo: expected a floating-point dtype, got {dtype}")
    return np.finfo(dtype.dtype)


def iinfo(dtype):
    """Machine limits of an integer dtype (``max``, ``min``, ``bits``), as ``torch.iinfo``."""
    dtype = as_dtype(dtype)
    if dtype.kind not in "iu":
        raise TypeError(f"iinfo: expected an integer dtype, got {dtype}")
    return np.iinfo(dtype.dtype)


_TENSOR_TYPE_NAMES = {
    "float16": "HalfTensor", "float32": "FloatTensor", "float64": "DoubleTensor",
    "int8": "CharTensor", "int16": "ShortTensor", "int32": "IntTensor", "int64": "LongTensor",
    "uint8": "ByteTensor", "bool": "BoolTensor",
}


def tensor_type_name(dtype, device):
    """``Tensor.type()``'s answer: "minidl.FloatTensor", "minidl.cuda.LongTensor", ..."""
    prefix = "minidl.cuda." if device == "cuda" else "minidl."
    return prefix + _TENSOR_TYPE_NAMES.get(dtype.name, dtype.name)


def dtype_of_type_name(name):
    """The dtype of a ``Tensor.type()`` name ("torch.FloatTensor" or "minidl.FloatTensor")."""
    short = name.rsplit(".", 1)[-1]
    for dtype_name, type_name in _TENSOR_TYPE_NAMES.items():
        if type_name == short:
            return as_dtype(dtype_name)
    raise TypeError(f"type: unknown tensor type {name!r}")
