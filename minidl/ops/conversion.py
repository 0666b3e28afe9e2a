"""Changing dtype or device, differentiably: the gradient goes back through the same change."""
from ..autograd import ArrayFunction


class Cast(ArrayFunction):
    """out = x as another dtype;  grad: cast back to x's dtype"""

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.dtype), None


def cast(x, dtype):
    return Cast.apply(x, dtype)


class ToDevice(ArrayFunction):
    """out = x copied to another device;  grad: copied back"""

    @staticmethod
    def forward(ctx, x, target):
        ctx.output_backend = target  # the result lives on the target device
        return target.asarray(ctx.backend.to_host(x))

    @staticmethod
    def backward(ctx, grad):
        return ctx.backend.asarray(ctx.output_backend.to_host(grad)), None


def to_device(x, target):
    """Copy ``x`` to the backend ``target``."""
    return ToDevice.apply(x, target)
