"""Cross-entropy from logits, forward and backward: cross_entropy.cu.

NumPy twins: cross_entropy_forward, cross_entropy_backward in kernels/reference.py. The
forward fuses log-softmax, the gather of the target logit and the label-smoothing mean into
one pass per row (one thread block per row) and never builds the (N, C) log-probabilities; the
backward is one elementwise pass that recomputes softmax from the saved log-sum-exp.
"""
import cupy
import numpy

from ._runtime import blocks_for, c_type, contiguous, get_kernel, threads_per_row

_NAMES = tuple(
    f"cross_entropy_{direction}<{ctype}>" for direction in ("forward", "backward") for ctype in ("float", "double")
)
_THREADS = 256


def _kernel(direction, dtype):
    ctype = c_type(dtype, f"cross_entropy_{direction}")
    return get_kernel("cross_entropy.cu", _NAMES, f"cross_entropy_{direction}<{ctype}>")


def cross_entropy_forward(logits, target, ignore_index, label_smoothing):
    """(losses, (row_max, log_sum)) per row; a target outside [0, C) that is not ignore_index
    gives a NaN loss."""
    logits = contiguous(logits)
    target = contiguous(target, cupy.int64)
    rows, classes = logits.shape
    losses, row_max, log_sum = cupy.empty((3, rows), logits.dtype)
    if rows == 0:
        return losses, (row_max, log_sum)
    scalar = logits.dtype.type
    _kernel("forward", logits.dtype)(
        (rows,), (threads_per_row(classes),),
        (logits, target, losses, row_max, log_sum, numpy.int32(classes), numpy.int64(ignore_index),
         scalar(label_smoothing)),
    )
    return losses, (row_max, log_sum)


def cross_entropy_backward(logits, target, lse, grad_losses, ignore_index, label_smoothing):
    logits = contiguous(logits)
    dtype = logits.dtype
    target = contiguous(target, cupy.int64)
    row_max, log_sum = (contiguous(part, dtype) for part in lse)
    grad_losses = contiguous(grad_losses, dtype)
    rows, classes = logits.shape
    glogits = cupy.empty_like(logits)
    if glogits.size == 0:
        return glogits
    _kernel("backward", dtype)(
        (blocks_for(glogits.size, _THREADS),), (_THREADS,),
        (logits, target, row_max, log_sum, grad_losses, glogits, numpy.int64(rows), numpy.int32(classes),
         numpy.int64(ignore_index), dtype.type(label_smoothing)),
    )
    return glogits
