"""float16 on the CPU: computed in float32, stored in float16.

Numba compiles no float16 arithmetic (NumPy stores float16 but computes it element by element
in software), so each CPU kernel takes float16 arrays through ``float16_via_float32``: its
float16 inputs are copied to float32, the kernel runs, and its floating outputs are cast back to
float16. PyTorch's CPU kernels do the same (they accumulate float16 in float32). The optimizer
steps, which update their arrays in place, do it per parameter themselves (``optimizers.py``).
"""
import functools

import numpy as np

_HALF = np.dtype(np.float16)


def float16_via_float32(kernel):
    """``kernel`` with float16 arrays (also inside list or tuple arguments) computed in float32."""

    @functools.wraps(kernel)
    def run(*args, **kwargs):
        if not _holds_half(args):
            return kernel(*args, **kwargs)
        return _narrowed(kernel(*(_widened(a) for a in args), **kwargs))

    return run


def _holds_half(values):
    """Whether any of values, or of the lists and tuples among them, is a float16 array (a plain
    loop: this runs on every kernel call)."""
    for value in values:
        if isinstance(value, np.ndarray):
            if value.dtype == _HALF:
                return True
        elif isinstance(value, (list, tuple)) and _holds_half(value):
            return True
    return False


def _widened(value):
    if isinstance(value, (list, tuple)):
        return type(value)(_widened(item) for item in value)
    if isinstance(value, np.ndarray) and value.dtype == _HALF:
        return value.astype(np.float32)
    return value


def _narrowed(result):
    if isinstance(result, tuple):
        return tuple(_narrowed(item) for item in result)
    if isinstance(result, np.ndarray) and result.dtype == np.float32:
        return result.astype(_HALF)
    return result
