"""nn.Linear and F.linear: the fully connected layer y = x W^T + b.

W has shape (out_features, in_features), as in PyTorch, so row j of W holds the weights of
output feature j. x may have any number of leading axes (batch, sequence...): they are flattened
into one axis of M rows for the backward, where with G = dL/dy as an (M, out) matrix::

    dL/dx = G W        dL/dW = G^T x        dL/db = sum of G over the rows

One fused op instead of matmul + transpose + add: one graph node, and no broadcast bias
gradient for the engine to sum back.
"""

from .. import zeros
from ..autograd import ArrayFunction
from . import init
from .module import Module
from .parameter import Parameter


class LinearFunction(ArrayFunction):
    """y = x W^T + b;  dx = G W,  dW = G^T x,  db = sum_rows G"""

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.x, ctx.weight = x, weight
        # one (M, in) @ (in, out) product: a stacked (B, T, in) @ (in, out) would make NumPy
        # call BLAS once per batch entry, on B small matrices (about 2x slower)
        y = _rows(x) @ weight.T
        if bias is not None:
            y += bias  # y is new: add in place
        return y.reshape(*x.shape[:-1], weight.shape[0])

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.x, ctx.weight
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad
        rows = _rows(grad)  # (M, out)
        # skip what nobody needs: the first layer's input, frozen weights
        grad_x = (rows @ weight).reshape(x.shape) if needs_x else None
        grad_weight = rows.T @ _rows(x) if needs_weight else None
        grad_bias = rows.sum(axis=0) if needs_bias else None
        return grad_x, grad_weight, grad_bias


def _rows(array):
    """array (..., features) as an (M, features) matrix, M the product of the leading axes."""
    return array.reshape(-1, array.shape[-1])


def linear(input, weight, bias=None):  # noqa: A002 (PyTorch's argument name)
    """y = input W^T + b for input (..., in_features), weight (out_features, in_features)."""
    if weight.ndim != 2:
        raise ValueError(
            f"linear: expected a 2-D weight (out_features, in_features), got {weight.shape}"
        )
    if input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"linear: input shape {input.shape} does not match weight shape {weight.shape} "
            f"(the input's last axis must have in_features = {weight.shape[1]})"
        )
    if bias is not None and bias.shape != weight.shape[:1]:
        raise ValueError(f"linear: expected bias of shape ({weight.shape[0]},), got {bias.shape}")
    for role, tensor in (("weight", weight), ("bias", bias)):
        if tensor is not None and tensor.dtype != input.dtype:
            raise TypeError(
                f"linear: input is {input.dtype} but {role} is {tensor.dtype} "
                "(convert one of them, e.g. model.double() or x.float())"
            )
    return LinearFunction.apply(input, weight, bias)


class Linear(Module):
    """PyTorch's nn.Linear: parameters "weight" (out, in) and "bias" (out,), both drawn from
    U(-1/sqrt(in), 1/sqrt(in)) (PyTorch's kaiming_uniform_ with a = sqrt(5) gives that bound)."""

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(zeros(out_features, in_features, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(zeros(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init._reset_weight_and_bias(self.weight, self.bias)

    def forward(self, input):  # noqa: A002
        return linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")

