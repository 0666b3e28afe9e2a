"""The "cpu" backend: NumPy arrays, Numba kernels (or the NumPy reference kernels)."""
import math

import numpy as np

from ..kernels import reference
from . import switch


class CPUBackend:
    name = "cpu"
    xp = np
    array_type = np.ndarray

    def __init__(self):
        self.rng = np.random.default_rng()
        self._accelerated = None

    @property
    def kernels(self):
        """The kernel module selected by ``dl.use_kernels`` (Numba's is imported on first use)."""
        if switch.current == "reference":
            return reference
        if self._accelerated is None:
            from ..kernels import cpu  # imports Numba: deferred so that `import minidl` is fast

            self._accelerated = cpu
        return self._accelerated

    def seed(self, seed):
        self.rng = np.random.default_rng(seed)

    def asarray(self, data, dtype=None):
        return np.asarray(data, dtype=dtype)

    def to_host(self, array):
        return array

    def scatter_add(self, target, index, values):
        """target[index] += values, adding repeated indices up (NumPy's unbuffered add)."""
        np.add.at(target, index, values)

    def erf(self, x):
        """The error function elementwise (NumPy has no erf ufunc: Python's, one by one)."""
        return _erf(x).astype(x.dtype, copy=False)


_erf = np.vectorize(math.erf, otypes=[np.float64])
