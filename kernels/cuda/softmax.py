"""Softmax and log-softmax over the last axis: softmax.cu, one thread block per row.

NumPy twins: softmax_forward, softmax_backward, log_softmax_forward, log_softmax_backward in
kernels/reference.py. The forward fuses max, exp, sum and normalisation into two passes over
the row (the first computes max and sum together, online); the backward fuses the row sum and
the elementwise formula.
"""
import cupy
import numpy

from ._runtime import c_type, contiguous, get_kernel, threads_per_row

_NAMES = tuple(
    f"softmax_{direction}<{ctype}, {log}>"
    for direction in ("forward", "backward")
    for ctype in ("float", "double")
    for log in ("false", "true")
)


def _launch(direction, log, arrays, out):
    """Run softmax_{direction}<T, log> over the rows of out's last axis."""
    cols = out.shape[-1] if out.ndim else 1
    if out.size == 0:
        return out
    name = f"softmax_{direction}<{c_type(out.dtype, 'softmax')}, {'true' if log else 'false'}>"
    kernel = get_kernel("softmax.cu", _NAMES, name)
    kernel((out.size // cols,), (threads_per_row(cols),), (*arrays, out, numpy.int32(cols)))
    return out


def _forward(x, log):
    x = contiguous(x)
    return _launch("forward", log, (x,), cupy.empty_like(x))


def _backward(y, gy, log):
    y = contiguous(y)
    return _launch("backward", log, (y, contiguous(gy, y.dtype)), cupy.empty_like(y))


def softmax_forward(x):
    return _forward(x, log=False)


def softmax_backward(y, gy):
    return _backward(y, gy, log=False)


def log_softmax_forward(x):
    return _forward(x, log=True)


def log_softmax_backward(y, gy):
    return _backward(y, gy, log=True)
