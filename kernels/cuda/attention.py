"""Fused (flash-attention style) scaled-dot-product attention: attention.cu.

NumPy twins: attention_forward, attention_backward in kernels/reference.py, which compute the
(B, L, S) scores, softmax them and multiply by v. The forward kernel fuses all of that: it
streams tiles of k and v through shared memory and keeps a running softmax per query row in
registers, so the score matrix never exists in global memory and the memory traffic is
O(B * (L + S) * E) instead of O(B * L * S). The backward recomputes the probabilities from the
saved lse in two kernels, one writing gq (over query rows) and one writing gk and gv (over
key rows); see attention.cu for the formulas.
"""
import functools

import cupy
import numpy

from ._runtime import NULL, c_type, contiguous, get_kernel

# These mirror attention.cu (static_asserts there keep them in step).
_BLOCK_ROWS = 16  # query (or key) rows owned by one thread block
_TILE = 32  # rows of k and v (or q and go) per shared-memory tile
_THREADS = 128
# CHUNKS template instances: each lane accumulates CHUNKS output columns per row in registers,
# so the head dimensions E and Ev may be up to 32 * CHUNKS.
_CHUNK_CHOICES = (1, 2, 4, 8)
_MAX_HEAD_DIM = 32 * _CHUNK_CHOICES[-1]
_DEFAULT_SHARED_LIMIT = 48 * 1024  # larger dynamic shared memory needs an opt-in per kernel

_KERNELS = ("attention_forward", "attention_backward_query", "attention_backward_key_value")
_NAMES = tuple(
    f"{kernel}<{ctype}, {chunks}>"
    for kernel in _KERNELS
    for ctype in ("float", "double")
    for chunks in _CHUNK_CHOICES
)


def _chunks(head_dim):
    """The smallest CHUNKS instance whose 32 * CHUNKS covers head_dim."""
    for chunks in _CHUNK_CHOICES:
        if 32 * chunks >= head_dim:
            return chunks
    raise ValueError(f"attention: head dimensions up to {_MAX_HEAD_DIM} are supported, got {head_dim}")


def _shared_memory_bytes(E, Ev, itemsize):
    """Dynamic shared memory of every attention kernel: see SharedArrays in attention.cu."""
    return (_BLOCK_ROWS * (E + Ev) + _TILE * (E + 1 + Ev + 1)) * itemsize


@functools.cache
def _shared_memory_limit(device_id):
    return cupy.cuda.runtime.deviceGetAttribute(cupy.cuda.runtime.cudaDevAttrMaxSharedMemoryPerBlockOptin, device_id)


def _launch(name, dtype, E, Ev, rows, batch, args):
    """Launch kernel `name` over (batch, ceil(rows / _BLOCK_ROWS)) blocks."""
    kernel = get_kernel("attention.cu", _NAMES, f"{name}<{c_type(dtype, name)}, {_chunks(max(E, Ev))}>")
    tiles = -(-rows // _BLOCK_ROWS)
    if tiles > 65535:
        raise ValueError(f"{name}: sequences up to {65535 * _BLOCK_ROWS} positions are supported, got {rows}")
    shared_bytes = _shared_memory_bytes(E, Ev, dtype.itemsize)
    if shared_bytes > _DEFAULT_SHARED_LIMIT:
        limit = _shared_memory_limit(cupy.cuda.Device().id)
        if shared_bytes > limit:
            raise ValueError(
                f"{name}: head dimensions E={E}, Ev={Ev} in {dtype} need {shared_bytes} bytes of shared "
                f"memory per block, this GPU has {limit}"
            )
        if kernel.max_dynamic_shared_size_bytes < shared_bytes:
            kernel.max_dynamic_shared_size_bytes = shared_bytes
    kernel((batch, tiles), (_THREADS,), args, shared_mem=shared_bytes)


def _mask_arguments(mask, shape, dtype):
    """(mask, batch stride, row stride): the additive mask as the kernels read it.

    The kernels read element [b, i, j] at b * batch_stride + i * row_stride + j. A mask that is
    broadcast over the batch or the rows (an (L, S) mask shared by every batch entry and head,
    a (B, 1, S) padding mask) is passed once with stride 0 instead of being copied out to a
    (B, L, S) array. No mask: a null pointer.
    """
    if mask is None:
        return NULL, numpy.int64(0), numpy.int64(0)
    mask = cupy.broadcast_to(mask, shape)
    shared_over_batch, shared_over_rows = mask.strides[0] == 0, mask.strides[1] == 0
    compact = contiguous(mask[: 1 if shared_over_batch else None, : 1 if shared_over_rows else None], dtype)
    _, rows, cols = compact.shape
    return compact, numpy.int64(0 if shared_over_batch else rows * cols), numpy.int64(0 if shared_over_rows else cols)


def _shapes(q, k, v):
    if q.ndim != 3 or k.ndim != 3 or v.ndim != 3:
        raise ValueError(f"attention: q, k, v must be 3-D (B, L, E), got shapes {q.shape}, {k.shape}, {v.shape}")
    (B, L, E), (Bk, S, Ek), (Bv, Sv, Ev) = q.shape, k.shape, v.shape
    if not (B == Bk == Bv and E == Ek and S == Sv):
        raise ValueError(f"attention: shapes q {q.shape}, k {k.shape}, v {v.shape} do not match")
    return B, L, S, E, Ev


def attention_forward(q, k, v, mask, scale, causal):
    q = contiguous(q)
    dtype = q.dtype
    k, v = contiguous(k, dtype), contiguous(v, dtype)
    B, L, S, E, Ev = _shapes(q, k, v)
    o = cupy.empty((B, L, Ev), dtype)
    row_max, log_sum = cupy.empty((2, B, L), dtype)  # lse in two parts (reference._logsumexp)
    if B * L == 0:
        return o, (row_max, log_sum)
    mask, *mask_strides = _mask_arguments(mask, (B, L, S), dtype)
    _launch(
        "attention_forward", dtype, E, Ev, L, B,
        (q, k, v, mask, o, row_max, log_sum, numpy.int32(L), numpy.int32(S), numpy.int32(E),
         numpy.int32(Ev), dtype.type(scale), numpy.bool_(causal), *mask_strides),
    )
    return o, (row_max, log_sum)


def attention_backward(q, k, v, o, lse, go, mask, scale, causal):
    q = contiguous(q)
    dtype = q.dtype
    k, v, go = (contiguous(a, dtype) for a in (k, v, go))
    row_max, log_sum = (contiguous(part, dtype) for part in lse)
    B, L, S, E, Ev = _shapes(q, k, v)
    mask, *mask_strides = _mask_arguments(mask, (B, L, S), dtype)
    # delta[i] = sum_d go[i, d] * o[i, d] = sum_j P[i, j] * dP[i, j]: the softmax backward's row term
    delta = contiguous(cupy.sum(go * o, axis=-1), dtype)
    gq, gk, gv = cupy.empty_like(q), cupy.empty_like(k), cupy.empty_like(v)
    sizes = (numpy.int32(L), numpy.int32(S), numpy.int32(E), numpy.int32(Ev), dtype.type(scale), numpy.bool_(causal),
             *mask_strides)
    if B * L > 0:
        _launch("attention_backward_query", dtype, E, Ev, L, B, (q, k, v, mask, go, row_max, log_sum, delta, gq, *sizes))
    if B * S > 0:
        _launch("attention_backward_key_value", dtype, E, Ev, S, B, (q, k, v, mask, go, row_max, log_sum, delta, gk, gv,
                                                                    *sizes))
    return gq, gk, gv
