"""Embedding lookup, compiled with Numba: twins of ``reference.py``'s.

The forward copies one row of the table per index, rows in parallel. The backward scatter-adds
gradient rows into the table's rows; two indices may name the same row, so a parallel loop over
indices would race. It runs in parallel over column blocks instead: each thread owns a slice of
the columns of every row, so no two threads write the same element, and the sum over repeated
indices happens in the same order on every run. Both loops are compiled serial and parallel
(``parallel.py``); the backward runs in parallel only with more than one column block.
"""

import numpy as np
from numba import prange

from .parallel import serial_and_parallel

_COLUMN_BLOCK = 64


@serial_and_parallel(cost=8)
def _embedding_forward(weight, indices, out):
    """reference.embedding_forward: out[n, :] = weight[indices[n], :]."""
    for n in prange(indices.size):
        out[n, :] = weight[indices[n], :]


@serial_and_parallel(cost=1)
def _embedding_backward(indices, gy, gweight):
    """reference.embedding_backward: gweight[indices[n], :] += gy[n, :], parallel over columns."""
    width = gy.shape[1]
    blocks = (width + _COLUMN_BLOCK - 1) // _COLUMN_BLOCK
    for block in prange(blocks):
        start = block * _COLUMN_BLOCK
        stop = min(start + _COLUMN_BLOCK, width)
        for n in range(indices.size):
            row = indices[n]
            for j in range(start, stop):
                gweight[row, j] += gy[n, j]


def embedding_forward(weight, indices):
    weight = np.ascontiguousarray(weight)
    flat_indices = np.ascontiguousarray(indices, dtype=np.int64).reshape(-1)
    out = np.empty((flat_indices.size, weight.shape[1]), dtype=weight.dtype)
    _embedding_forward.pick(out.size)(weight, flat_indices, out)
    return out.reshape(indices.shape + (weight.shape[1],))


def embedding_backward(indices, gy, num_embeddings):
    width = gy.shape[-1]
    flat_gy = np.ascontiguousarray(gy).reshape(-1, width)
    gweight = np.zeros((num_embeddings, width), dtype=gy.dtype)
    work = flat_gy.size if width > _COLUMN_BLOCK else 0  # one column block: nothing to share
    _embedding_backward.pick(work)(
        np.ascontiguousarray(indices, dtype=np.int64).reshape(-1), flat_gy, gweight)
    return gweight
