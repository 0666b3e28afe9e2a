"""Exercise cross_entropy: cross-entropy from logits, stable, with its gradient.

For one sample with logits z (C classes) and true class t, softmax gives p_c = e^{z_c} / sum_j
e^{z_j} and the loss is -log p_t = logsumexp(z) - z_t. The mean over a batch of N rows is
``F.cross_entropy``'s default.

Numerical stability: e^{z} overflows for z > 88 in float32 (and 709 in float64). Subtract the
row maximum m first: logsumexp(z) = m + log(sum_j e^{z_j - m}), and every exponent is <= 0.

The gradient of the mean loss with respect to the logits is (softmax(z) - onehot(t)) / N:
the predicted probabilities minus the target distribution, a remarkably simple result.

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
    """d(mean loss)/d(logits) = (softmax(logits) - onehot(target)) / N, shape (N, C)."""
    # BEGIN SOLUTION cross_entropy_backward
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities = shifted / shifted.sum(axis=1, keepdims=True)
    probabilities[np.arange(len(target)), target] -= 1
    return probabilities / len(target)
    # END SOLUTION
