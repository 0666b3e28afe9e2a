"""Shape layers with no parameters: Identity, Flatten and Unflatten (for use in Sequential)."""
import math

from .module import Module


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. for a removed head); any constructor
    arguments are accepted and ignored, as in PyTorch."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):  # noqa: A002 (PyTorch's argument name)
        return input


class Flatten(Module):
    """Merge axes ``start_dim``..``end_dim`` into one: (N, C, H, W) -> (N, C*H*W) by default."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):  # noqa: A002
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split axis ``dim`` into ``unflattened_size``: Unflatten(1, (C, H, W)) undoes Flatten.
    One entry of the size may be -1 (inferred)."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input):  # noqa: A002
        shape = input.shape
        if not -len(shape) <= self.dim < len(shape):
            raise IndexError(f"Unflatten: dim {self.dim} is out of range for shape {shape}")
        axis = self.dim % len(shape)
        sizes = self.unflattened_size
        known = math.prod(n for n in sizes if n != -1)
        if sizes.count(-1) > 1 or (-1 not in sizes and known != shape[axis]) or (
                -1 in sizes and (known == 0 or shape[axis] % known)):
            raise RuntimeError(
                f"Unflatten: sizes {sizes} do not multiply to the size {shape[axis]} of dim "
                f"{self.dim} (input shape {shape})"
            )
        return input.reshape(*shape[:axis], *sizes, *shape[axis + 1:])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
