"""Exercise numba_softmax: a row softmax compiled with Numba, two passes per row.

NumPy's softmax (``minidl/kernels/reference.py``) makes five passes over memory: max, subtract,
exp, sum, divide, each writing a temporary array. A compiled loop can fuse them:

    pass 1: the row max m, and (online, as in the previous exercise) s = sum exp(x - m)
    pass 2: y_j = exp(x_j - m) / s

Write ``softmax_rows(x, out)`` as a Numba ``@njit`` function over a 2-D float array: loop over
rows with ``numba.prange`` (rows are independent, so they run in parallel), and over each
row's columns with plain ``range``. Write into ``out`` (same shape). Plain Python loops,
``math.exp`` and ``max``: Numba compiles them to machine code. Keep every accumulator local to
its row (a variable shared across prange iterations is a race).

``softmax(x)`` below allocates ``out`` and calls your kernel. Compare your kernel with
kernels/cpu/softmax.py, the one minidl uses.
Check with:  python -m minidl.exercises check numba_softmax
"""
import math

import numba
import numpy as np


@numba.njit(parallel=True, cache=False)
def softmax_rows(x, out):
    """out[i] = softmax(x[i]) for each row i of the 2-D array x."""
    n, d = x.shape
    for i in numba.prange(n):
        # BEGIN SOLUTION softmax_rows: two passes over row i (max and running sum, then write)
        m = -math.inf
        s = 0.0
        for j in range(d):
            v = x[i, j]
            if v > m:
                s = s * math.exp(m - v) if m != -math.inf else 0.0
                m = v
            s += math.exp(v - m)
        for j in range(d):
            out[i, j] = math.exp(x[i, j] - m) / s
        # END SOLUTION


def softmax(x):
    """Softmax over the last axis of a 2-D array, by your kernel."""
    x = np.ascontiguousarray(x)
    out = np.empty_like(x)
    softmax_rows(x, out)
    return out
