"""Scaled dot-product attention on the CPU, flash style: twins of ``reference.py``'s.

The work splits in two kinds, each done by the tool that is good at it:

- matrix products go to BLAS through ``np.matmul`` on stacked blocks, (B, rows, E) @ (B, E, keys):
  NumPy hands each of the B products to the BLAS library (OpenBLAS here), which runs many times
  faster than any loop we could write in Numba;
- the elementwise and per-row work between the products (scale, mask, causal mask, max, exp,
  sums, rescaling) is fused into Numba kernels, so that each block of scores is read and written
  once. Their exp is ``vector_math``'s, which LLVM vectorises.

Neither pass materialises the (B, L, S) score matrix: scores live in buffers of (B, tile, block)
elements, tiles of _TILE rows on the outer loop, blocks of a few hundred rows on the inner one.
Causal masking is top-left aligned (query i sees key j iff j <= i), so a tile of queries
[i0, i1) needs only the keys [0, i1), and a tile of keys [j0, j1) is seen only by the queries
[j0, L): blocks that the mask hides entirely are never computed. This is why the outer tiles are
short: the shorter the tile, the closer the computed area is to the causal triangle (with
32-row tiles and L = S = 128 it is 62% of the square).

Forward, for each tile of queries: an online softmax over blocks of keys. With the scores
S = scale * Q K^T + mask of one block, keep per row the running max m, the running sum
l = sum exp(S - m) and the unnormalised output acc = exp(S - m) V; a block that raises the max
first rescales l and acc by exp(old m - new m). At the end o = acc / l, and the row's log-sum-exp
is saved in two parts, m and log l (``reference._logsumexp``); a row that saw no unmasked key
gets o = 0 and log l = -inf. A NaN in a row makes its l and o NaN, as in the reference, and
the gradients of the keys it sees; keys a mask hides from it get none of its NaN (the reference,
which computes the whole score matrix, spreads it to them too).

Backward, for each tile of keys and each block of queries that sees it: recompute the
probabilities from the saved parts, P = exp((S - m) - log l) (no max or sum needed), then with
D_i = rowsum(dO_i * O_i), the softmax Jacobian term:

    dV = P^T dO,   dP = dO V^T,   dS = P * (dP - D),   dQ = scale * dS K,   dK = scale * dS^T Q.

dK and dV of a key tile are complete after its blocks of queries; dQ sums the contributions of
every key tile. Rows with log l = -inf have P = 0 and get zero gradients.

Parallelism: the batch is cut into one chunk per thread (``threads.get_num_threads()``) and each
Python thread runs the whole algorithm on its chunk; ``np.matmul`` and the Numba kernels
(``nogil=True``) release the GIL, so the threads run at the same time. The products are too small
for BLAS to gain from splitting one across threads, and we keep them so: OpenBLAS runs a product
of at most 64^3 multiply-adds on the calling thread, while a bigger one goes to its own thread
pool, which our threads would then queue for. So the inner block is sized to keep
tile x block x width within _PRODUCT_LIMIT. Every output element is computed by one thread in a
fixed order: results are deterministic.
"""

import math
import os
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
from numba import njit

from .threads import get_num_threads
from .vector_math import exp_and_expm1_nonpositive

_TILE = 32  # rows of the outer loop: queries in the forward, keys in the backward
_PRODUCT_LIMIT = 64**3  # multiply-adds of one matrix product, below OpenBLAS's threading


def _block_rows(width):
    """Rows of the inner loop (keys in the forward, queries in the backward): every product is
    tile x block x width (width = E or Ev), so as many as _PRODUCT_LIMIT allows."""
    return max(_TILE, _PRODUCT_LIMIT // (_TILE * width))


@njit(inline="always", cache=True)
def _visible_keys(causal, query, key_start, num_keys):
    """How many keys of the block [key_start, key_start + num_keys) the query sees (a prefix)."""
    if not causal:
        return num_keys
    return max(0, min(num_keys, query + 1 - key_start))


@njit(fastmath={"reassoc"}, cache=True)
def _prefix_sum(values, count):
    """values[0] + ... + values[count - 1], in float64. fastmath "reassoc" lets LLVM add in any
    order, and so vectorise the loop (several partial sums at once); it stays a separate function
    so that the flag does not reach the exp, whose formula depends on the order of operations."""
    total = 0.0
    for j in range(count):
        total += values[j]
    return total


@njit(inline="always", cache=True)
def _nan_max(a, b):
    """max(a, b), NaN if either is NaN (Python's max keeps whichever comes first)."""
    return a if a > b or a != a else b


@njit(nogil=True, cache=True)
def _softmax_key_block(scores, mask, scale, causal, query_start, key_start, running_max,
                       running_sum, correction):
    """One step of the online softmax (reference._attention_probabilities, a block of keys at a
    time). Fuses scale, mask, causal mask, block max and exp.

    scores (B, rows, keys) holds Q K^T for queries query_start.. and keys key_start..; it is
    overwritten with p = exp(scale * scores + mask - m), m the new running max (0 where masked).
    running_max, running_sum (B, rows) are updated; correction (B, rows) gets exp(old m - new m),
    the factor by which the caller rescales its output accumulator.
    """
    batch, num_rows, num_keys = scores.shape
    for b in range(batch):
        for r in range(num_rows):
            query = query_start + r
            row_scores = scores[b, r]
            visible = _visible_keys(causal, query, key_start, num_keys)
            for j in range(visible):
                row_scores[j] *= scale
                if mask is not None:  # decided when compiling: mask is an array or None
                    row_scores[j] += mask[b, query, key_start + j]
            block_max = scores.dtype.type(-np.inf)  # in the scores' dtype, and so is exp
            for j in range(visible):
                block_max = _nan_max(block_max, row_scores[j])
            old_max = running_max[b, r]
            new_max = _nan_max(old_max, block_max)
            if new_max == -np.inf:  # every key so far is masked out: p = 0, nothing to rescale
                row_scores[:] = 0
                correction[b, r] = 1
                continue
            for j in range(visible):
                row_scores[j] = exp_and_expm1_nonpositive(row_scores[j] - new_max)[0]
            row_scores[visible:] = 0
            block_sum = _prefix_sum(row_scores, visible)
            rescale = math.exp(old_max - new_max)  # 0 while old_max is -inf
            correction[b, r] = rescale
            running_max[b, r] = new_max
            running_sum[b, r] = running_sum[b, r] * rescale + block_sum


@njit(nogil=True, cache=True)
def _rescale_and_add(acc, correction, block_output):
    """acc = acc * correction + block_output, row by row: the online softmax's output update
    (reference.attention_forward's ``probabilities @ v``, summed over key blocks)."""
    batch, num_rows, width = acc.shape
    for b in range(batch):
        for r in range(num_rows):
            factor = correction[b, r]
            for d in range(width):
                acc[b, r, d] = acc[b, r, d] * factor + block_output[b, r, d]


@njit(nogil=True, cache=True)
def _normalise_output(acc, running_max, running_sum, query_start, o, row_max, log_sum):
    """o = acc / l and the two parts of lse, m and log l, for one tile of queries
    (reference.attention_forward's output and _logsumexp); a row that saw no unmasked key gets
    o = 0, m = 0 and log l = -inf."""
    batch, num_rows, width = acc.shape
    for b in range(batch):
        for r in range(num_rows):
            query = query_start + r
            total = running_sum[b, r]
            if running_max[b, r] == -np.inf:
                o[b, query, :] = 0
                row_max[b, query] = 0
                log_sum[b, query] = -np.inf
            else:  # a NaN total (a NaN or +inf score) makes the row NaN
                inverse = 1.0 / total
                for d in range(width):
                    o[b, query, d] = acc[b, r, d] * inverse
                row_max[b, query] = running_max[b, r]
                log_sum[b, query] = math.log(total)


@njit(nogil=True, cache=True)
def _output_gradient_dot(go, o, row_dot):
    """row_dot = D = rowsum(dO * O) (reference.attention_backward's ``row_dot``)."""
    batch, num_queries, width = o.shape
    for b in range(batch):
        for i in range(num_queries):
            total = 0.0
            for d in range(width):
                total += go[b, i, d] * o[b, i, d]
            row_dot[b, i] = total


@njit(nogil=True, cache=True)
def _score_gradients_block(scores, gprobs, mask, row_max, log_sum, row_dot, scale, causal,
                           query_start, key_start):
    """P and dS for one block of queries and keys (reference.attention_backward's
    ``probabilities`` and ``gscores``). Fuses scale, mask, causal mask, exp and the softmax
    Jacobian.

    scores (B, rows, keys) holds Q K^T and is overwritten with
    P = exp((scale * scores + mask - m) - log l); gprobs holds dP = dO V^T and is overwritten with
    scale * dS = scale * P * (dP - D). Masked entries and rows with log l = -inf get 0 in both.
    """
    batch, num_rows, num_keys = scores.shape
    zero = scores.dtype.type(0)  # keeps exp's argument below in the scores' dtype
    for b in range(batch):
        for r in range(num_rows):
            query = query_start + r
            shift, row_log_sum = row_max[b, query], log_sum[b, query]
            row_scores, row_gprobs = scores[b, r], gprobs[b, r]
            visible = _visible_keys(causal, query, key_start, num_keys)
            if row_log_sum == -np.inf:  # fully masked row: no probability, no gradient
                visible = 0
            dot = row_dot[b, query]
            for j in range(visible):
                score = scale * row_scores[j]
                if mask is not None:
                    score += mask[b, query, key_start + j]
                exponent = (score - shift) - row_log_sum
                if exponent > zero:  # <= 0 up to rounding: keep exp's argument in its domain
                    exponent = zero  # (a comparison, unlike min(), lets NaN through)
                prob = exp_and_expm1_nonpositive(exponent)[0]
                row_scores[j] = prob
                row_gprobs[j] = scale * prob * (row_gprobs[j] - dot)
            row_scores[visible:] = 0
            row_gprobs[visible:] = 0


class _Buffer:
    """Scratch memory handed out as C-contiguous arrays of any shape that fits, so that
    np.matmul can write into it (out=) without allocating, and Numba sees one array layout."""

    def __init__(self, size, dtype):
        self.flat = np.empty(size, dtype=dtype)

    def view(self, shape):
        return self.flat[:math.prod(shape)].reshape(shape)


def _transposed(x):
    """x with its last two axes swapped: a view, which np.matmul passes to BLAS as transposed
    (no copy is made)."""
    return x.transpose(0, 2, 1)


def _forward_chunk(q, k, v, mask, scale, causal, o, row_max, log_sum):
    """The forward pass on (a chunk of) the batch, writing o and the parts of lse."""
    (batch, num_queries, _), num_keys, value_width = q.shape, k.shape[1], v.shape[2]
    tile = min(_TILE, num_queries)
    block = min(_block_rows(max(q.shape[2], value_width)), num_keys)
    scores = _Buffer(batch * tile * block, q.dtype)
    acc = _Buffer(batch * tile * value_width, q.dtype)
    block_output = _Buffer(batch * tile * value_width, q.dtype)
    stats = _Buffer(3 * batch * tile, q.dtype)
    for query_start in range(0, num_queries, tile):
        query_end = min(num_queries, query_start + tile)
        q_tile = q[:, query_start:query_end]
        rows = query_end - query_start
        running_max, running_sum, correction = stats.view((3, batch, rows))
        running_max.fill(-np.inf)
        running_sum.fill(0)
        tile_acc = acc.view((batch, rows, value_width))
        key_end = min(num_keys, query_end) if causal else num_keys  # later keys are hidden
        for key_start in range(0, key_end, block):
            keys = slice(key_start, min(key_end, key_start + block))
            block_scores = scores.view((batch, rows, keys.stop - key_start))
            np.matmul(q_tile, _transposed(k[:, keys]), out=block_scores)
            _softmax_key_block(block_scores, mask, scale, causal, query_start, key_start,
                               running_max, running_sum, correction)
            if key_start == 0:
                np.matmul(block_scores, v[:, keys], out=tile_acc)
            else:
                tile_output = block_output.view(tile_acc.shape)
                np.matmul(block_scores, v[:, keys], out=tile_output)
                _rescale_and_add(tile_acc, correction, tile_output)
        _normalise_output(tile_acc, running_max, running_sum, query_start, o, row_max, log_sum)


def _backward_chunk(q, k, v, o, row_max, log_sum, go, mask, scale, causal, gq, gk, gv):
    """The backward pass on (a chunk of) the batch, writing gq, gk and gv."""
    (batch, num_queries, width), num_keys, value_width = q.shape, k.shape[1], v.shape[2]
    row_dot = np.empty((batch, num_queries), dtype=q.dtype)
    _output_gradient_dot(go, o, row_dot)
    tile = min(_TILE, num_keys)
    block = min(_block_rows(max(width, value_width)), num_queries)
    scores = _Buffer(batch * block * tile, q.dtype)
    gprobs = _Buffer(batch * block * tile, q.dtype)
    partial = _Buffer(batch * max(block, tile) * max(width, value_width), q.dtype)

    def add_product(a, b, out, first):
        """out = a @ b for the first contribution to out, out += a @ b for the later ones."""
        if first:
            np.matmul(a, b, out=out)
        else:
            product = partial.view(out.shape)
            np.matmul(a, b, out=product)
            out += product

    for key_start in range(0, num_keys, tile):
        keys = slice(key_start, min(num_keys, key_start + tile))
        k_tile, v_tile = k[:, keys], v[:, keys]
        query_begin = key_start if causal else 0  # earlier queries do not see these keys
        if query_begin >= num_queries:
            gk[:, keys] = 0
            gv[:, keys] = 0
            continue
        for query_start in range(query_begin, num_queries, block):
            queries = slice(query_start, min(num_queries, query_start + block))
            shape = (batch, queries.stop - query_start, keys.stop - key_start)
            probs, gscores = scores.view(shape), gprobs.view(shape)
            np.matmul(q[:, queries], _transposed(k_tile), out=probs)
            np.matmul(go[:, queries], _transposed(v_tile), out=gscores)
            _score_gradients_block(probs, gscores, mask, row_max, log_sum, row_dot, scale,
                                   causal, query_start, key_start)
            first_for_keys = query_start == query_begin
            add_product(_transposed(probs), go[:, queries], gv[:, keys], first_for_keys)
            add_product(_transposed(gscores), q[:, queries], gk[:, keys], first_for_keys)
            # every query sees the first key tile, so it writes all of dQ first
            add_product(gscores, k_tile, gq[:, queries], key_start == 0)


_pool, _pool_pid = None, None


def _thread_pool():
    """The worker threads, created on first use, and again in a forked child (which inherits
    the pool object but none of its threads)."""
    global _pool, _pool_pid
    if _pool_pid != os.getpid():
        _pool = ThreadPoolExecutor(max_workers=numba.config.NUMBA_NUM_THREADS)
        _pool_pid = os.getpid()
    return _pool


def _run_on_batch_chunks(batch, work):
    """work(chunk) for contiguous slices of range(batch), one per thread, all at once."""
    num_chunks = min(batch, get_num_threads())
    bounds = [batch * c // num_chunks for c in range(num_chunks + 1)]
    chunks = [slice(bounds[c], bounds[c + 1]) for c in range(num_chunks)]
    others = [_thread_pool().submit(work, chunk) for chunk in chunks[1:]]
    try:
        work(chunks[0])  # this thread takes the first chunk
    finally:
        for future in others:
            future.result()  # waits, and re-raises an exception from the thread


def _mask_view(mask, batch, num_queries, num_keys, dtype):
    """The mask as a (B, L, S) array of dtype, or None. A mask that broadcasts (e.g. (L, S) or
    (B, 1, S)) stays a broadcast view, so it is never expanded to (B, L, S) in memory."""
    if mask is None:
        return None
    mask = np.ascontiguousarray(mask, dtype=dtype)
    shape = (batch, num_queries, num_keys)
    return mask if mask.shape == shape else np.broadcast_to(mask, shape)


def _chunk(mask, chunk):
    return None if mask is None else mask[chunk]


def attention_forward(q, k, v, mask, scale, causal):
    q, k, v = np.ascontiguousarray(q), np.ascontiguousarray(k), np.ascontiguousarray(v)
    (batch, num_queries, _), num_keys = q.shape, k.shape[1]
    scale, causal = q.dtype.type(scale), bool(causal)
    mask = _mask_view(mask, batch, num_queries, num_keys, q.dtype)
    o = np.empty((batch, num_queries, v.shape[2]), dtype=q.dtype)
    row_max, log_sum = np.empty((2, batch, num_queries), dtype=q.dtype)
    if o.size == 0 or num_keys == 0:  # no keys: every row is fully masked
        o.fill(0)
        row_max.fill(0)
        log_sum.fill(-np.inf)
        return o, (row_max, log_sum)
    _run_on_batch_chunks(batch, lambda c: _forward_chunk(
        q[c], k[c], v[c], _chunk(mask, c), scale, causal, o[c], row_max[c], log_sum[c]))
    return o, (row_max, log_sum)


def attention_backward(q, k, v, o, lse, go, mask, scale, causal):
    q, k, v = np.ascontiguousarray(q), np.ascontiguousarray(k), np.ascontiguousarray(v)
    o, go = np.ascontiguousarray(o), np.ascontiguousarray(go)
    row_max, log_sum = (np.ascontiguousarray(part) for part in lse)
    (batch, num_queries, _), num_keys = q.shape, k.shape[1]
    scale, causal = q.dtype.type(scale), bool(causal)
    mask = _mask_view(mask, batch, num_queries, num_keys, q.dtype)
    gq, gk, gv = np.empty_like(q), np.empty_like(k), np.empty_like(v)
    if batch * num_queries == 0 or num_keys == 0:  # no query sees a key: no gradient
        return np.zeros_like(q), np.zeros_like(k), np.zeros_like(v)
    _run_on_batch_chunks(batch, lambda c: _backward_chunk(
        q[c], k[c], v[c], o[c], row_max[c], log_sum[c], go[c], _chunk(mask, c), scale, causal,
        gq[c], gk[c], gv[c]))
    return gq, gk, gv
