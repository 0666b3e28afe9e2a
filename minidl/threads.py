"""``dl.set_num_threads(n)`` and ``dl.get_num_threads()``: the threads of minidl's CPU work.

The counts live with the CPU kernels (``minidl.kernels.cpu.threads``, which explains the two
pools, Numba's and OpenBLAS's, and their default: the physical cores). These wrappers import
that module on first use, so that ``import minidl`` does not import Numba.
"""


def set_num_threads(n):
    """Use ``n`` threads for the parallel CPU kernels and NumPy's BLAS (PyTorch's name)."""
    from .kernels.cpu import threads

    threads.set_num_threads(n)


def get_num_threads():
    """The number of threads the parallel CPU kernels use (PyTorch's name)."""
    from .kernels.cpu import threads

    return threads.get_num_threads()
