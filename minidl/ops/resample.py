"""Resizing images by separable linear maps: F.interpolate and F.adaptive_avg_pool2d.

Nearest and bilinear interpolation and adaptive average pooling all compute each output row
from a few input rows, and each output column from a few input columns, with weights that
depend only on the sizes. Each is one matrix per axis, A_h (OH, H) and A_w (OW, W)::

    y = A_h @ x @ A_w^T          (x (N, C, H, W), matmul over the last two axes)
    dL/dx = A_h^T @ dL/dy @ A_w

so one op, with its matrices built by the function that names the method, covers all of them.
"""
import math

import numpy as np

from ..autograd import ArrayFunction
from ..tensor import Tensor


class Resample2d(ArrayFunction):
    """y = A_h x A_w^T;  dx = A_h^T dy A_w"""

    @staticmethod
    def forward(ctx, x, rows, columns):
        ctx.rows, ctx.columns = rows, columns
        return rows @ x @ columns.T

    @staticmethod
    def backward(ctx, grad):
        return ctx.rows.T @ grad @ ctx.columns, None, None


def _resample(input, rows, columns):  # noqa: A002
    """Apply the (OH, H) and (OW, W) NumPy matrices, moved to the input's device and dtype."""
    backend = input._backend
    as_array = (lambda m: backend.asarray(m, dtype=input.dtype))
    return Resample2d.apply(input, as_array(rows), as_array(columns))


def adaptive_average_matrix(size, output_size):
    """(output_size, size): row i averages inputs floor(i * size / out) .. ceil((i+1) * size / out)."""
    matrix = np.zeros((output_size, size))
    for i in range(output_size):
        start = (i * size) // output_size
        end = -((-(i + 1) * size) // output_size)
        matrix[i, start:end] = 1 / (end - start)
    return matrix


def adaptive_avg_pool2d(input, output_size):  # noqa: A002
    """PyTorch's F.adaptive_avg_pool2d: average over windows that tile the input into
    ``output_size`` (an int, a pair, None keeps that axis) cells."""
    _check_image("adaptive_avg_pool2d", input)
    sizes = (output_size, output_size) if isinstance(output_size, int) else tuple(output_size)
    sizes = [n if out is None else out for n, out in zip(input.shape[2:], sizes)]
    if min(sizes) < 1:
        raise ValueError(f"adaptive_avg_pool2d: output_size must be positive, got {output_size}")
    return _resample(input, adaptive_average_matrix(input.shape[2], sizes[0]),
                     adaptive_average_matrix(input.shape[3], sizes[1]))


def interpolation_matrix(size, output_size, mode, align_corners, scale=None):
    """(output_size, size) weights of nearest or linear interpolation, PyTorch's conventions.

    ``scale`` is the input/output ratio (1 / scale_factor when that was given, else
    size / output_size). nearest: output i takes input floor(i * scale). linear: output i sits
    at source position s = i * (size - 1) / (output_size - 1) with align_corners, else
    (i + 0.5) * scale - 0.5 (clamped at 0); it mixes inputs floor(s) and floor(s) + 1 with
    weights 1 - frac(s) and frac(s).
    """
    scale = size / output_size if scale is None else scale
    matrix = np.zeros((output_size, size))
    outputs = np.arange(output_size)
    if mode == "nearest":
        matrix[outputs, np.minimum(np.floor(outputs * scale).astype(int), size - 1)] = 1
        return matrix
    if align_corners:
        source = outputs * ((size - 1) / (output_size - 1) if output_size > 1 else 0.0)
    else:
        source = np.maximum((outputs + 0.5) * scale - 0.5, 0)
    low = np.minimum(np.floor(source).astype(int), size - 1)
    high = np.minimum(low + 1, size - 1)
    weight_high = source - low
    np.add.at(matrix, (outputs, low), 1 - weight_high)
    np.add.at(matrix, (outputs, high), weight_high)
    return matrix


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None):  # noqa: A002
    """PyTorch's F.interpolate for (N, C, H, W) images, modes "nearest" and "bilinear"."""
    _check_image("interpolate", input)
    if mode not in ("nearest", "bilinear"):
        raise NotImplementedError(f"interpolate: mode {mode!r} (minidl has 'nearest', 'bilinear')")
    if mode == "nearest" and align_corners is not None:
        raise ValueError("interpolate: align_corners only applies to the linear modes")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    in_sizes = input.shape[2:]
    if size is not None:
        out_sizes = (size, size) if isinstance(size, int) else tuple(size)
        scales = [None, None]
    else:
        factors = ((scale_factor,) * 2 if isinstance(scale_factor, (int, float))
                   else tuple(scale_factor))
        out_sizes = tuple(math.floor(n * f) for n, f in zip(in_sizes, factors))
        scales = [1 / f for f in factors]
    if min(out_sizes) < 1:
        raise ValueError(f"interpolate: output size {out_sizes} must be positive")
    matrices = [interpolation_matrix(n, out, mode, bool(align_corners), s)
                for n, out, s in zip(in_sizes, out_sizes, scales)]
    return _resample(input, *matrices)


def _check_image(op, input):  # noqa: A002
    if not isinstance(input, Tensor) or input.ndim != 4:
        shape = input.shape if isinstance(input, Tensor) else type(input).__name__
        raise RuntimeError(f"{op}: expected a 4-D input (N, C, H, W), got shape {shape}")
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point input, got {input.dtype}")
