"""The "cuda" backend: CuPy arrays, CUDA kernels launched through CuPy.

The reference kernels are NumPy code, so with ``dl.use_kernels("reference")`` a CUDA op copies its
arrays to the host, runs the reference kernel there and copies the results back: slow, and meant
for checking the CUDA kernels against their specification.
"""
import functools

import numpy as np

from . import switch

INSTALL_HINT = "install CuPy with pip install 'minidl[cuda13]' (or 'minidl[cuda12]' for CUDA 12)"


def cuda_unavailable_reason():
    """Why CUDA cannot be used here, or None when it can."""
    try:
        import cupy
    except ImportError:
        return f"CuPy is not installed: {INSTALL_HINT}"
    try:
        if cupy.cuda.runtime.getDeviceCount() == 0:
            return "CuPy found no NVIDIA GPU"
    except Exception as err:  # CuPy raises its own runtime errors when no driver/GPU exists
        return f"CuPy found no usable NVIDIA GPU ({err})"
    return None


class _HostReference:
    """The reference kernels, run on host copies of CuPy arrays (results copied back)."""

    def __init__(self, cupy):
        from ..kernels import reference

        self._reference = reference
        self._cupy = cupy

    def __getattr__(self, name):
        kernel = getattr(self._reference, name)
        cupy = self._cupy

        def to_host(value):
            if isinstance(value, cupy.ndarray):
                return cupy.asnumpy(value)
            if isinstance(value, (list, tuple)):  # a list of parameters, a (row_max, log_sum) pair
                return type(value)(to_host(v) for v in value)
            return value

        def to_device(value):
            if isinstance(value, np.ndarray):
                return cupy.asarray(value)
            if isinstance(value, tuple):
                return tuple(to_device(v) for v in value)
            return value

        @functools.wraps(kernel)
        def run_on_host(*args, **kwargs):
            host_args = [to_host(a) for a in args]
            result = kernel(*host_args, **{name: to_host(v) for name, v in kwargs.items()})
            # in-place kernels (optimizer steps) updated the host copies: write them back
            for original, copy in zip(args, host_args):
                if isinstance(original, list):
                    for dst, src in zip(original, copy):
                        if dst is not None:
                            dst[...] = cupy.asarray(src)
            return to_device(result)

        return run_on_host


class CUDABackend:
    name = "cuda"

    def __init__(self):
        reason = cuda_unavailable_reason()
        if reason is not None:
            raise RuntimeError(f"device 'cuda' is not available: {reason}")
        import cupy

        from . import _pending_seed

        self.xp = cupy
        self.array_type = cupy.ndarray
        self._accelerated = None
        self._reference = _HostReference(cupy)
        self.rng = cupy.random.default_rng(_pending_seed[0])

    @property
    def kernels(self):
        if switch.current == "reference":
            return self._reference
        if self._accelerated is None:
            from ..kernels import cuda

            self._accelerated = cuda
        return self._accelerated

    def seed(self, seed):
        self.rng = self.xp.random.default_rng(seed)

    def asarray(self, data, dtype=None):
        return self.xp.asarray(data, dtype=dtype)

    def to_host(self, array):
        return self.xp.asnumpy(array)

    def scatter_add(self, target, index, values):
        import cupyx

        cupyx.scatter_add(target, index, values)

    def erf(self, x):
        """The error function elementwise."""
        from cupyx.scipy.special import erf

        return erf(x)
