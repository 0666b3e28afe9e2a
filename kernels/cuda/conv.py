"""im2col and col2im: conv.cu. NumPy twins: kernels/reference_convolution.py.

The convolution's matrix product runs in cuBLAS through the op's ``xp.matmul``; these two
kernels only move pixels into and out of the patch matrix.
"""
import cupy
import numpy

from ..reference_convolution import conv_output_size
from ._runtime import blocks_for, c_type, contiguous, get_kernel

_NAMES = tuple(f"{kernel}<{ctype}>" for kernel in ("im2col", "col2im")
               for ctype in ("float", "double"))
_THREADS = 256


def _launch(name, total, source, target, shape, kernel_size, stride, padding, dilation):
    (kh, kw), (sh, sw), (dh, dw) = kernel_size, stride, dilation
    oh = conv_output_size(shape[2], kh, sh, *padding[0], dh)
    ow = conv_output_size(shape[3], kw, sw, *padding[1], dw)
    if total == 0:
        return
    kernel = get_kernel("conv.cu", _NAMES, f"{name}<{c_type(source.dtype, name)}>")
    ints = (*shape, kh, kw, sh, sw, padding[0][0], padding[1][0], dh, dw, oh, ow)
    kernel((blocks_for(total, _THREADS),), (_THREADS,),
           (source, target, *(numpy.int32(v) for v in ints)))


def im2col(x, kernel_size, stride, padding, dilation):
    x = contiguous(x)
    (kh, kw), (sh, sw), (dh, dw) = kernel_size, stride, dilation
    oh = conv_output_size(x.shape[2], kh, sh, *padding[0], dh)
    ow = conv_output_size(x.shape[3], kw, sw, *padding[1], dw)
    cols = cupy.empty((x.shape[1] * kh * kw, x.shape[0] * oh * ow), x.dtype)
    _launch("im2col", cols.size, x, cols, x.shape, kernel_size, stride, padding, dilation)
    return cols


def col2im(cols, input_shape, kernel_size, stride, padding, dilation):
    cols = contiguous(cols)
    x = cupy.empty(input_shape, cols.dtype)
    _launch("col2im", x.size, cols, x, tuple(input_shape), kernel_size, stride, padding, dilation)
    return x
