"""Exercise attention_backward: the gradients of scaled dot-product attention.

Forward, for one batch entry (Q (L, E), K (S, E), V (S, Ev)):

    S = scale * Q K^T          scores (L, S)
    P = softmax(S, axis=-1)    each row sums to 1
    O = P V                    output (L, Ev)

Backward, given dO = dL/dO, apply the chain rule through each line in reverse:

    dV = P^T dO                                      (from O = P V)
    dP = dO V^T
    dS = P * (dP - rowsum(dP * P))                   (the softmax Jacobian, row by row)
    dQ = scale * dS K,       dK = scale * dS^T Q     (from S = scale * Q K^T)

A useful identity: rowsum(dP * P) = rowsum(dO * O), which is how flash attention computes it
without keeping P. Arrays have a leading batch axis: Q (B, L, E) and so on; use ``@`` and
``.transpose(0, 2, 1)``. ``attention_forward`` is given.

Check with:  python -m minidl.exercises check attention_backward
"""
import numpy as np


def attention_forward(q, k, v, scale):
    """Returns (O, P) for O = softmax(scale * Q K^T) V, batched over the first axis."""
    scores = scale * (q @ k.transpose(0, 2, 1))
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    p = e / e.sum(axis=-1, keepdims=True)
    return p @ v, p


def attention_backward(q, k, v, p, go, scale):
    """Return (dQ, dK, dV) given the probabilities P from the forward and dO = ``go``."""
    # BEGIN SOLUTION
    gv = p.transpose(0, 2, 1) @ go
    gp = go @ v.transpose(0, 2, 1)
    gs = p * (gp - (gp * p).sum(axis=-1, keepdims=True))
    gq = scale * (gs @ k)
    gk = scale * (gs.transpose(0, 2, 1) @ q)
    return gq, gk, gv
    # END SOLUTION
