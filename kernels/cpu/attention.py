"""Scaled dot-product attention, compiled with Numba: twins of ``reference.py``'s, flash style.

Neither pass materialises the (B, L, S) score matrix. Scores are computed a block of keys at a
time into a small buffer, and the inner loops run along contiguous memory without a reduction
(``s[j] += q[e] * k_t[e, j]`` over j, ``acc[d] += p * v[j, d]`` over d), which LLVM vectorises
without fastmath; so the wrappers also pass transposed copies (k_t = K^T, ...) where a loop
needs to run along the other axis.

- Forward: ``prange`` over tiles of query rows. For each row, an online softmax over key
  blocks: keep the running max m, the running sum l and the unnormalised output acc; a block
  with a larger max rescales l and acc by exp(old m - new m). At the end o = acc / l and
  lse = m + log l; a row that saw no unmasked key gets o = 0, lse = -inf.
- Backward: probabilities are recomputed from lse (P_ij = exp(s_ij - lse_i)), with
  D_i = rowsum(dO_i * O_i) and dS = P * (dP - D). Two race-free parallel passes: one over
  query rows writes dQ = scale * dS K, one over key rows writes dK = scale * dS^T Q and
  dV = P^T dO. Each gradient row is owned by exactly one iteration, so results are
  deterministic.

Causal masking is top-left aligned: query i sees key j iff j <= i.
"""

import math

import numpy as np
from numba import njit, prange

_TILE = 16  # rows per parallel task, so that scratch buffers are allocated once per tile
_BLOCK = 64  # keys (forward, dQ pass) or queries (dK/dV pass) per inner block


@njit(parallel=True, cache=True)
def _attention_forward(q, k_t, v, mask, has_mask, scale, causal, o, lse):
    """reference.attention_forward, with an online softmax over blocks of _BLOCK keys."""
    batch, num_queries, width = q.shape
    num_keys, value_width = v.shape[1], v.shape[2]
    tiles_per_batch = (num_queries + _TILE - 1) // _TILE
    for task in prange(batch * tiles_per_batch):
        b = task // tiles_per_batch
        first = (task % tiles_per_batch) * _TILE
        last = min(first + _TILE, num_queries)
        scores = np.empty(_BLOCK, dtype=q.dtype)
        acc = np.empty(value_width, dtype=q.dtype)
        for i in range(first, last):
            key_end = min(num_keys, i + 1) if causal else num_keys
            running_max = -np.inf
            running_sum = 0.0
            acc[:] = 0
            for start in range(0, key_end, _BLOCK):
                size = min(_BLOCK, key_end - start)
                scores[:size] = 0
                for e in range(width):
                    scaled_query = scale * q[b, i, e]
                    for j in range(size):
                        scores[j] += scaled_query * k_t[b, e, start + j]
                block_max = -np.inf
                for j in range(size):
                    if has_mask:
                        scores[j] += mask[b, i, start + j]
                    block_max = max(block_max, scores[j])
                new_max = max(running_max, block_max)
                if new_max == -np.inf:  # every key so far is masked out
                    continue
                correction = math.exp(running_max - new_max)  # 0 while running_max is -inf
                running_max = new_max
                block_sum = 0.0
                for j in range(size):
                    scores[j] = math.exp(scores[j] - new_max)
                    block_sum += scores[j]
                running_sum = running_sum * correction + block_sum
                for d in range(value_width):
                    acc[d] *= correction
                for j in range(size):
                    p = scores[j]
                    for d in range(value_width):
                        acc[d] += p * v[b, start + j, d]
            if running_sum > 0:
                lse[b, i] = running_max + math.log(running_sum)
                for d in range(value_width):
                    o[b, i, d] = acc[d] / running_sum
            else:
                lse[b, i] = -np.inf
                o[b, i, :] = 0


@njit(parallel=True, cache=True)
def _attention_backward_queries(q, k, k_t, v_t, o, lse, go, mask, has_mask, scale, causal,
                                gq, row_dot):
    """dQ = scale * dS K, tiles of query rows in parallel; also stores D_i = rowsum(dO_i * O_i)."""
    batch, num_queries, width = q.shape
    num_keys, value_width = k.shape[1], v_t.shape[1]
    tiles_per_batch = (num_queries + _TILE - 1) // _TILE
    for task in prange(batch * tiles_per_batch):
        b = task // tiles_per_batch
        first = (task % tiles_per_batch) * _TILE
        scores = np.empty(_BLOCK, dtype=q.dtype)
        gscores = np.empty(_BLOCK, dtype=q.dtype)
        for i in range(first, min(first + _TILE, num_queries)):
            dot = 0.0
            for d in range(value_width):
                dot += go[b, i, d] * o[b, i, d]
            row_dot[b, i] = dot
            gq[b, i, :] = 0
            if lse[b, i] == -np.inf:  # fully masked row: P = 0, no gradient
                continue
            key_end = min(num_keys, i + 1) if causal else num_keys
            for start in range(0, key_end, _BLOCK):
                size = min(_BLOCK, key_end - start)
                scores[:size] = 0
                gscores[:size] = 0  # first dP_ij = dO_i . V_j, then scale * dS_ij
                for e in range(width):
                    scaled_query = scale * q[b, i, e]
                    for j in range(size):
                        scores[j] += scaled_query * k_t[b, e, start + j]
                for d in range(value_width):
                    upstream = go[b, i, d]
                    for j in range(size):
                        gscores[j] += upstream * v_t[b, d, start + j]
                for j in range(size):
                    if has_mask:
                        scores[j] += mask[b, i, start + j]
                    prob = math.exp(scores[j] - lse[b, i])
                    gscores[j] = scale * prob * (gscores[j] - dot)
                for j in range(size):
                    gscore = gscores[j]
                    for e in range(width):
                        gq[b, i, e] += gscore * k[b, start + j, e]


@njit(parallel=True, cache=True)
def _attention_backward_keys(q, q_t, k, v, go, go_t, lse, row_dot, mask_t, has_mask, scale,
                             causal, gk, gv):
    """dK = scale * dS^T Q and dV = P^T dO, tiles of key rows in parallel."""
    batch, num_queries, width = q.shape
    num_keys, value_width = k.shape[1], v.shape[2]
    tiles_per_batch = (num_keys + _TILE - 1) // _TILE
    for task in prange(batch * tiles_per_batch):
        b = task // tiles_per_batch
        first = (task % tiles_per_batch) * _TILE
        probs = np.empty(_BLOCK, dtype=q.dtype)
        gscores = np.empty(_BLOCK, dtype=q.dtype)
        for j in range(first, min(first + _TILE, num_keys)):
            gk[b, j, :] = 0
            gv[b, j, :] = 0
            query_start = j if causal else 0  # causal: only queries i >= j see key j
            for start in range(query_start, num_queries, _BLOCK):
                size = min(_BLOCK, num_queries - start)
                probs[:size] = 0  # first the scores s_ij, then P_ij
                gscores[:size] = 0  # first dP_ij, then scale * dS_ij
                for e in range(width):
                    scaled_key = scale * k[b, j, e]
                    for i in range(size):
                        probs[i] += scaled_key * q_t[b, e, start + i]
                for d in range(value_width):
                    value = v[b, j, d]
                    for i in range(size):
                        gscores[i] += value * go_t[b, d, start + i]
                for i in range(size):
                    row_lse = lse[b, start + i]
                    if row_lse == -np.inf:  # fully masked query row: no gradient
                        probs[i] = 0
                        gscores[i] = 0
                        continue
                    if has_mask:
                        probs[i] += mask_t[b, j, start + i]
                    probs[i] = math.exp(probs[i] - row_lse)
                    gscores[i] = scale * probs[i] * (gscores[i] - row_dot[b, start + i])
                for i in range(size):
                    prob, gscore = probs[i], gscores[i]
                    for d in range(value_width):
                        gv[b, j, d] += prob * go[b, start + i, d]
                    for e in range(width):
                        gk[b, j, e] += gscore * q[b, start + i, e]


def _contiguous_transpose(x):
    """A C-contiguous copy of x with its last two axes swapped."""
    return np.ascontiguousarray(x.transpose(0, 2, 1))


def _mask_array(mask, q, k, transpose):
    """The mask as a contiguous (B, L, S) array in q's dtype (or (B, S, L) with transpose);
    an empty array stands in for no mask."""
    if mask is None:
        return np.empty((0, 0, 0), dtype=q.dtype)
    full = np.broadcast_to(mask.astype(q.dtype, copy=False), (q.shape[0], q.shape[1], k.shape[1]))
    return _contiguous_transpose(full) if transpose else np.ascontiguousarray(full)


def attention_forward(q, k, v, mask, scale, causal):
    q, v = np.ascontiguousarray(q), np.ascontiguousarray(v)
    o = np.empty(q.shape[:2] + (v.shape[2],), dtype=q.dtype)
    lse = np.empty(q.shape[:2], dtype=q.dtype)
    _attention_forward(q, _contiguous_transpose(k), v, _mask_array(mask, q, k, False),
                       mask is not None, q.dtype.type(scale), bool(causal), o, lse)
    return o, lse


def attention_backward(q, k, v, o, lse, go, mask, scale, causal):
    q, k, v = np.ascontiguousarray(q), np.ascontiguousarray(k), np.ascontiguousarray(v)
    go, lse = np.ascontiguousarray(go), np.ascontiguousarray(lse)
    scale, causal = q.dtype.type(scale), bool(causal)
    gq, gk, gv = np.empty_like(q), np.empty_like(k), np.empty_like(v)
    row_dot = np.empty(q.shape[:2], dtype=q.dtype)
    _attention_backward_queries(q, k, _contiguous_transpose(k), _contiguous_transpose(v),
                                np.ascontiguousarray(o), lse, go, _mask_array(mask, q, k, False),
                                mask is not None, scale, causal, gq, row_dot)
    _attention_backward_keys(q, _contiguous_transpose(q), k, v, go, _contiguous_transpose(go), lse,
                             row_dot, _mask_array(mask, q, k, True), mask is not None, scale,
                             causal, gk, gv)
    return gq, gk, gv
