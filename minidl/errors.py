"""The two error types of tensor mistakes, each raised as PyTorch raises it: a RuntimeError.

Each is also the Python type that the mistake raised before (NumPy raises ValueError for shapes
that do not fit, and TypeError was minidl's for a wrong dtype), so ``except RuntimeError`` (the
PyTorch habit) and ``except ValueError`` / ``except TypeError`` all catch them.
"""


class ShapeError(RuntimeError, ValueError):
    """Shapes that do not fit the op: ``matmul: shapes (3, 4) and (5, 2) are not aligned``."""


class DTypeError(RuntimeError, TypeError):
    """A dtype the op cannot take: ``masked_fill: the mask must be a bool tensor, got int64``."""


PYTORCH_ONLY_ARGUMENTS = ("out", "layout", "pin_memory", "memory_format")


def reject_unsupported(op, options):
    """For a function taking ``**options``: PyTorch's arguments that minidl does not support
    (``out=``, ``layout=``, ``pin_memory=``, ``memory_format=``) raise NotImplementedError
    naming them; any other unknown keyword is the TypeError Python would raise."""
    for name in options:
        if name in PYTORCH_ONLY_ARGUMENTS:
            raise NotImplementedError(f"{op}: the argument {name}= is not supported by minidl")
        raise TypeError(f"{op}() got an unexpected keyword argument {name!r}")
