"""Training-mode batch norm of (N, C, L), forward and backward: batch_norm.cu.

NumPy twins: batch_norm_forward, batch_norm_backward in kernels/reference_convolution.py. One
block per channel, with block reductions for the statistics and the backward's two sums.
"""
import cupy
import numpy

from ._runtime import c_type, contiguous, get_kernel, threads_per_row

_NAMES = tuple(f"{kernel}<{ctype}>" for kernel in ("batch_norm_forward", "batch_norm_backward")
               for ctype in ("float", "double"))


def _kernel(name, dtype):
    return get_kernel("batch_norm.cu", _NAMES, f"{name}<{c_type(dtype, name)}>")


def _affine(array, fill, channels, dtype):
    return cupy.full(channels, fill, dtype) if array is None else contiguous(array, dtype)


def batch_norm_forward(x, weight, bias, eps):
    x = contiguous(x)
    batch, channels, length = x.shape
    y = cupy.empty_like(x)
    mean, var = cupy.empty(channels, x.dtype), cupy.empty(channels, x.dtype)
    if x.size:
        _kernel("batch_norm_forward", x.dtype)(
            (channels,), (threads_per_row(batch * length),),
            (x, _affine(weight, 1, channels, x.dtype), _affine(bias, 0, channels, x.dtype), y,
             mean, var, numpy.int32(batch), numpy.int32(channels), numpy.int32(length),
             x.dtype.type(eps)))
    return y, mean, var


def batch_norm_backward(gy, x, weight, mean, var, eps):
    x = contiguous(x)
    dtype = x.dtype
    gy, mean, var = contiguous(gy, dtype), contiguous(mean, dtype), contiguous(var, dtype)
    batch, channels, length = x.shape
    gx = cupy.empty_like(x)
    gweight, gbias = cupy.zeros(channels, dtype), cupy.zeros(channels, dtype)
    if x.size:
        _kernel("batch_norm_backward", dtype)(
            (channels,), (threads_per_row(batch * length),),
            (gy, x, _affine(weight, 1, channels, dtype), mean, var, gx, gweight, gbias,
             numpy.int32(batch), numpy.int32(channels), numpy.int32(length), dtype.type(eps)))
    return gx, gweight, gbias
