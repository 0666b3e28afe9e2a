"""Embedding lookup: row ``i`` of a (V, D) weight for every index ``i`` of an integer tensor.

    out[..., :] = weight[input[...], :]
    dweight[v] = sum of dout[...] over every position where input[...] == v

The lookup is a gather and its backward a scatter-add (an index that appears twice receives
both gradients), both done by the kernels. ``padding_idx`` (as in PyTorch) names one row whose
gradient is always zero, so a padding token's vector stays where it was initialised.
"""
from ..autograd import ArrayFunction


class Embedding(ArrayFunction):
    """out = weight[indices];  dweight = scatter-add of dout into the rows that were looked up"""

    @staticmethod
    def forward(ctx, weight, indices, padding_idx):
        ctx.indices, ctx.num_embeddings, ctx.padding_idx = indices, weight.shape[0], padding_idx
        return ctx.kernels.embedding_forward(weight, indices)

    @staticmethod
    def backward(ctx, grad):
        gweight = ctx.kernels.embedding_backward(ctx.indices, grad, ctx.num_embeddings)
        if ctx.padding_idx is not None:
            gweight[ctx.padding_idx] = 0
        return gweight, None, None


def embedding(input, weight, padding_idx=None):  # noqa: A002 (PyTorch's argument names)
    """Rows of ``weight`` (V, D) at the int64 indices in ``input``: shape input.shape + (D,)."""
    if input.dtype.kind not in "iu":
        raise TypeError(f"embedding: expected integer indices, got {input.dtype}")
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be 2-D (num_embeddings, dim), got {weight.shape}")
    num_embeddings = weight.shape[0]
    indices = input._data
    if indices.size:
        low, high = int(indices.min()), int(indices.max())
        if low < 0 or high >= num_embeddings:
            bad = low if low < 0 else high
            raise IndexError(
                f"embedding: index {bad} is out of range for {num_embeddings} embeddings "
                f"(valid indices are 0 to {num_embeddings - 1})"
            )
    if padding_idx is not None:
        if not -num_embeddings <= padding_idx < num_embeddings:
            raise ValueError(
                f"embedding: padding_idx {padding_idx} is out of range for {num_embeddings} "
                "embeddings"
            )
        padding_idx %= num_embeddings
    return Embedding.apply(weight, input, padding_idx)
