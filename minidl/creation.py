"""Creation functions: zeros, ones, full, empty, arange, linspace, logspace, eye, rand, randn,
randint and the *_like family.

Each takes ``dtype=``, ``device=`` and ``requires_grad=`` keywords, as in PyTorch. Random ones
draw from the backend's generator, which ``dl.manual_seed`` seeds, or from ``generator=``.
"""
from . import dtypes
from .backend import get_backend
from .errors import reject_unsupported
from .random import rng_for
from .tensor import Tensor


def _size(size):
    """Accept zeros(2, 3) and zeros((2, 3))."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(size[0])
    return tuple(size)


def _finish(array, backend, requires_grad):
    result = Tensor._make(array, backend)
    return result.requires_grad_(True) if requires_grad else result


def _dtype(dtype, default=None):
    """The dtype asked for, else ``default``, else the default float dtype (read at each call:
    ``set_default_dtype`` changes it)."""
    if dtype is not None:
        return dtypes.as_dtype(dtype)
    return default if default is not None else dtypes.get_default_dtype()


def zeros(*size, dtype=None, device=None, requires_grad=False):
    backend = get_backend(device)
    return _finish(backend.xp.zeros(_size(size), dtype=_dtype(dtype)), backend, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    backend = get_backend(device)
    return _finish(backend.xp.ones(_size(size), dtype=_dtype(dtype)), backend, requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    """Fill with ``fill_value``; the dtype follows it when not given (float32, int64 or bool)."""
    if dtype is None:
        if isinstance(fill_value, bool):
            dtype = dtypes.bool
        elif isinstance(fill_value, int):
            dtype = dtypes.int64
    backend = get_backend(device)
    size = tuple(size) if isinstance(size, (tuple, list)) else (size,)
    array = backend.xp.full(size, fill_value, dtype=_dtype(dtype))
    return _finish(array, backend, requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """[start, end) in steps; integer arguments give int64, any float gives float32."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        all_ints = all(isinstance(v, int) for v in (start, end, step))
        dtype = dtypes.int64 if all_ints else dtypes.default_float
    backend = get_backend(device)
    array = backend.xp.arange(start, end, step).astype(_dtype(dtype))
    return _finish(array, backend, requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform on [0, 1)."""
    backend = get_backend(device)
    array = rng_for(backend, generator, "rand").random(_size(size), dtype=_dtype(dtype))
    return _finish(array, backend, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal."""
    backend = get_backend(device)
    array = rng_for(backend, generator, "randn").standard_normal(_size(size), dtype=_dtype(dtype))
    return _finish(array, backend, requires_grad)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False):
    """Integers uniform on [low, high); ``randint(high, size)`` starts at 0, as in PyTorch."""
    if size is None:
        if high is None or not isinstance(high, (tuple, list)):
            raise TypeError("randint: expected randint(low, high, size) or randint(high, size)")
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    backend = get_backend(device)
    rng = rng_for(backend, generator, "randint")
    array = rng.integers(low, high, size=tuple(size)).astype(_dtype(dtype, dtypes.int64))
    return _finish(array, backend, requires_grad)


def from_numpy(array):
    """A cpu tensor sharing memory with a NumPy array (as PyTorch's)."""
    return Tensor._make(array, get_backend("cpu"))


def _like(maker, t, dtype, device, requires_grad, **options):
    return maker(
        *t.shape,
        dtype=dtype if dtype is not None else t.dtype,
        device=device if device is not None else t.device,
        requires_grad=requires_grad,
        **options,
    )


def zeros_like(t, dtype=None, device=None, requires_grad=False):
    return _like(zeros, t, dtype, device, requires_grad)


def ones_like(t, dtype=None, device=None, requires_grad=False):
    return _like(ones, t, dtype, device, requires_grad)


def randn_like(t, dtype=None, device=None, requires_grad=False, *, generator=None):
    return _like(randn, t, dtype, device, requires_grad, generator=generator)


def rand_like(t, dtype=None, device=None, requires_grad=False, *, generator=None):
    return _like(rand, t, dtype, device, requires_grad, generator=generator)


# ---- more of PyTorch's creation functions ---------------------------------------------------
def empty(*size, dtype=None, device=None, requires_grad=False, **unsupported):
    """A tensor whose values are whatever the memory held (fill it before reading)."""
    reject_unsupported("empty", unsupported)
    backend = get_backend(device)
    return _finish(backend.xp.empty(_size(size), dtype=_dtype(dtype)), backend, requires_grad)


def empty_like(t, dtype=None, device=None, requires_grad=False):
    return _like(empty, t, dtype, device, requires_grad)


def full_like(t, fill_value, dtype=None, device=None, requires_grad=False):
    return full(t.shape, fill_value, dtype=dtype if dtype is not None else t.dtype,
                device=device if device is not None else t.device, requires_grad=requires_grad)


def randint_like(t, low=0, high=None, *, generator=None, dtype=None, device=None,
                 requires_grad=False):
    """``randint_like(t, high)`` or ``randint_like(t, low, high)``, in t's shape and dtype."""
    if high is None:
        low, high = 0, low
    return randint(low, high, t.shape, generator=generator,
                   dtype=dtype if dtype is not None else t.dtype,
                   device=device if device is not None else t.device, requires_grad=requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False, **unsupported):
    """``steps`` evenly spaced values from start to end, both included."""
    reject_unsupported("linspace", unsupported)
    backend = get_backend(device)
    array = backend.xp.linspace(float(start), float(end), int(steps)).astype(_dtype(dtype))
    return _finish(array, backend, requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False,
             **unsupported):
    """base ** linspace(start, end, steps)."""
    reject_unsupported("logspace", unsupported)
    backend = get_backend(device)
    exponents = backend.xp.linspace(float(start), float(end), int(steps))
    array = (base**exponents).astype(_dtype(dtype))
    return _finish(array, backend, requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, **unsupported):
    """An n x m matrix with ones on the diagonal."""
    reject_unsupported("eye", unsupported)
    backend = get_backend(device)
    return _finish(backend.xp.eye(n, m, dtype=_dtype(dtype)), backend, requires_grad)
