"""Exercise cross_entropy: cross-entropy from logits, stable, with its gradient.

For one sample with logits z (C classes) and true class t, softmax gives p_c = e^{z_c} / sum_j
e^{z_j} and the loss is -log p_t = logsumexp(z) - z_t. The mean over a batch of N rows is
``F.cross_entropy``'s default.

Numerical stability: e^{z} overflows for z > 88 in float32 (and 709 in float64). What can you
subtract from every logit of a row without changing the softmax (multiply the top and the
bottom of p_c by the same number)? Choose it so that every exponent is <= 0.

The gradient: differentiate logsumexp(z) - z_t with respect to one logit z_c, once for c = t
and once for c != t. The derivative of logsumexp is worth writing with the softmax; the result
is strikingly short. Then remember the mean over N rows.

Write both with NumPy: ``logits`` (N, C) float, ``target`` (N,) integer class indices.
Check with:  python -m minidl.exercises check cross_entropy
"""
import numpy as np


def cross_entropy_forward(logits, target):
    """The mean over rows of logsumexp(logits[i]) - logits[i, target[i]], as a float."""
    # BEGIN SOLUTION cross_entropy_forward (subtract each row's max before exp)
    row_max = logits.max(axis=1, keepdims=True)
    lse = row_max[:, 0] + np.log(np.exp(logits - row_max).sum(axis=1))
    picked = logits[np.arange(len(target)), target]
    return float(np.mean(lse - picked))
    # END SOLUTION


def cross_entropy_backward(logits, target):
    """d(mean loss)/d(logits), shape (N, C)."""
    # BEGIN SOLUTION cross_entropy_backward
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities = shifted / shifted.sum(axis=1, keepdims=True)
    probabilities[np.arange(len(target)), target] -= 1
    return probabilities / len(target)
    # END SOLUTION
