"""Identity: out = a copy of x; the gradient passes through unchanged.

Module backward hooks (``nn.Module.register_full_backward_hook``) put a module's tensor inputs
through it, so that the gradient arriving at the copy is the module's own contribution to the
input's gradient, whatever else the input is used for.
"""
from ..autograd import ArrayFunction


class Identity(ArrayFunction):
    """out = x (a copy, so that writing into one never changes the other);  d/dx = 1"""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


def identity(x):
    return Identity.apply(x)
