"""``dl.cuda``: is a GPU usable here?"""
from .backend.cuda import cuda_unavailable_reason


def is_available():
    """True when CuPy is installed and sees an NVIDIA GPU."""
    return cuda_unavailable_reason() is None
