"""Exercise quantized_matmul: the matrix product of dynamic int8 quantization.

Activations x (M, K) are quantized per batch to uint8 with a zero point: x ~ x_scale * (a - zp),
a in [0, 255]. Weights W (N, K) are int8, symmetric, one scale per row: W ~ w_scale[:, None] * w.
Then::

    x @ W.T ~ x_scale * w_scale[n] * sum_k (a[m, k] - zp) * w[n, k]

The sum runs over K products of an 8-bit and an 8-bit number: each is up to 255 * 128 = 32,640,
and a sum of a few of them overflows int8 and int16. Accumulate in int32 (as every int8
hardware unit does), then convert to float once at the end. The kernels ``quantized_matmul``
of minidl/kernels/ do the integer part.

Check with:  python -m minidl.exercises check quantized_matmul
"""
import numpy as np


def integer_matmul(a, zero_point, w):
    """acc (M, N) int32: sum_k (a[m, k] - zero_point) * w[n, k], for a uint8 (M, K) and w int8
    (N, K)."""
    # BEGIN SOLUTION
    return (a.astype(np.int32) - np.int32(zero_point)) @ w.astype(np.int32).T
    # END SOLUTION


def dequantized_matmul(a, zero_point, x_scale, w, w_scale):
    """The float32 approximation of x @ W.T from the quantized operands."""
    # BEGIN SOLUTION
    return integer_matmul(a, zero_point, w).astype(np.float32) * (x_scale * w_scale)
    # END SOLUTION
