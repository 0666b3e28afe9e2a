"""Exercise causal_mask: attention that cannot look ahead.

A language model predicts character t+1 from characters 0..t. Trained on whole windows at
once, position t must not see positions after it, or it would simply read the answer. The
causal mask does this inside attention: before the softmax, the score of query i against
key j is replaced by -inf wherever j is in i's future, so its weight becomes exactly 0.

- ``causal_mask(length)``: a (length, length) boolean array, True where query i *may* attend
  to key j. Which (i, j) pairs are allowed? Draw the 4 x 4 case on paper first.
- ``causal_attention(q, k, v)``: for one sequence (no batch axis), q and k of shape (T, E) and
  v of shape (T, Ev): softmax(q k^T / sqrt(E), with the masked scores at -inf) v.
  ``np.where(mask, scores, -np.inf)`` applies the mask.

Check with:  python -m minidl.exercises check causal_mask
"""
import numpy as np


def causal_mask(length):
    """True where query i may attend to key j, shape (length, length)."""
    # BEGIN SOLUTION causal_mask(length): which (i, j) are allowed?
    return np.tril(np.ones((length, length), dtype=bool))
    # END SOLUTION


def causal_attention(q, k, v):
    """softmax(q k^T / sqrt(E) + causal mask) v for one sequence."""
    # BEGIN SOLUTION causal_attention(q, k, v) with your mask
    scores = q @ k.T / np.sqrt(q.shape[-1])
    scores = np.where(causal_mask(len(q)), scores, -np.inf)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)
    return weights @ v
    # END SOLUTION
