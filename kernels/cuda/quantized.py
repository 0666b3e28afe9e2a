"""The int8 matrix product of dynamic quantization: quantized.cu, shared-memory tiles.

NumPy twin: quantized_matmul in kernels/reference.py. One 16 x 16 thread block per 16 x 16
tile of the int32 result.
"""
import cupy
import numpy

from ._runtime import contiguous, get_kernel

_TILE = 16
_NAMES = ("quantized_matmul",)


def quantized_matmul(a, a_zero_point, w):
    a, w = contiguous(a, numpy.uint8), contiguous(w, numpy.int8)
    rows, inner = a.shape
    cols = w.shape[0]
    acc = cupy.empty((rows, cols), dtype=numpy.int32)
    if acc.size == 0:
        return acc
    kernel = get_kernel("quantized.cu", _NAMES, "quantized_matmul")
    grid = (-(-cols // _TILE), -(-rows // _TILE))
    kernel(grid, (_TILE, _TILE), (a, numpy.int32(a_zero_point), w, acc, numpy.int32(rows),
                                  numpy.int32(cols), numpy.int32(inner)))
    return acc
