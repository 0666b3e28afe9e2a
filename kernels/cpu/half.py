"""float16 on the CPU: computed in float32, stored in float16.

Numba compiles no float16 arithmetic (NumPy stores float16 but computes it element by element
in software), so each CPU kernel takes float16 arrays through ``float16_via_float32``: its
float16 inputs are copied to float32, the kernel runs, and its floating outputs are cast back to
float16. The optimizer steps update their arrays in place, so for them the float32 copies are
written back into the float16 originals. PyTorch's CPU kernels do the same (they accumulate
float16 in float32).
"""
import functools

import numpy as np

_HALF = np.dtype(np.float16)


def float16_via_float32(kernel, in_place=False):
    """``kernel`` with float16 arrays (also inside list or tuple arguments) computed in float32."""

    @functools.wraps(kernel)
    def run(*args, **kwargs):
        if not any(_holds_half(a) for a in args):
            return kernel(*args, **kwargs)
        copies = []  # (float16 original, float32 copy) of every float16 array argument
        result = kernel(*(_widened(a, copies) for a in args), **kwargs)
        if in_place:
            for original, copy in copies:
                original[...] = copy
        return _narrowed(result)

    return run


def _holds_half(value):
    if isinstance(value, (list, tuple)):
        return any(_holds_half(item) for item in value)
    return getattr(value, "dtype", None) == _HALF


def _widened(value, copies):
    if isinstance(value, (list, tuple)):
        return type(value)(_widened(item, copies) for item in value)
    if isinstance(value, np.ndarray) and value.dtype == _HALF:
        copies.append((value, value.astype(np.float32)))
        return copies[-1][1]
    return value


def _narrowed(result):
    if isinstance(result, tuple):
        return tuple(_narrowed(item) for item in result)
    if isinstance(result, np.ndarray) and result.dtype == np.float32:
        return result.astype(_HALF)
    return result
