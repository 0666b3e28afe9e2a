"""nn.MultiheadAttention: several attention heads, each looking at its own slice of the features.

With E = embed_dim split into H heads of D = E / H features::

    Q = query W_q^T + b_q,  K = key W_k^T + b_k,  V = value W_v^T + b_v      (in_proj_weight
    head h:  O_h = softmax(Q_h K_h^T / sqrt(D) + mask) V_h                    = [W_q; W_k; W_v])
    output = concat(O_1 .. O_H) W_o^T + b_o                                   (out_proj)

Each head can attend to something different (the previous token, the same word elsewhere...)
at the cost of one head of size E, since the projections are shared matrices split by rows.

Masks follow PyTorch's MultiheadAttention, the opposite of scaled_dot_product_attention's bool
convention: a True in ``key_padding_mask`` (N, S) or in a bool ``attn_mask`` (L, S) or
(N * H, L, S) means "this key is masked out"; float masks are added to the scores.
"""
import math

from .. import zeros
from ..ops.attention import (
    additive_mask,
    attention_weights,
    causal_mask,
    scaled_dot_product_attention,
)
from . import functional as F
from . import init
from .linear import Linear
from .module import Module
from .parameter import Parameter


class MultiheadAttention(Module):
    """PyTorch's nn.MultiheadAttention (with batch_first=True by default).

    Parameters: "in_proj_weight" (3E, E) (Xavier-uniform), "in_proj_bias" (3E,) (zeros), and
    the Linear "out_proj" (its bias zeroed), so state_dicts carry over to and from PyTorch.
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=True, device=None,
                 dtype=None):
        super().__init__()
        for option, value in (("add_bias_kv", add_bias_kv), ("add_zero_attn", add_zero_attn)):
            if value:
                raise NotImplementedError(f"MultiheadAttention: the {option}= option is not "
                                          "supported")
        for option, value in (("kdim", kdim), ("vdim", vdim)):
            if value not in (None, embed_dim):
                raise NotImplementedError(f"MultiheadAttention: {option} other than embed_dim "
                                          "is not supported")
        if embed_dim % num_heads:
            raise ValueError(
                f"MultiheadAttention: embed_dim {embed_dim} must be divisible by num_heads "
                f"{num_heads}"
            )
        self.embed_dim, self.num_heads = embed_dim, num_heads
        self.head_dim = embed_dim // num_heads
        self.dropout, self.batch_first = dropout, batch_first
        self.in_proj_weight = Parameter(zeros(3 * embed_dim, embed_dim))
        if bias:
            self.in_proj_bias = Parameter(zeros(3 * embed_dim))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias)
        init.xavier_uniform_(self.in_proj_weight)
        if bias:
            init.zeros_(self.out_proj.bias)
        if device is not None or dtype is not None:
            self.to(device=device, dtype=dtype)

    def _split_heads(self, x):
        """(N, T, E) -> (N, H, T, D)."""
        batch, length, _ = x.shape
        return x.reshape(batch, length, self.num_heads, self.head_dim).transpose(1, 2)

    def _project(self, x, index):
        """The index-th input projection (0: query, 1: key, 2: value), split into heads."""
        rows = slice(index * self.embed_dim, (index + 1) * self.embed_dim)
        bias = None if self.in_proj_bias is None else self.in_proj_bias[rows]
        return self._split_heads(F.linear(x, self.in_proj_weight[rows], bias))

    def _merged_mask(self, attn_mask, key_padding_mask, batch, queries, keys, like):
        """key_padding_mask and attn_mask as one additive mask (N or 1, H or 1, L, S), or None."""
        merged = None
        if attn_mask is not None:
            merged = additive_mask(attn_mask, like, true_masks_out=True)
            if merged.ndim == 3:  # (N * H, L, S): one mask per batch entry and head
                merged = merged.reshape(batch, self.num_heads, queries, keys)
        if key_padding_mask is not None:
            padding = additive_mask(key_padding_mask, like, true_masks_out=True)
            padding = padding.reshape(batch, 1, 1, keys)
            merged = padding if merged is None else merged + padding
        return merged

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, is_causal=False, average_attn_weights=True):
        """Attend from ``query`` (N, L, E) to ``key`` (N, S, E) / ``value`` (N, S, E).

        Returns (output (N, L, E), weights): weights (N, L, S) averaged over heads (or
        (N, H, L, S) with ``average_attn_weights=False``) when ``need_weights``, else None, in
        which case the fused attention kernels run. ``is_causal=True`` without ``attn_mask``
        lets query i attend to keys j <= i. Unbatched (L, E) inputs are accepted too.
        """
        unbatched = query.ndim == 2
        if unbatched:
            query, key, value = query.unsqueeze(0), key.unsqueeze(0), value.unsqueeze(0)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.reshape(1, -1)
        elif not self.batch_first:
            query, key, value = (x.transpose(0, 1) for x in (query, key, value))
        batch, queries, _ = query.shape
        keys = key.shape[1]

        q, k, v = self._project(query, 0), self._project(key, 1), self._project(value, 2)
        causal = is_causal and attn_mask is None
        if causal and key_padding_mask is not None:  # the two masks must be merged into one
            attn_mask = causal_mask(queries, keys, q.dtype, q._backend.xp)
            causal = False
        mask = self._merged_mask(attn_mask, key_padding_mask, batch, queries, keys, q)
        dropout_p = self.dropout if self.training else 0.0

        if need_weights:
            weights = attention_weights(q, k, mask, causal, 1 / math.sqrt(self.head_dim))
            if dropout_p > 0:
                weights = F.dropout(weights, dropout_p, training=True)
            heads = weights @ v
        else:
            weights = None
            heads = scaled_dot_product_attention(q, k, v, mask, dropout_p, is_causal=causal)
        output = self.out_proj(heads.transpose(1, 2).reshape(batch, queries, self.embed_dim))

        if weights is not None and average_attn_weights:
            weights = weights.mean(dim=1)
        if unbatched:
            output = output.squeeze(0)
            weights = None if weights is None else weights.squeeze(0)
        elif not self.batch_first:
            output = output.transpose(0, 1)
        return output, weights

    def extra_repr(self):
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}"
