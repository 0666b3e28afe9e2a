"""Exercise online_softmax: softmax of a row you only see one block at a time.

A plain softmax reads its row three times: once for the max, once for the sum of exponentials,
once to normalise. Flash attention cannot afford that (the row is a row of scores it never
stores), so it keeps two running numbers while the blocks stream past: the largest value seen
so far, ``m``, and the sum of exp(x - m) over everything seen so far, ``l``.

When a new block arrives, its own terms are easy once you know the new maximum m_new. The old
sum is the problem: it holds terms exp(x - m) measured against the *old* maximum. Work out
the single factor that turns every one of them into exp(x - m_new) (exp(a - b) = exp(a) /
exp(b)), so that you can fix the whole old sum at once without seeing its elements again.

Start from m = -inf, l = 0 (there is nothing to rescale while m is still -inf). At the end,
softmax(x)_i = exp(x_i - m) / l, and the log-sum-exp is m + log(l).

Write ``online_logsumexp(blocks)`` (an iterable of 1-D NumPy arrays, the row in order) returning
(m, l), and ``softmax_from_blocks(blocks)`` that uses it and returns the whole softmax row.
Check with:  python -m minidl.exercises check online_softmax
"""
import math

import numpy as np


def online_logsumexp(blocks):
    """One pass over the blocks: the row max m and the sum l of exp(x - m)."""
    m, l = -math.inf, 0.0
    # BEGIN SOLUTION online_logsumexp: update the running max m and the rescaled sum l per block
    for block in blocks:
        if block.size == 0:
            continue
        m_new = max(m, float(block.max()))
        if m_new == -math.inf:  # everything so far is -inf: nothing to add
            continue
        rescale = math.exp(m - m_new) if m != -math.inf else 0.0
        l = l * rescale + float(np.exp(block - m_new).sum())
        m = m_new
    # END SOLUTION
    return m, l


def softmax_from_blocks(blocks):
    """The softmax of the concatenated blocks, from one online pass plus one output pass."""
    blocks = list(blocks)
    # BEGIN SOLUTION softmax_from_blocks using online_logsumexp
    m, l = online_logsumexp(blocks)
    row = np.concatenate(blocks)
    return np.exp(row - m) / l
    # END SOLUTION
