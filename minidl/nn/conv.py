"""nn.Conv1d, nn.Conv2d, nn.ConvTranspose2d: learned filters slid over signals and images.

Weights are laid out as PyTorch's: (out_channels, in_channels / groups, *kernel_size) for a
convolution, (in_channels, out_channels / groups, *kernel_size) for a transposed one, and are
initialised as PyTorch does: kaiming_uniform_ with a = sqrt(5), i.e. U(-1/sqrt(fan_in),
1/sqrt(fan_in)), and the bias from the same range. The ops are in minidl/ops/conv.py.
"""

from .. import zeros
from ..ops.conv import conv1d, conv2d, conv_transpose2d
from . import init
from .module import Module
from .parameter import Parameter


def _tuple(value, n):
    return (value,) * n if isinstance(value, int) else tuple(value)


class _ConvNd(Module):
    """What the convolution layers share: arguments, parameters and their initialisation."""

    spatial_dims = 2
    transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must be divisible by groups ({groups})")
        if padding_mode != "zeros":
            raise NotImplementedError(f"{name}: padding_mode {padding_mode!r} (only 'zeros')")
        n = self.spatial_dims
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride = _tuple(kernel_size, n), _tuple(stride, n)
        self.padding = padding if isinstance(padding, str) else _tuple(padding, n)
        self.dilation, self.padding_mode = _tuple(dilation, n), padding_mode
        shape = ((in_channels, out_channels // groups) if self.transposed
                 else (out_channels, in_channels // groups))
        self.weight = Parameter(zeros(*shape, *self.kernel_size, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(zeros(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init._reset_weight_and_bias(self.weight, self.bias)

    def extra_repr(self):
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding not in ((0,) * self.spatial_dims, "valid"):
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self.spatial_dims:
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + ("" if self.bias is not None else ", bias=False")


class Conv1d(_ConvNd):
    """PyTorch's nn.Conv1d on (N, C, L) inputs."""

    spatial_dims = 1

    def forward(self, input):  # noqa: A002
        padding = self.padding if isinstance(self.padding, str) else self.padding[0]
        return conv1d(input, self.weight, self.bias, self.stride[0], padding, self.dilation[0],
                      self.groups)


class Conv2d(_ConvNd):
    """PyTorch's nn.Conv2d on (N, C, H, W) inputs."""

    def forward(self, input):  # noqa: A002
        return conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                      self.groups)


class ConvTranspose2d(_ConvNd):
    """PyTorch's nn.ConvTranspose2d: the adjoint of a Conv2d, which upsamples by the stride."""

    transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype)
        self.output_padding = _tuple(output_padding, 2)

    def forward(self, input):  # noqa: A002
        return conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                self.output_padding, self.groups, self.dilation)
