"""Exercise attention_backward: the gradients of scaled dot-product attention.

Forward, for one batch entry (Q (L, E), K (S, E), V (S, Ev)):

    S = scale * Q K^T          scores (L, S)
    P = softmax(S, axis=-1)    each row sums to 1
    O = P V                    output (L, Ev)

Backward: given dO = dL/dO, go back through the three lines in reverse, one at a time.

- O = P V and S = scale * Q K^T are matrix products: you derived a product's backward in
  linear_backward (dA for C = A B is dC B^T, and so on); a shape check tells you where a
  transpose goes, since every gradient has its input's shape.
- The softmax is the new part. For one row, dP_j/dS_i = P_j (delta_ij - P_i). Multiply by the
  upstream dP and sum over j to get dS_i, then write the result with whole-row operations
  (one elementwise product, one sum over the row).

Arrays have a leading batch axis: Q (B, L, E) and so on; use ``@`` and ``.transpose(0, 2, 1)``.
``attention_forward`` is given. The checks test dV, dQ and dK separately, then all three
against central differences.

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
