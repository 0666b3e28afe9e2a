"""Activation functions, computed by the kernels of the tensor's device.

The kernels (``minidl.kernels``: reference NumPy, Numba, CUDA) hold the math; these ops connect
them to autograd. ReLU's backward needs the input; sigmoid's and tanh's need only the output.
"""
from ..autograd import ArrayFunction


class ReLU(ArrayFunction):
    """out = max(x, 0);  d/dx = 1 where x > 0, else 0"""

    @staticmethod
    def forward(ctx, x):
        ctx.x = x
        return ctx.kernels.relu_forward(x)

    @staticmethod
    def backward(ctx, grad):
        return ctx.kernels.relu_backward(ctx.x, grad)


class Sigmoid(ArrayFunction):
    """out = 1 / (1 + e^-x);  d/dx = out * (1 - out)"""

    @staticmethod
    def forward(ctx, x):
        ctx.out = ctx.kernels.sigmoid_forward(x)
        return ctx.out

    @staticmethod
    def backward(ctx, grad):
        return ctx.kernels.sigmoid_backward(ctx.out, grad)


class Tanh(ArrayFunction):
    """out = tanh(x);  d/dx = 1 - out^2"""

    @staticmethod
    def forward(ctx, x):
        ctx.out = ctx.kernels.tanh_forward(x)
        return ctx.out

    @staticmethod
    def backward(ctx, grad):
        return ctx.kernels.tanh_backward(ctx.out, grad)


class GELU(ArrayFunction):
    """out = x * Phi(x) (Phi: the standard normal CDF), or its tanh approximation."""

    @staticmethod
    def forward(ctx, x, approximate):
        ctx.x, ctx.approximate = x, approximate
        return ctx.kernels.gelu_forward(x, approximate)

    @staticmethod
    def backward(ctx, grad):
        return ctx.kernels.gelu_backward(ctx.x, grad, ctx.approximate), None


def _float_only(name, x):
    if x._data.dtype.kind != "f":  # (the NumPy dtype: x.dtype's conversion is slow per op)
        raise TypeError(f"{name}: expected a floating-point tensor, got {x.dtype}")
    return x


def relu(x, inplace=False):
    """max(x, 0); ``inplace=True`` is accepted and computed out of place (the same result)."""
    return ReLU.apply(_float_only("relu", x))


def sigmoid(x):
    return Sigmoid.apply(_float_only("sigmoid", x))


def tanh(x):
    return Tanh.apply(_float_only("tanh", x))


def gelu(x, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU.apply(_float_only("gelu", x), approximate)


# ---- more activations (array math; no dedicated kernels) -----------------------------------
# ``inplace=True`` is accepted, as PyTorch code passes it, and computed out of place: the
# result is the same, but the input is not overwritten.


class SiLU(ArrayFunction):
    """out = x * sigmoid(x);  d/dx = s + x s (1 - s),  s = sigmoid(x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.x, ctx.s = x, ctx.kernels.sigmoid_forward(x)
        return x * ctx.s

    @staticmethod
    def backward(ctx, grad):
        s = ctx.s
        return grad * (s + ctx.x * s * (1 - s))


class LeakyReLU(ArrayFunction):
    """out = x if x > 0 else a x;  d/dx = 1 if x > 0 else a"""

    @staticmethod
    def forward(ctx, x, negative_slope):
        ctx.positive, ctx.slope = x > 0, negative_slope
        return ctx.xp.where(ctx.positive, x, x * x.dtype.type(negative_slope))

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.where(ctx.positive, grad, grad * grad.dtype.type(ctx.slope)), None


class ELU(ArrayFunction):
    """out = x if x > 0 else alpha (e^x - 1);  d/dx = 1 if x > 0 else alpha e^x = out + alpha"""

    @staticmethod
    def forward(ctx, x, alpha):
        xp = ctx.xp
        ctx.positive, ctx.alpha = x > 0, x.dtype.type(alpha)
        ctx.out = xp.where(ctx.positive, x, ctx.alpha * xp.expm1(xp.minimum(x, 0)))
        return ctx.out

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.where(ctx.positive, grad, grad * (ctx.out + ctx.alpha)), None


class Softplus(ArrayFunction):
    """out = log(1 + e^(beta x)) / beta, or x where beta x > threshold (there e^(beta x) would
    overflow, and the two agree);  d/dx = sigmoid(beta x), or 1 past the threshold"""

    @staticmethod
    def forward(ctx, x, beta, threshold):
        xp = ctx.xp
        scaled = x * x.dtype.type(beta)
        ctx.linear, ctx.scaled = scaled > threshold, scaled
        soft = (xp.maximum(scaled, 0) + xp.log1p(xp.exp(-xp.abs(scaled)))) / x.dtype.type(beta)
        return xp.where(ctx.linear, x, soft)

    @staticmethod
    def backward(ctx, grad):
        slope = ctx.kernels.sigmoid_forward(ctx.scaled)
        return ctx.xp.where(ctx.linear, grad, grad * slope), None, None


def silu(x, inplace=False):
    return SiLU.apply(_float_only("silu", x))


def leaky_relu(x, negative_slope=0.01, inplace=False):
    return LeakyReLU.apply(_float_only("leaky_relu", x), float(negative_slope))


def elu(x, alpha=1.0, inplace=False):
    return ELU.apply(_float_only("elu", x), float(alpha))


def softplus(x, beta=1.0, threshold=20.0):
    if beta <= 0:
        raise ValueError(f"softplus: beta must be positive, got {beta}")
    return Softplus.apply(_float_only("softplus", x), float(beta), float(threshold))


# ---- activations composed of other ops (their backward is the composition's) ----------------


def hardtanh(x, min_val=-1.0, max_val=1.0, inplace=False):
    """x clamped to [min_val, max_val]."""
    from .math import clamp

    return clamp(_float_only("hardtanh", x), min_val, max_val)


def relu6(x, inplace=False):
    """min(max(x, 0), 6)"""
    return hardtanh(x, 0.0, 6.0)


def hardsigmoid(x, inplace=False):
    """A piecewise-linear sigmoid: clamp(x / 6 + 1/2, 0, 1)."""
    from .math import clamp

    return clamp(_float_only("hardsigmoid", x) / 6 + 0.5, 0.0, 1.0)


def hardswish(x, inplace=False):
    """x * hardsigmoid(x) (MobileNetV3's cheap SiLU)."""
    return x * hardsigmoid(x)


def logsigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    return -softplus(-_float_only("logsigmoid", x))


def softsign(x):
    """x / (1 + |x|)"""
    from .math import abs

    return x / (1 + abs(_float_only("softsign", x)))


def tanhshrink(x):
    """x - tanh(x)"""
    return x - tanh(_float_only("tanhshrink", x))


def mish(x, inplace=False):
    """x * tanh(softplus(x)) (Misra, 2019)."""
    return x * tanh(softplus(_float_only("mish", x)))


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def selu(x, inplace=False):
    """scale * elu(x, alpha) with the constants that keep activations at mean 0, variance 1
    (Klambauer et al., 2017)."""
    return SELU_SCALE * elu(x, SELU_ALPHA)


def celu(x, alpha=1.0, inplace=False):
    """x for x > 0, alpha (e^(x / alpha) - 1) otherwise: alpha * elu(x / alpha)."""
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0")
    return alpha * elu(_float_only("celu", x) / alpha)


def glu(x, dim=-1):
    """a * sigmoid(b), where a and b are the two halves of x along ``dim`` (gated linear unit)."""
    from .rearrange import chunk

    if x.shape[dim] % 2:
        raise RuntimeError(f"glu: halving only works on an even dimension, got size "
                           f"{x.shape[dim]} at dim {dim} (input shape {x.shape})")
    a, b = chunk(_float_only("glu", x), 2, dim)
    return a * sigmoid(b)


def prelu(x, weight):
    """x for x > 0, weight * x otherwise; ``weight`` has one value, or one per channel (dim 1)."""
    from .selection import where

    x = _float_only("prelu", x)
    if weight.ndim != 1 or (weight.shape[0] != 1 and (x.ndim < 2 or x.shape[1] != weight.shape[0])):
        raise RuntimeError(f"prelu: weight of shape {weight.shape} must have 1 element or one "
                           f"per channel (dim 1) of the input of shape {x.shape}")
    if x.ndim >= 2:
        weight = weight.reshape(weight.shape[0], *([1] * (x.ndim - 2)))
    return where(x > 0, x, weight * x)
