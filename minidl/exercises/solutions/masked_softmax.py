"""Exercise masked_softmax: a softmax over the positions a mask allows.

Attention must not look at padding, nor (in a causal model) at the future. With a bool mask
where True marks the positions that take part (the convention of
``F.scaled_dot_product_attention``), the masked softmax over the last axis is

    p_j = exp(s_j - m) / sum_{k allowed} exp(s_k - m)  for allowed j,   p_j = 0 otherwise

with m the largest *allowed* score. The usual trick: set the masked scores to -inf, then do a
stable softmax (exp(-inf) = 0). One trap: a row whose positions are *all* masked out gives
-inf - (-inf) = NaN. Such a row must come out as all zeros, never NaN, or the NaN spreads
through the whole network at the next matrix product.

``scores`` is a float array (..., S); ``mask`` a bool array that broadcasts against it.
Check with:  python -m minidl.exercises check masked_softmax
"""
import numpy as np


def masked_softmax(scores, mask):
    """Softmax over the last axis using only positions where ``mask`` is True; zeros elsewhere."""
    # BEGIN SOLUTION
    mask = np.broadcast_to(mask, scores.shape)
    masked = np.where(mask, scores, -np.inf)
    row_max = masked.max(axis=-1, keepdims=True)
    row_max = np.where(np.isfinite(row_max), row_max, 0)  # an all-masked row: shift by 0
    e = np.where(mask, np.exp(masked - row_max), 0)
    total = e.sum(axis=-1, keepdims=True)
    return np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    # END SOLUTION
