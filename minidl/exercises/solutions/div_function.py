"""Exercise div_function: the op ``a / b`` as a minidl ArrayFunction.

Every minidl op is an ``ArrayFunction`` with two static methods side by side (open
minidl/autograd.py to see the base class, and minidl/ops/arithmetic.py for its siblings):

- ``forward(ctx, a, b)`` receives plain NumPy arrays, keeps on ``ctx`` whatever the backward
  will need (``ctx.a = a``), and returns the output array;
- ``backward(ctx, grad)`` receives ``grad`` = dL/d(out), an array of the output's shape, and
  returns one gradient per input: (dL/da, dL/db).

For out = a / b the chain rule gives  dL/da = grad * 1/b  and  dL/db = grad * (-a / b^2).
Return them in the output's (broadcast) shape: the engine sums each back to its input's shape.
(Do not store anything as ``ctx.inputs``: the engine uses that name.)

Check your work with:  python -m minidl.exercises check div_function
"""
from minidl.autograd import ArrayFunction


class Div(ArrayFunction):
    """out = a / b;  d/da = 1 / b,  d/db = -a / b^2"""

    @staticmethod
    def forward(ctx, a, b):
        # BEGIN SOLUTION Div.forward: keep a and b on ctx, return a / b
        ctx.a, ctx.b = a, b
        return a / b
        # END SOLUTION

    @staticmethod
    def backward(ctx, grad):
        # BEGIN SOLUTION Div.backward: return (dL/da, dL/db)
        grad_a = grad / ctx.b
        grad_b = -grad * ctx.a / (ctx.b * ctx.b)
        return grad_a, grad_b
        # END SOLUTION


def div(a, b):
    """a / b for two minidl Tensors, differentiable through your Div."""
    return Div.apply(a, b)
