"""Padding layers: ConstantPad1d/2d/3d, ZeroPad1d/2d/3d, ReflectionPad, ReplicationPad and
CircularPad for 1, 2 or 3 trailing axes; each calls F.pad (minidl/ops/padding.py).

``padding`` is an int (the same on every side) or PyTorch's tuple (left, right, top,
bottom, front, back), last axis first.
"""
from . import functional as F
from .module import Module


class _Pad(Module):
    mode, dims = "constant", 1

    def __init__(self, padding):
        super().__init__()
        if isinstance(padding, int):
            padding = (padding,) * (2 * self.dims)
        padding = tuple(padding)
        if len(padding) != 2 * self.dims:
            raise ValueError(f"{type(self).__name__}: expected an int or {2 * self.dims} "
                             f"padding values, got {padding}")
        self.padding = padding

    def forward(self, input):  # noqa: A002 (PyTorch's argument name)
        return F.pad(input, self.padding, mode=self.mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPad(_Pad):
    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):  # noqa: A002
        return F.pad(input, self.padding, mode="constant", value=self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class _ZeroPad(_ConstantPad):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


def _layers(base, mode, name):
    """The 1d, 2d and 3d classes of one kind, e.g. ReflectionPad1d/2d/3d."""
    return [type(f"{name}{dims}d", (base,), {"mode": mode, "dims": dims, "__module__": __name__,
                                             "__doc__": f"F.pad(mode={mode!r}) of the last "
                                                        f"{dims} axes."})
            for dims in (1, 2, 3)]


ConstantPad1d, ConstantPad2d, ConstantPad3d = _layers(_ConstantPad, "constant", "ConstantPad")
ZeroPad1d, ZeroPad2d, ZeroPad3d = _layers(_ZeroPad, "constant", "ZeroPad")
ReflectionPad1d, ReflectionPad2d, ReflectionPad3d = _layers(_Pad, "reflect", "ReflectionPad")
ReplicationPad1d, ReplicationPad2d, ReplicationPad3d = _layers(_Pad, "replicate",
                                                               "ReplicationPad")
CircularPad1d, CircularPad2d, CircularPad3d = _layers(_Pad, "circular", "CircularPad")
