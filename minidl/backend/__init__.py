"""Backends: one object per device, holding its array module, its kernels and its RNG.

Op code never asks "which device am I on?": it asks the backend of its inputs for ``xp`` (NumPy
or CuPy) and ``kernels`` (the kernel set of that device). The kernel switch (switch.py) chooses, for
the whole program, between the plain-NumPy reference kernels and the accelerated ones (Numba on
"cpu", CUDA on "cuda").
"""
from .cpu import CPUBackend
from .switch import KERNEL_SETS, get_kernels, use_kernels  # noqa: F401 (public through dl)

cpu = CPUBackend()
_cuda = None  # created on first use: importing CuPy is slow and may fail


def get_backend(device):
    """Return the backend for a device name: "cpu", "cuda" or "cuda:0"."""
    global _cuda
    if device is None or device == "cpu":
        return cpu
    if isinstance(device, str) and (device == "cuda" or device.startswith("cuda:")):
        if device not in ("cuda", "cuda:0"):
            raise RuntimeError(f"device {device!r}: minidl uses a single GPU, 'cuda' (or 'cuda:0')")
        if _cuda is None:
            from .cuda import CUDABackend

            _cuda = CUDABackend()
        return _cuda
    raise RuntimeError(f"unknown device {device!r}: expected 'cpu' or 'cuda'")


def backend_of_array(array):
    """The backend whose array type ``array`` is (NumPy arrays are "cpu")."""
    if type(array).__module__.startswith("cupy"):
        return get_backend("cuda")
    return cpu


def manual_seed(seed):
    """Seed the random generators of every backend that is in use (and of CUDA once it starts)."""
    cpu.seed(seed)
    if _cuda is not None:
        _cuda.seed(seed)
    _pending_seed[0] = seed


_pending_seed = [None]  # a seed given before CUDA started is applied when it starts
