"""Dynamic int8 quantization of a linear layer: y = x W^T + b computed with 8-bit integers.

Weights, once, per output channel, symmetric (zero point 0)::

    w_scale[n] = max_k |W[n, k]| / 127,      W_q[n, k] = round(W[n, k] / w_scale[n])  in [-127, 127]

Activations, on every call, for the whole batch ("dynamic"), asymmetric uint8, exactly as
ONNX's DynamicQuantizeLinear (so an exported model computes the same numbers)::

    lo = min(min(x), 0),  hi = max(max(x), 0),  x_scale = (hi - lo) / 255,
    zero_point = round(-lo / x_scale),           x_q = clip(round(x / x_scale) + zero_point, 0, 255)

(the range always holds 0, so zero padding is exact). Then an int8 product accumulated in
int32 (the ``quantized_matmul`` kernel), and one multiply back to real numbers::

    y[m, n] = x_scale * w_scale[n] * sum_k (x_q[m, k] - zero_point) * W_q[n, k] + b[n]

PyTorch's fbgemm backend does the same with 7-bit activations (reduce_range) and, by default,
one weight scale per tensor; rounding is half-to-even (NumPy's rint, ONNX's rounding).
Quantized layers run inference only: they have no backward.
"""
import numpy as np

from ..autograd import ArrayFunction
from ..tensor import Tensor

INT8_MAX = 127
UINT8_MAX = 255


def quantize_per_channel(weight):
    """(W_q int8 (N, K), w_scale (N,)) as Tensors, for a float weight Tensor (N, K)."""
    quantized, scale = _quantize_per_channel(weight._data, weight._backend.xp)
    return Tensor._make(quantized, weight._backend), Tensor._make(scale, weight._backend)


def _quantize_per_channel(weight, xp):
    """Rows of zeros get scale 1 (any scale is exact for them)."""
    largest = xp.abs(weight).max(axis=1)
    scale = xp.where(largest > 0, largest / INT8_MAX, 1).astype(weight.dtype)
    quantized = xp.clip(xp.rint(weight / scale[:, None]), -INT8_MAX, INT8_MAX)
    return quantized.astype(np.int8), scale


def quantize_activations(x, xp):
    """(x_q uint8, x_scale, zero_point) of a float array, as ONNX DynamicQuantizeLinear.

    The range and the zero point are host scalars (one device sync); the array math runs on
    the array's device through ``xp``."""
    lo = min(float(x.min()), 0.0) if x.size else 0.0
    hi = max(float(x.max()), 0.0) if x.size else 0.0
    scale = np.float32((hi - lo) / UINT8_MAX) if hi > lo else np.float32(1)
    zero_point = int(np.clip(np.rint(-lo / scale), 0, UINT8_MAX))
    quantized = xp.clip(xp.rint(x / scale) + zero_point, 0, UINT8_MAX).astype(np.uint8)
    return quantized, scale, zero_point


class QuantizedLinearFunction(ArrayFunction):
    """y = dequantize(quantize(x) @ W_q^T) + b; inference only."""

    @staticmethod
    def forward(ctx, x, weight_q, weight_scale, bias):
        rows = x.reshape(-1, x.shape[-1])
        x_q, x_scale, zero_point = quantize_activations(rows, ctx.xp)
        accumulated = ctx.kernels.quantized_matmul(x_q, zero_point, weight_q)
        y = accumulated.astype(x.dtype) * (x_scale * weight_scale).astype(x.dtype)
        if bias is not None:
            y += bias
        return y.reshape(*x.shape[:-1], weight_q.shape[0])

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("quantized linear: quantized layers run inference only and have no "
                           "backward (train the float model, then quantize it)")


def quantized_linear(input, weight_q, weight_scale, bias=None):  # noqa: A002
    """The dynamically quantized y = input W^T + b from W's int8 form (see the module docstring)."""
    if input.dtype.kind != "f":
        raise TypeError(f"quantized_linear: expected a floating-point input, got {input.dtype}")
    if input.ndim == 0 or input.shape[-1] != weight_q.shape[1]:
        raise ValueError(
            f"quantized_linear: input shape {input.shape} does not match weight shape "
            f"{weight_q.shape} (the input's last axis must have in_features = "
            f"{weight_q.shape[1]})"
        )
    return QuantizedLinearFunction.apply(input, weight_q, weight_scale, bias)
