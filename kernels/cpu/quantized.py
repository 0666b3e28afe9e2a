"""The int8 matrix product of dynamic quantization, compiled with Numba.

Twin of ``reference.quantized_matmul``. Each output row is one task (rows in parallel). The
zero point is taken out of the inner loop, since
sum_k (a[m, k] - zp) w[n, k] = sum_k a[m, k] w[n, k] - zp * sum_k w[n, k]:
the inner loop is then a plain dot product of 8-bit integers widened to int32, which LLVM
vectorises, and the row sums of w are computed once per call.
"""

import numpy as np
from numba import prange

from .parallel import serial_and_parallel


@serial_and_parallel(cost=16)
def _quantized_matmul(a, a_zero_point, w, w_row_sums, out):
    rows, inner = a.shape
    for m in prange(rows):
        for n in range(w.shape[0]):
            acc = np.int32(0)
            for k in range(inner):
                acc += np.int32(a[m, k]) * np.int32(w[n, k])
            out[m, n] = acc - a_zero_point * w_row_sums[n]


def quantized_matmul(a, a_zero_point, w):
    a, w = np.ascontiguousarray(a), np.ascontiguousarray(w)
    w_row_sums = w.sum(axis=1, dtype=np.int32)
    out = np.empty((a.shape[0], w.shape[0]), dtype=np.int32)
    _quantized_matmul.pick(out.size * a.shape[1] // 16)(
        a, np.int32(a_zero_point), w, w_row_sums, out)
    return out
