"""What every CUDA kernel module here needs: compiling the .cu sources, and sizing launches.

The sources are compiled by NVRTC (through ``cupy.RawModule``) the first time a kernel is
used, not at import, and the module object is kept for the life of the process; CuPy also
caches the compiled binary on disk (``~/.cupy/kernel_cache``), so later processes skip NVRTC.
"""
import functools
import importlib.resources

import cupy
import numpy

_COMMON_INCLUDE = '#include "common.cuh"'

_C_TYPES = {numpy.dtype(numpy.float32): "float", numpy.dtype(numpy.float64): "double"}

# A null pointer for an optional array argument (the kernel tests it against nullptr). CuPy
# passes a NumPy uint64 as 8 bytes, the size of a device pointer.
NULL = numpy.uint64(0)


def _source(filename):
    """The text of a .cu file of this package, with common.cuh pasted in place of its include.

    Pasting (instead of passing NVRTC an include path) keeps CuPy's disk cache honest: the cache
    key is the source text, so an edit to common.cuh must change the text.
    """
    package = importlib.resources.files(__package__)
    text = (package / filename).read_text()
    return text.replace(_COMMON_INCLUDE, (package / "common.cuh").read_text())


@functools.cache
def _module(filename, name_expressions):
    return cupy.RawModule(code=_source(filename), options=("-std=c++17",), name_expressions=name_expressions)


def get_kernel(filename, name_expressions, name):
    """The kernel `name` (one of `name_expressions`, a tuple) of the .cu file `filename`.

    All the template instances of a file are compiled together, the first time any is asked for.
    """
    return _module(filename, name_expressions).get_function(name)


def c_type(dtype, kernel_name):
    """The C type ("float" or "double") that instantiates a templated kernel for `dtype`."""
    try:
        return _C_TYPES[numpy.dtype(dtype)]
    except KeyError:
        raise TypeError(f"{kernel_name}: the CUDA kernels support float32 and float64, got {dtype}") from None


def contiguous(array, dtype=None):
    """A C-contiguous version of `array` (itself when it already is): kernels index raw memory."""
    return cupy.ascontiguousarray(array, dtype=dtype)


def threads_per_row(cols):
    """Block size of a one-block-per-row kernel: about one thread per element, in whole warps.

    Rows longer than 1024 elements are strided over by each thread.
    """
    return min(1024, max(32, -(-cols // 32) * 32))


def blocks_for(total, threads):
    """Grid size of a grid-stride loop over `total` elements (its kernel loops past the grid)."""
    return max(1, min(-(-total // threads), 65536))
