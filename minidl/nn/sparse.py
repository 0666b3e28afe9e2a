"""nn.Embedding: a learnable table of vectors, one row per token id.

``Embedding(num_embeddings, embedding_dim)(ids)`` returns ``weight[ids]``, shape
ids.shape + (embedding_dim,); the gradient of each row sums over every place its id was used
(minidl/ops/embedding.py). The rows start as N(0, 1) samples, as in PyTorch. With
``padding_idx`` that row starts at zero and never receives a gradient, so padding contributes a
constant zero vector.
"""
from .. import no_grad, randn
from ..ops.embedding import embedding
from .module import Module
from .parameter import Parameter


class Embedding(Module):
    """PyTorch's nn.Embedding: parameter "weight" (num_embeddings, embedding_dim) ~ N(0, 1)."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
                 norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None,
                 _freeze=False, device=None, dtype=None):
        super().__init__()
        for option, value in (("max_norm", max_norm), ("scale_grad_by_freq", scale_grad_by_freq),
                              ("sparse", sparse), ("_weight", _weight)):
            if value not in (None, False):
                raise NotImplementedError(f"Embedding: the {option}= option is not supported")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(
                    f"Embedding: padding_idx {padding_idx} must be within num_embeddings "
                    f"{num_embeddings}"
                )
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = padding_idx
        self.weight = Parameter(randn(num_embeddings, embedding_dim, device=device, dtype=dtype),
                                requires_grad=not _freeze)
        if padding_idx is not None:
            with no_grad():
                self.weight[padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None,
                        norm_type=2.0, scale_grad_by_freq=False, sparse=False):
        """An Embedding whose table is a copy of the 2-D tensor ``embeddings`` (frozen, i.e.
        not trained, unless ``freeze=False``)."""
        if embeddings.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D, got shape "
                             f"{embeddings.shape}")
        rows, dim = embeddings.shape
        layer = cls(rows, dim, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                    device=embeddings.device, dtype=embeddings.dtype)
        with no_grad():
            layer.weight[...] = embeddings
        layer.weight.requires_grad_(not freeze)
        return layer

    def forward(self, input):  # noqa: A002 (PyTorch's argument name)
        return embedding(input, self.weight, self.padding_idx)

    def extra_repr(self):
        padding = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{padding}"
