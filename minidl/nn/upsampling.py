"""nn.Upsample: resize (N, C, H, W) images by F.interpolate (minidl/ops/resample.py)."""
from ..ops.resample import interpolate
from .module import Module


class Upsample(Module):
    """PyTorch's nn.Upsample, modes "nearest" and "bilinear"."""

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None):
        super().__init__()
        self.size, self.scale_factor = size, scale_factor
        self.mode, self.align_corners = mode, align_corners

    def forward(self, input):  # noqa: A002
        return interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners)

    def extra_repr(self):
        what = f"size={self.size}" if self.size is not None else f"scale_factor={self.scale_factor}"
        return f"{what}, mode={self.mode!r}"
