"""Exercise symmetric_int8: quantize a weight matrix to int8, one scale per row.

Each row n of W (one output channel of a Linear layer) gets its own scale, so that the row's
largest magnitude maps to 127 and zero maps to zero ("symmetric": no zero point)::

    scale[n] = max_k |W[n, k]| / 127              (1 for a row of zeros: any scale is exact)
    Q[n, k] = round(W[n, k] / scale[n])           an int8 in [-127, 127]

so W is approximately Q * scale[:, None], each entry off by at most scale[n] / 2. A float32
weight takes 4 bytes, an int8 one 1: the file shrinks about 4x. minidl/ops/quantized.py does
this for ``dl.quantization.quantize_dynamic``.

Check with:  python -m minidl.exercises check symmetric_int8
"""
import numpy as np


def quantize_symmetric(weight):
    """(Q int8 array of weight's shape, scale float32 array (rows,)) for a 2-D float array."""
    # BEGIN SOLUTION
    largest = np.abs(weight).max(axis=1)
    scale = np.where(largest > 0, largest / 127, 1).astype(np.float32)
    quantized = np.clip(np.rint(weight / scale[:, None]), -127, 127).astype(np.int8)
    return quantized, scale
    # END SOLUTION


def dequantize(quantized, scale):
    """The float matrix that (Q, scale) stands for."""
    # BEGIN SOLUTION
    return quantized.astype(np.float32) * scale[:, None]
    # END SOLUTION
