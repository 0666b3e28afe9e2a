"""Scaled dot-product attention on the CPU, flash style: twins of ``reference.py``'s.

The work splits in two kinds, each done by the tool that is good at it:

- matrix products go to BLAS through ``np.matmul`` on stacked blocks, (B, rows, E) @ (B, E, keys):
  NumPy hands each of the B products to the BLAS library (OpenBLAS here), which runs many times
  faster than any loop we could write in Numba;
- the elementwise and per-row work between the products (scale, mask, causal mask, max, exp,
  sums, rescaling) is fused into Numba kernels, so that each block of scores is read and written
  once. Their exp is ``vector_math``'s, which LLVM vectorises.

Score blocks are kept transposed, keys by queries: S^T = K Q^T, computed as K @ Q^T with Q^T a
C-contiguous copy made once per piece of the batch, so that every product has an untransposed
right-hand side (OpenBLAS's small products with a transposed one, Q @ K^T as a view, are 2-3x
slower). With the queries along the contiguous axis, a query's max, sum, m, log l and D are
vectors and every inner loop of the kernels is elementwise over queries, which LLVM vectorises;
a max or a sum along a query's row of keys is a chain of dependent steps that it does not (at
W3's shape, head dim 32 and 64 keys, such a row-wise kernel took longer than the two products
of its block).

Neither pass materialises the (B, L, S) score matrix: scores live in (B, keys, queries) buffers
of tile x block elements per entry, tiles of _TILE rows on the outer loop, blocks of a few
hundred rows on the inner one.
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

Parallelism: the batch is cut into pieces, which ``threads.get_num_threads()`` Python threads
take one at a time (``_run_on_batch_pieces`` says why), each running the whole algorithm on its
piece; ``np.matmul`` and the Numba kernels (``nogil=True``) release the GIL, so the threads run
at the same time. The products are too small for BLAS to gain from splitting one across
threads, and we keep them so: OpenBLAS runs a product of at most 64^3 multiply-adds on the
calling thread, while a bigger one goes to its own thread pool, which our threads would then
queue for. So the inner block is sized to keep tile x block x width within _PRODUCT_LIMIT.
Every output element is computed by one thread in a fixed order: results are deterministic.
"""

import itertools
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
_PIECES_PER_THREAD = 4  # pieces of the batch per thread, so that threads can even out their work


def _block_rows(width):
    """Rows of the inner loop (keys in the forward, queries in the backward): every product is
    tile x block x width (width = E or Ev), so as many as _PRODUCT_LIMIT allows."""
    return max(_TILE, _PRODUCT_LIMIT // (_TILE * width))


@njit(inline="always", cache=True)
def _first_seeing_query(causal, key, query_start, num_queries):
    """Where, in the block of queries [query_start, query_start + num_queries), the queries that
    see ``key`` begin: with the causal mask query i sees key j iff j <= i, so they are a suffix."""
    if not causal:
        return 0
    return max(0, min(num_queries, key - query_start))


@njit(inline="always", cache=True)
def _nan_max(a, b):
    """max(a, b), NaN if either is NaN (Python's max keeps whichever comes first)."""
    return a if a > b or a != a else b


@njit(nogil=True, cache=True)
def _softmax_key_block(scores, mask, scale, causal, query_start, key_start, running_max,
                       running_sum, correction):
    """One step of the online softmax (reference._attention_probabilities, a block of keys at a
    time). Fuses scale, mask, causal mask, block max, exp and sum.

    scores (B, keys, queries) holds K Q^T = S^T for keys key_start.. and queries query_start..;
    it is overwritten with p^T, p = exp(scale * S + mask - m), m the new running max (0 where
    masked). Queries lie along the contiguous axis, so every inner loop is elementwise over
    queries, with each query's max and sum in a vector, and vectorises (a max or sum along the
    row of a query would be a chain of dependent steps). running_max, running_sum (B, queries)
    are updated; correction (B, queries) gets exp(old m - new m), the factor by which the caller
    rescales its output accumulator.

    The inner loops run over views that start at the first query that sees the key: an index
    that starts at 0 is one Numba knows to be non-negative, and only then does LLVM vectorise.
    """
    batch, num_keys, num_queries = scores.shape
    shift = np.empty(num_queries, dtype=scores.dtype)  # the block max, then what exp subtracts
    block_sum = np.empty(num_queries, dtype=scores.dtype)
    for b in range(batch):
        shift[:] = -np.inf
        for j in range(num_keys):
            first = _first_seeing_query(causal, key_start + j, query_start, num_queries)
            scores[b, j, :first] = 0  # hidden by the causal mask: p = 0
            key_scores, key_max = scores[b, j, first:], shift[first:]
            for i in range(key_scores.size):
                score = key_scores[i] * scale
                if mask is not None:  # decided when compiling: mask is an array or None
                    score += mask[b, query_start + first + i, key_start + j]
                key_scores[i] = score
                key_max[i] = _nan_max(key_max[i], score)
        for i in range(num_queries):
            old_max = running_max[b, i]
            new_max = _nan_max(old_max, shift[i])
            if new_max == -np.inf:  # every key so far is masked out: p = exp(-inf - 0) = 0
                shift[i] = 0
                correction[b, i] = 1
            else:
                shift[i] = new_max
                correction[b, i] = math.exp(old_max - new_max)  # 0 while old_max is -inf
                running_max[b, i] = new_max
        block_sum[:] = 0
        for j in range(num_keys):
            first = _first_seeing_query(causal, key_start + j, query_start, num_queries)
            key_scores, key_shift, key_sum = scores[b, j, first:], shift[first:], block_sum[first:]
            for i in range(key_scores.size):
                prob = exp_and_expm1_nonpositive(key_scores[i] - key_shift[i])[0]
                key_scores[i] = prob
                key_sum[i] += prob
        for i in range(num_queries):
            running_sum[b, i] = running_sum[b, i] * correction[b, i] + block_sum[i]


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


@njit(nogil=True, fastmath={"reassoc"}, cache=True)
def _output_gradient_dot(go, o, row_dot):
    """row_dot = D = rowsum(dO * O) (reference.attention_backward's ``row_dot``). fastmath
    "reassoc" lets LLVM add in any order, and so vectorise the sum (several partial sums at
    once); nothing else in this function depends on the order of operations."""
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
    """P^T and dS^T for one block of keys and queries (reference.attention_backward's
    ``probabilities`` and ``gscores``, transposed). Fuses scale, mask, causal mask, exp and the
    softmax Jacobian.

    scores (B, keys, queries) holds K Q^T = S^T and is overwritten with P^T,
    P = exp((scale * S + mask - m) - log l); gprobs holds V dO^T = dP^T and is overwritten with
    scale * dS^T = scale * P^T * (dP^T - D). Masked entries and queries with log l = -inf get 0
    in both. Queries lie along the contiguous axis, with their m, log l and D, so the inner loop
    is elementwise and vectorises (over views that start at 0, see _softmax_key_block).
    """
    batch, num_keys, num_queries = scores.shape
    zero = scores.dtype.type(0)  # keeps exp's argument below in the scores' dtype
    for b in range(batch):
        for j in range(num_keys):
            first = _first_seeing_query(causal, key_start + j, query_start, num_queries)
            scores[b, j, :first] = 0
            gprobs[b, j, :first] = 0
            seeing = slice(query_start + first, query_start + num_queries)
            key_scores, key_gprobs = scores[b, j, first:], gprobs[b, j, first:]
            shift, query_log_sum, dot = row_max[b, seeing], log_sum[b, seeing], row_dot[b, seeing]
            for i in range(key_scores.size):
                score = scale * key_scores[i]
                if mask is not None:
                    score += mask[b, query_start + first + i, key_start + j]
                exponent = (score - shift[i]) - query_log_sum[i]
                if exponent > zero:  # <= 0 up to rounding: keep exp's argument in its domain
                    exponent = zero  # (a comparison, unlike min(), lets NaN through)
                prob = exp_and_expm1_nonpositive(exponent)[0]
                gradient = scale * prob * (key_gprobs[i] - dot[i])
                fully_masked = query_log_sum[i] == -np.inf  # no probability, no gradient
                key_scores[i] = zero if fully_masked else prob
                key_gprobs[i] = zero if fully_masked else gradient


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


def _transposed_copy(x):
    """x with its last two axes swapped, as a C-contiguous copy: (B, n, f) -> (B, f, n). The
    products take it on the right, untransposed; OpenBLAS's small products with a transposed
    right-hand side are 2-3x slower than plain ones."""
    return np.ascontiguousarray(_transposed(x))


def _forward_piece(q, k, v, mask, scale, causal, o, row_max, log_sum):
    """The forward pass on a piece of the batch, writing o and the parts of lse."""
    (batch, num_queries, width), num_keys, value_width = q.shape, k.shape[1], v.shape[2]
    q_t = _transposed_copy(q)  # (B, E, L)
    tile = min(_TILE, num_queries)
    block = min(_block_rows(max(width, value_width)), num_keys)
    scores = _Buffer(batch * block * tile, q.dtype)
    acc = _Buffer(batch * tile * value_width, q.dtype)
    block_output = _Buffer(batch * tile * value_width, q.dtype)
    stats = _Buffer(3 * batch * tile, q.dtype)
    for query_start in range(0, num_queries, tile):
        query_end = min(num_queries, query_start + tile)
        q_tile_t = q_t[:, :, query_start:query_end]
        rows = query_end - query_start
        running_max, running_sum, correction = stats.view((3, batch, rows))
        running_max.fill(-np.inf)
        running_sum.fill(0)
        tile_acc = acc.view((batch, rows, value_width))
        key_end = min(num_keys, query_end) if causal else num_keys  # later keys are hidden
        for key_start in range(0, key_end, block):
            keys = slice(key_start, min(key_end, key_start + block))
            block_scores = scores.view((batch, keys.stop - key_start, rows))  # S^T = K Q^T
            np.matmul(k[:, keys], q_tile_t, out=block_scores)
            _softmax_key_block(block_scores, mask, scale, causal, query_start, key_start,
                               running_max, running_sum, correction)
            probs = _transposed(block_scores)
            if key_start == 0:
                np.matmul(probs, v[:, keys], out=tile_acc)
            else:
                tile_output = block_output.view(tile_acc.shape)
                np.matmul(probs, v[:, keys], out=tile_output)
                _rescale_and_add(tile_acc, correction, tile_output)
        _normalise_output(tile_acc, running_max, running_sum, query_start, o, row_max, log_sum)


def _backward_piece(q, k, v, o, row_max, log_sum, go, mask, scale, causal, gq, gk, gv):
    """The backward pass on a piece of the batch, writing gq, gk and gv."""
    (batch, num_queries, width), num_keys, value_width = q.shape, k.shape[1], v.shape[2]
    row_dot = np.empty((batch, num_queries), dtype=q.dtype)
    _output_gradient_dot(go, o, row_dot)
    q_t, go_t = _transposed_copy(q), _transposed_copy(go)  # (B, E, L), (B, Ev, L)
    tile = min(_TILE, num_keys)
    block = min(_block_rows(max(width, value_width)), num_queries)
    scores = _Buffer(batch * tile * block, q.dtype)
    gprobs = _Buffer(batch * tile * block, q.dtype)
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
            shape = (batch, keys.stop - key_start, queries.stop - query_start)
            probs_t, gscores_t = scores.view(shape), gprobs.view(shape)
            np.matmul(k_tile, q_t[:, :, queries], out=probs_t)  # S^T = K Q^T
            np.matmul(v_tile, go_t[:, :, queries], out=gscores_t)  # dP^T = V dO^T
            _score_gradients_block(probs_t, gscores_t, mask, row_max, log_sum, row_dot, scale,
                                   causal, query_start, key_start)
            first_for_keys = query_start == query_begin
            add_product(probs_t, go[:, queries], gv[:, keys], first_for_keys)
            add_product(gscores_t, q[:, queries], gk[:, keys], first_for_keys)
            # every query sees the first key tile, so it writes all of dQ first
            add_product(_transposed(gscores_t), k_tile, gq[:, queries], key_start == 0)


_pool, _pool_pid = None, None


def _thread_pool():
    """The worker threads, created on first use, and again in a forked child (which inherits
    the pool object but none of its threads)."""
    global _pool, _pool_pid
    if _pool_pid != os.getpid():
        _pool = ThreadPoolExecutor(max_workers=numba.config.NUMBA_NUM_THREADS)
        _pool_pid = os.getpid()
    return _pool


def _run_on_batch_pieces(batch, work):
    """work(piece) for consecutive slices of range(batch), _PIECES_PER_THREAD per thread, taken
    one at a time by the threads until none is left. The pieces depend on the batch size and the
    thread count alone, and each is computed by one thread from start to end, so the results do
    not depend on which thread took which piece.

    Taking pieces rather than one fixed share each matters on a busy machine: a thread that
    shares its core (with another process, or with OpenBLAS's threads, which spin for a while
    after each threaded product) would otherwise hold the others up, and take twice as long as
    its share needs."""
    size = math.ceil(batch / (_PIECES_PER_THREAD * get_num_threads()))
    pieces = [slice(start, min(batch, start + size)) for start in range(0, batch, size)]
    taken = itertools.count()  # next() on it is atomic: each piece goes to exactly one thread

    def take_pieces():
        while (index := next(taken)) < len(pieces):
            work(pieces[index])

    num_threads = min(len(pieces), get_num_threads())
    others = [_thread_pool().submit(take_pieces) for _ in range(num_threads - 1)]
    try:
        take_pieces()  # this thread takes pieces too
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


def _piece(mask, piece):
    return None if mask is None else mask[piece]


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
    _run_on_batch_pieces(batch, lambda c: _forward_piece(
        q[c], k[c], v[c], _piece(mask, c), scale, causal, o[c], row_max[c], log_sum[c]))
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
    _run_on_batch_pieces(batch, lambda c: _backward_piece(
        q[c], k[c], v[c], o[c], row_max[c], log_sum[c], go[c], _piece(mask, c), scale, causal,
        gq[c], gk[c], gv[c]))
    return gq, gk, gv
