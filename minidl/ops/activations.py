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
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: expected a floating-point tensor, got {x.dtype}")
    return x


def relu(x):
    return ReLU.apply(_float_only("relu", x))


def sigmoid(x):
    return Sigmoid.apply(_float_only("sigmoid", x))


def tanh(x):
    return Tanh.apply(_float_only("tanh", x))


def gelu(x, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU.apply(_float_only("gelu", x), approximate)
