"""Max and average pooling, forward and backward: pooling.cu.

NumPy twins: max_pool2d_forward/backward, avg_pool2d_forward/backward in
kernels/reference_convolution.py. One thread per output (forwards, max backward) or per input
pixel (average backward); see pooling.cu.
"""
import cupy
import numpy

from ._runtime import blocks_for, c_type, contiguous, get_kernel

_NAMES = tuple(f"{kernel}<{ctype}>" for kernel in
               ("max_pool2d_forward", "max_pool2d_backward", "avg_pool2d_forward",
                "avg_pool2d_backward") for ctype in ("float", "double"))
_THREADS = 256


def _run(name, dtype, total, *args):
    if total == 0:
        return
    kernel = get_kernel("pooling.cu", _NAMES, f"{name}<{c_type(dtype, name)}>")
    kernel((blocks_for(total, _THREADS),), (_THREADS,), args)


def _ints(*values):
    return tuple(numpy.int32(v) for v in values)


def max_pool2d_forward(x, kernel_size, stride, padding, dilation, output_size):
    x = contiguous(x)
    batch, channels, height, width = x.shape
    y = cupy.empty((batch, channels, *output_size), x.dtype)
    indices = cupy.empty(y.shape, cupy.int64)
    _run("max_pool2d_forward", x.dtype, y.size, x, y, indices, numpy.int64(batch * channels),
         *_ints(height, width, *output_size, *kernel_size, *stride, *padding, *dilation))
    return y, indices


def max_pool2d_backward(gy, indices, input_shape):
    gy, indices = contiguous(gy), contiguous(indices, cupy.int64)
    batch, channels, height, width = input_shape
    gx = cupy.zeros(input_shape, gy.dtype)
    _run("max_pool2d_backward", gy.dtype, gy.size, gy, indices, gx, numpy.int64(batch * channels),
         *_ints(gy.shape[2] * gy.shape[3], height * width))
    return gx


def avg_pool2d_forward(x, kernel_size, stride, padding, output_size, count_include_pad):
    x = contiguous(x)
    batch, channels, height, width = x.shape
    y = cupy.empty((batch, channels, *output_size), x.dtype)
    _run("avg_pool2d_forward", x.dtype, y.size, x, y, numpy.int64(batch * channels),
         *_ints(height, width, *output_size, *kernel_size, *stride, *padding,
                int(count_include_pad)))
    return y


def avg_pool2d_backward(gy, input_shape, kernel_size, stride, padding, output_size,
                        count_include_pad):
    gy = contiguous(gy)
    batch, channels, height, width = input_shape
    gx = cupy.empty(input_shape, gy.dtype)
    _run("avg_pool2d_backward", gy.dtype, gx.size, gy, gx, numpy.int64(batch * channels),
         *_ints(height, width, *output_size, *kernel_size, *stride, *padding,
                int(count_include_pad)))
    return gx
