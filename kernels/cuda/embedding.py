"""Embedding lookup and its gradient.

NumPy twins: embedding_forward, embedding_backward in kernels/reference.py. The forward is a
gather, which CuPy's indexing already does in one kernel. The backward is a scatter-add: one
thread per element of gy adds it into row indices[n] of gweight with atomicAdd, so repeated
indices sum correctly without sorting them first (the order of the additions, and hence the
last bits of a sum, can vary from run to run; PyTorch's default embedding backward has the
same property). atomicAdd on double is a native instruction since sm_60.
"""
import cupy
import numpy

from ._runtime import contiguous

_scatter_add_rows = cupy.ElementwiseKernel(
    "T gy, raw int64 indices, int64 dim", "raw T gweight",
    "atomicAdd(&gweight[indices[i / dim] * dim + i % dim], gy)",
    "minidl_embedding_scatter_add",
)


def embedding_forward(weight, indices):
    return weight[indices]


def embedding_backward(indices, gy, num_embeddings):
    dim = gy.shape[-1]
    gweight = cupy.zeros((num_embeddings, dim), gy.dtype)
    if gy.size == 0:
        return gweight
    # contiguous, so that gy's flat index i is (position in indices) * dim + column
    _scatter_add_rows(contiguous(gy), contiguous(indices, cupy.int64), numpy.int64(dim), gweight)
    return gweight
