"""How many threads the CPU work uses: ``dl.set_num_threads(n)`` / ``dl.get_num_threads()``.

Two pools of threads do minidl's CPU work: OpenBLAS's (NumPy's matmul, which the attention
kernels call too) and Numba's (the parallel kernel loops; attention's batch chunks take one
Python thread per Numba thread). PyTorch has one pool, sized to the physical cores: more
threads than cores only queue for them, and on a busy machine a thread that waits for a core
stalls the whole parallel step (a 512 x 64 x 192 matmul went from 0.35 ms to 20 ms under load).
The two pools here never work at the same moment (an op finishes before the next one starts),
so each may have every core: both get the same count, by default the physical cores this
process may run on (``physical_cores``), and ``set_num_threads(n)`` sets both.

Numba's own ``set_num_threads`` applies to the calling Python thread only, so the count is kept
here and applied by each parallel launch (``parallel.py``); it cannot exceed the size of Numba's
pool (``numba.config.NUMBA_NUM_THREADS``, fixed when the pool starts). OpenBLAS is told through
its C function ``openblas_set_num_threads``, looked up with ctypes in the OpenBLAS that NumPy
loaded (threadpoolctl does this for every BLAS; it is not a dependency). The environment
variables NUMBA_NUM_THREADS and OPENBLAS_NUM_THREADS (or OMP_NUM_THREADS), when set, keep
the user's choice as the default. Products too small to gain from threads run on one thread
(OpenBLAS decides that by size, as the kernels do by ``parallel.PARALLEL_GRAIN``).
"""
import ctypes
import os

import numba


def physical_cores():
    """The physical cores among the CPUs this process may run on (hyper-threads count once)."""
    if hasattr(os, "sched_getaffinity"):
        cpus = os.sched_getaffinity(0)
    else:
        cpus = range(os.cpu_count() or 1)
    cores = set()
    for cpu in cpus:
        topology = f"/sys/devices/system/cpu/cpu{cpu}/topology"
        try:
            with open(f"{topology}/physical_package_id") as package:
                with open(f"{topology}/core_id") as core:
                    cores.add((package.read().strip(), core.read().strip()))
        except OSError:  # no topology (not Linux, or hidden): count logical CPUs
            return max(1, len(cpus))
    return max(1, len(cores))


def _find_openblas():
    """(set, get) ctypes functions of the OpenBLAS loaded in this process, or None."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:
        return None
    for path in sorted(paths):
        library = ctypes.CDLL(path)
        for prefix in ("scipy_openblas", "openblas"):  # NumPy's wheels rename the symbols
            for suffix in ("64_", ""):
                setter = getattr(library, f"{prefix}_set_num_threads{suffix}", None)
                getter = getattr(library, f"{prefix}_get_num_threads{suffix}", None)
                if setter is not None and getter is not None:
                    setter.argtypes, getter.restype = [ctypes.c_int], ctypes.c_int
                    return setter, getter
    return None


_openblas = _find_openblas()
_num_threads = None  # the count set by set_num_threads (None: the default, set below)


def set_num_threads(n):
    """Use ``n`` threads for parallel CPU kernels and for NumPy's BLAS (both pools)."""
    global _num_threads
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive integer, got {n!r}")
    _num_threads = n
    if _openblas is not None:
        _openblas[0](n)


def get_num_threads():
    """The number of threads a parallel CPU kernel uses (at most Numba's pool size)."""
    return min(_num_threads, numba.config.NUMBA_NUM_THREADS)


def blas_num_threads():
    """The number of threads OpenBLAS uses now, or None where it was not found."""
    return None if _openblas is None else _openblas[1]()


def _default_counts():
    """Physical cores for each pool whose size the environment does not set."""
    global _num_threads
    cores = physical_cores()
    _num_threads = int(os.environ.get("NUMBA_NUM_THREADS", cores))
    blas_variables = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
    if _openblas is not None and not any(name in os.environ for name in blas_variables):
        _openblas[0](cores)


_default_counts()
