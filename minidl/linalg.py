"""``dl.linalg``: the part of ``torch.linalg`` that minidl has (vector norms)."""
from .ops.norms import vector_norm

__all__ = ["vector_norm"]
