"""F.pad: add values around the trailing axes of a tensor.

``pad`` lists (before, after) pairs from the last axis backwards, as in PyTorch:
``pad=(1, 2)`` pads the last axis with 1 value in front and 2 behind, ``pad=(1, 1, 3, 0)``
also pads the axis before it. The modes fill the new positions with

    constant   a value (negative pads crop instead)       [a b c] -> 0 [a b c] 0
    reflect    the mirror image, without the edge          [a b c] -> b [a b c] b
    replicate  copies of the edge                          [a b c] -> a [a b c] c
    circular   the other end, as if the axis wrapped       [a b c] -> c [a b c] a

Every mode but constant reads each output position from one input position; the backward of
that gather sums the gradients of all the outputs read from the same input (an edge value
replicated three times gets three gradients).
"""
from ..autograd import ArrayFunction

MODES = ("constant", "reflect", "replicate", "circular")


class ConstantPad(ArrayFunction):
    """out = x surrounded by ``value`` (or cropped where a pad is negative);  grad: the slice
    of the output gradient where x sits"""

    @staticmethod
    def forward(ctx, x, widths, value):
        xp = ctx.xp
        grow = [(max(before, 0), max(after, 0)) for before, after in widths]
        padded = xp.pad(x, grow, mode="constant", constant_values=value)
        ctx.crop = tuple(slice(max(-before, 0), size - max(-after, 0))
                         for (before, after), size in zip(widths, padded.shape))
        ctx.inside = tuple(slice(start, start + n) for (start, _), n in zip(grow, x.shape))
        ctx.grow_shape = padded.shape
        return padded[ctx.crop]

    @staticmethod
    def backward(ctx, grad):
        full = ctx.xp.zeros(ctx.grow_shape, dtype=grad.dtype)
        full[ctx.crop] = grad
        return full[ctx.inside], None, None


class GatherPad(ArrayFunction):
    """out[..., j, ...] = x[..., source[j], ...] along each padded axis;  grad: summed back
    over the outputs that read each input position (a product with a 0/1 matrix)"""

    @staticmethod
    def forward(ctx, x, sources):
        ctx.sources, ctx.shape = sources, x.shape
        for axis, source in sources:
            x = ctx.xp.take(x, ctx.xp.asarray(source), axis=axis)
        return x

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        for axis, source in reversed(ctx.sources):
            picks = xp.zeros((len(source), ctx.shape[axis]), dtype=grad.dtype)
            picks[xp.arange(len(source)), xp.asarray(source)] = 1  # row j: 1 at source[j]
            grad = xp.moveaxis(xp.moveaxis(grad, axis, -1) @ picks, -1, axis)
        return grad, None


def _source_positions(mode, n, before, after):
    """For each output position along one axis, the input position it copies."""
    import numpy as np

    positions = np.arange(-before, n + after)
    if mode == "replicate":
        return np.clip(positions, 0, n - 1)
    if mode == "circular":
        return positions % n
    period = 2 * (n - 1)  # reflect: bounce between the two edges
    folded = np.abs(positions) % period if period else np.zeros_like(positions)
    return np.where(folded < n, folded, period - folded)


def pad(input, pad, mode="constant", value=None):  # noqa: A002 (PyTorch's argument names)
    """Pad the last len(pad) // 2 axes of ``input``; see the module docstring for the modes."""
    if mode not in MODES:
        raise NotImplementedError(f"pad: mode {mode!r} is not supported (use one of {MODES})")
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise RuntimeError(
            f"pad: padding length {len(pad)} must be even and at most twice the number of "
            f"dimensions of the input of shape {input.shape}"
        )
    pairs = [(pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)]  # last axis first
    first = input.ndim - len(pairs)
    if mode == "constant":
        widths = [(0, 0)] * first + pairs[::-1]
        return ConstantPad.apply(input, widths, 0.0 if value is None else value)
    if value not in (None, 0, 0.0):
        raise RuntimeError(f"pad: padding mode {mode!r} doesn't take in value argument")
    sources = []
    for axis, (before, after) in zip(range(input.ndim - 1, first - 1, -1), pairs):
        n = input.shape[axis]
        if min(before, after) < 0 or (mode == "reflect" and max(before, after) >= n) or (
                mode == "circular" and max(before, after) > n) or n == 0:
            raise RuntimeError(
                f"pad: {mode} padding ({before}, {after}) is invalid for dimension {axis} of "
                f"size {n} (input shape {input.shape}): pads must be non-negative and "
                + ("smaller than the size" if mode == "reflect" else "at most the size")
            )
        sources.append((axis, _source_positions(mode, n, before, after).tolist()))
    return GatherPad.apply(input, sources)
