"""Track step 7: ReLU, softmax and cross-entropy, the last ops a classifier needs.

- ``relu(x)``: max(x, 0) elementwise; its backward lets the gradient through where x > 0.
- ``log_softmax(logits)``: for (N, C) logits, row by row: logits - log(sum(exp(logits))).
  exp overflows for logits near 1000: what can you subtract from each row first without
  changing the result? (Multiply top and bottom of the softmax by the same number.)
- ``cross_entropy(logits, targets)``: the mean over the N rows of -log_softmax[i, targets[i]]
  (``targets`` is an integer NumPy array). Give it its own backward rather than building it
  from smaller ops: differentiate -log_softmax[i, t] with respect to logits[i, c] on paper,
  for c = t and for c != t; the result is short, and written with the softmax. Do not forget
  the 1/N of the mean.

Use your ``gradcheck`` of step 6 on your own ops while you work; the checks do too.

Check with:  python -m minidl.exercises check track07_functional
"""
import numpy as np

from track04_tensor import Tensor


def relu(x):
    out = Tensor(np.maximum(x.data, 0.0), (x,), "relu")
    # BEGIN SOLUTION the backward of relu
    def _backward():
        x.grad += (x.data > 0) * out.grad
    out._backward = _backward
    # END SOLUTION
    return out


def log_softmax(logits):
    """log softmax over the last axis, as a NumPy array (no graph: cross_entropy uses it)."""
    # BEGIN SOLUTION log_softmax(logits), stable for large logits
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    # END SOLUTION


def cross_entropy(logits, targets):
    """Mean cross-entropy of (N, C) logits against integer targets (N,), a one-element Tensor."""
    targets = np.asarray(targets)
    rows = np.arange(len(targets))
    log_probabilities = log_softmax(logits.data)
    out = Tensor(-log_probabilities[rows, targets].mean(), (logits,), "cross_entropy")
    # BEGIN SOLUTION the backward of cross_entropy, from the softmax
    def _backward():
        grad = np.exp(log_probabilities)
        grad[rows, targets] -= 1
        logits.grad += grad / len(targets) * out.grad
    out._backward = _backward
    # END SOLUTION
    return out
