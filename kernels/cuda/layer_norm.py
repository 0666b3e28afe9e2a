"""Layer norm over the last axis of an (N, D) array, forward and backward: layer_norm.cu.

NumPy twins: layer_norm_forward, layer_norm_backward in kernels/reference.py. The forward
fuses mean, variance, normalisation and the affine map into one kernel (one block per row);
the backward fuses the two row means of gx into one pass, and sums gweight and gbias down the
columns in two deterministic stages (per-chunk partial sums in a kernel, then cupy.sum).
"""
import cupy
import numpy

from ._runtime import c_type, contiguous, get_kernel, threads_per_row

_NAMES = tuple(
    f"{kernel}<{ctype}>"
    for kernel in ("layer_norm_forward", "layer_norm_backward_input", "layer_norm_backward_params")
    for ctype in ("float", "double")
)
# Stage 1 of gweight/gbias cuts the N rows into at most this many chunks (of at least
# _MIN_ROWS_PER_CHUNK rows): enough blocks to fill the GPU, few enough partial sums to add.
_MAX_ROW_CHUNKS = 256
_MIN_ROWS_PER_CHUNK = 32
_PARAMS_THREADS = 256


def _kernel(name, dtype):
    return get_kernel("layer_norm.cu", _NAMES, f"{name}<{c_type(dtype, name)}>")


def _affine(array, fill, cols, dtype):
    """weight or bias as a contiguous (D,) array; ones or zeros when the layer has none."""
    if array is None:
        return cupy.full(cols, fill, dtype)
    return contiguous(array, dtype)


def layer_norm_forward(x, weight, bias, eps):
    x = contiguous(x)
    rows, cols = x.shape
    y = cupy.empty_like(x)
    mean = cupy.empty(rows, x.dtype)
    rstd = cupy.empty(rows, x.dtype)
    if rows == 0:
        return y, mean, rstd
    _kernel("layer_norm_forward", x.dtype)(
        (rows,), (threads_per_row(cols),),
        (x, _affine(weight, 1, cols, x.dtype), _affine(bias, 0, cols, x.dtype), y, mean, rstd,
         numpy.int32(cols), x.dtype.type(eps)),
    )
    return y, mean, rstd


def layer_norm_backward(gy, x, weight, mean, rstd):
    x = contiguous(x)
    dtype = x.dtype
    gy, mean, rstd = contiguous(gy, dtype), contiguous(mean, dtype), contiguous(rstd, dtype)
    rows, cols = x.shape
    gx = cupy.empty_like(x)
    if rows > 0:
        _kernel("layer_norm_backward_input", dtype)(
            (rows,), (threads_per_row(cols),),
            (gy, x, _affine(weight, 1, cols, dtype), mean, rstd, gx, numpy.int32(cols)),
        )
    if weight is None:
        return gx, None, None

    rows_per_chunk = max(_MIN_ROWS_PER_CHUNK, -(-rows // _MAX_ROW_CHUNKS))
    chunks = max(1, -(-rows // rows_per_chunk))
    partial_gweight = cupy.zeros((chunks, cols), dtype)
    partial_gbias = cupy.zeros((chunks, cols), dtype)
    if rows > 0 and cols > 0:
        threads = min(_PARAMS_THREADS, threads_per_row(cols))
        _kernel("layer_norm_backward_params", dtype)(
            (-(-cols // threads), chunks), (threads,),
            (gy, x, mean, rstd, partial_gweight, partial_gbias, numpy.int64(rows), numpy.int32(cols),
             numpy.int64(rows_per_chunk)),
        )
    return gx, partial_gweight.sum(axis=0), partial_gbias.sum(axis=0)
