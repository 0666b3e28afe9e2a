"""The kernel switch: "reference" (plain NumPy) or "accelerated" (Numba on cpu, CUDA on cuda).

It holds one module-level name, ``current``, that every backend reads on each kernel call (an
attribute lookup, so the switch costs nothing measurable on the hot path).
"""
import os

KERNEL_SETS = ("reference", "accelerated")

current = os.environ.get("MINIDL_KERNELS", "accelerated")
if current not in KERNEL_SETS:
    raise ValueError(f"MINIDL_KERNELS must be one of {KERNEL_SETS}, got {current!r}")


def get_kernels():
    """The name of the kernel set in use: "reference" or "accelerated"."""
    return current


class use_kernels:
    """Select the kernel set for the whole program.

    ``dl.use_kernels("reference")`` switches at once; ``with dl.use_kernels("reference"): ...``
    switches for the block and restores the previous choice on exit.
    """

    def __init__(self, name):
        global current
        if name not in KERNEL_SETS:
            raise ValueError(f"use_kernels: expected one of {KERNEL_SETS}, got {name!r}")
        self.previous = current
        current = name

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        global current
        current = self.previous
