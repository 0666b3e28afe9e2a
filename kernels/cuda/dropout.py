"""Dropout with a counter-based hash, as CuPy ElementwiseKernels.

NumPy twins: dropout_forward, dropout_backward in kernels/reference.py. The forward fuses the
random draw, the mask and the scaling into one pass and needs no random-number state: element
i's coin flip is a pure function of (seed, i), splitmix64 as the contract in
kernels/__init__.py specifies, so the mask equals the reference's and the Numba set's bit for
bit, whatever the thread that computes it.
"""
import cupy
import numpy

from ._runtime import contiguous

_HASH_PREAMBLE = """
// splitmix64's output function (Steele, Lea & Flood, 2014): a bijection on 64-bit integers
// whose output bits all depend on all input bits. Unsigned arithmetic wraps mod 2^64, as the
// contract requires.
__device__ unsigned long long splitmix64(unsigned long long z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// keep element i with probability 1 - p: u = top 24 bits of the hash, scaled to [0, 1)
__device__ bool dropout_keep(unsigned long long seed, long long i, double p)
{
    const unsigned long long z = splitmix64(seed + (unsigned long long)(i + 1) * 0x9E3779B97F4A7C15ull);
    const double u = (double)(z >> 40) * (1.0 / 16777216.0);
    return u >= p;
}
"""

# `i` is the element's flat index in C order: the input is made contiguous first, so that the
# index (and hence the mask) does not depend on the input's memory layout.
_dropout_forward = cupy.ElementwiseKernel(
    "T x, uint64 seed, float64 p, T scale", "T y, bool keep",
    """
    keep = dropout_keep(seed, i, p);
    y = keep ? x * scale : T(0);
    """,
    "minidl_dropout_forward",
    preamble=_HASH_PREAMBLE,
)
_dropout_backward = cupy.ElementwiseKernel(
    "T gy, bool keep, T scale", "T gx",
    "gx = keep ? gy * scale : T(0)",  # the forward is linear in x: the same map
    "minidl_dropout_backward",
)


def _scale(p, dtype):
    """1 / (1 - p) in the array's dtype, as the reference rounds it; 0 when p == 1 (all dropped)."""
    return dtype.type(1 / (1 - p) if p < 1 else 0)


def dropout_forward(x, p, seed):
    x = contiguous(x)
    return _dropout_forward(x, numpy.uint64(seed % 2**64), float(p), _scale(p, x.dtype))


def dropout_backward(gy, keep, p):
    return _dropout_backward(gy, keep, _scale(p, gy.dtype))
