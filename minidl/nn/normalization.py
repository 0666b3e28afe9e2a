"""nn.LayerNorm: normalize each sample over its trailing axes, then scale and shift.

    y = (x - mean) / sqrt(var + eps) * weight + bias

over the last ``len(normalized_shape)`` axes (the math and its backward: minidl/ops/layer_norm.py).
Unlike batch norm it uses no statistics of other samples, so it behaves the same in training and
evaluation, for any batch size: that is why Transformers use it.
"""
from .. import ones, zeros
from ..ops.layer_norm import layer_norm
from .module import Module
from .parameter import Parameter


class LayerNorm(Module):
    """PyTorch's nn.LayerNorm: parameters "weight" (ones) and "bias" (zeros) of normalized_shape."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ones(*self.normalized_shape, device=device, dtype=dtype))
        else:
            self.register_parameter("weight", None)
        if elementwise_affine and bias:
            self.bias = Parameter(zeros(*self.normalized_shape, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)

    def forward(self, input):  # noqa: A002 (PyTorch's argument name)
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        affine = self.elementwise_affine
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={affine}, "
                f"bias={self.bias is not None}")


# ---- group norm (convolutional networks) -----------------------------------------------------
from ..ops.group_norm import group_norm  # noqa: E402


class GroupNorm(Module):
    """PyTorch's nn.GroupNorm: normalise each sample over groups of channels (and positions),
    then scale and shift each channel; "weight" (ones) and "bias" (zeros) of (num_channels,).
    The math: minidl/ops/group_norm.py."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = (num_groups, num_channels,
                                                                     eps, affine)
        if affine:
            self.weight = Parameter(ones(num_channels, device=device, dtype=dtype))
            self.bias = Parameter(zeros(num_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input):  # noqa: A002
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"
