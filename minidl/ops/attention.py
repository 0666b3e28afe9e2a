"""Scaled dot-product attention: every query takes a softmax-weighted average of the values.

For one batch entry, with Q (L, E), K (S, E), V (S, Ev) and an additive mask M (L, S)::

    S = scale * Q K^T + M,   P = softmax(S) over keys (each row sums to 1),   O = P V

and, with D_i = sum_j P_ij dP_ij = sum_e dO_ie O_ie (the softmax Jacobian applied to a row)::

    dV = P^T dO,   dP = dO V^T,   dS = P * (dP - D),   dQ = scale * dS K,   dK = scale * dS^T Q

``ScaledDotProductAttention`` hands both passes to the fused kernels, which never keep P: the
backward recomputes it from the log-sum-exp of each score row saved by the forward. With
dropout on P there is a random mask to keep as well, so ``dropout_p > 0`` composes ordinary
differentiable ops instead (``attention_weights`` below, then dropout and a matmul).

Masks carry no gradient: they are constants that select which scores take part.
"""
import math

import numpy as np

from ..autograd import ArrayFunction
from ..tensor import Tensor
from .matmul import matmul
from .shape import expand, reshape
from .softmax import softmax


class ScaledDotProductAttention(ArrayFunction):
    """O = softmax(scale * Q K^T + mask) V on (B, L, E), (B, S, E), (B, S, Ev) arrays."""

    @staticmethod
    def forward(ctx, q, k, v, mask, scale, causal):
        o, lse = ctx.kernels.attention_forward(q, k, v, mask, scale, causal)
        ctx.q, ctx.k, ctx.v, ctx.o, ctx.lse = q, k, v, o, lse
        ctx.mask, ctx.scale, ctx.causal = mask, scale, causal
        return o

    @staticmethod
    def backward(ctx, grad):
        gq, gk, gv = ctx.kernels.attention_backward(
            ctx.q, ctx.k, ctx.v, ctx.o, ctx.lse, grad, ctx.mask, ctx.scale, ctx.causal
        )
        return gq, gk, gv, None, None, None


def additive_mask(attn_mask, dtype, xp):
    """The mask as an array to add to the scores; a bool mask (True = takes part) -> 0 / -inf."""
    mask = attn_mask._data if isinstance(attn_mask, Tensor) else xp.asarray(attn_mask)
    if mask.dtype.kind == "b":
        return xp.where(mask, xp.asarray(0, dtype=dtype), xp.asarray(-xp.inf, dtype=dtype))
    return mask.astype(dtype, copy=False)


def causal_mask(num_queries, num_keys, dtype, xp):
    """0 where key j <= query i (top-left aligned, also when L != S), -inf elsewhere."""
    allowed = xp.tri(num_queries, num_keys, dtype=bool)
    return xp.where(allowed, xp.asarray(0, dtype=dtype), xp.asarray(-xp.inf, dtype=dtype))


def _check_inputs(query, key, value, attn_mask, is_causal):
    for name, x in (("query", query), ("key", key), ("value", value)):
        if x.ndim < 2:
            raise ValueError(
                f"scaled_dot_product_attention: {name} needs at least 2 dimensions (..., length, "
                f"features), got shape {x.shape}"
            )
        if x.dtype.kind != "f" or x.dtype != query.dtype:
            raise TypeError(
                "scaled_dot_product_attention: query, key and value must share one floating "
                f"dtype, got {query.dtype}, {key.dtype} and {value.dtype}"
            )
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(
            f"scaled_dot_product_attention: query and key must have the same feature size, got "
            f"{query.shape} and {key.shape}"
        )
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(
            f"scaled_dot_product_attention: key and value must have the same length, got "
            f"{key.shape} and {value.shape}"
        )
    if is_causal and attn_mask is not None:
        raise ValueError(
            "scaled_dot_product_attention: pass either attn_mask or is_causal=True, not both"
        )


def _combined_mask(query, key, attn_mask, is_causal):
    """The additive mask (..., L, S) as a backend array, or None when nothing is masked."""
    xp = query._backend.xp
    if attn_mask is not None:
        return additive_mask(attn_mask, query.dtype, xp)
    if is_causal:
        return causal_mask(query.shape[-2], key.shape[-2], query.dtype, xp)
    return None


def attention_weights(query, key, attn_mask=None, is_causal=False, scale=None):
    """P = softmax(scale * Q K^T + mask) over the keys, built from differentiable ops.

    Takes SDPA's mask conventions. A query row whose keys are all masked out gets zeros (and
    zero gradients) rather than the NaN that softmax over a row of -inf would give.
    """
    _check_inputs(query, key, key, attn_mask, is_causal)
    scale = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = matmul(query, key.transpose(-2, -1)) * scale
    mask = _combined_mask(query, key, attn_mask, is_causal)
    if mask is None:
        return softmax(scores, -1)
    scores = scores + Tensor._make(mask, query._backend)
    xp = query._backend.xp
    all_masked = xp.all(xp.isneginf(scores._data), axis=-1, keepdims=True)
    all_masked = Tensor._make(all_masked, query._backend)
    weights = softmax(scores.masked_fill(all_masked, 0.0), -1)
    return weights.masked_fill(all_masked, 0.0)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None):
    """PyTorch's F.scaled_dot_product_attention: softmax(Q K^T * scale + mask) V.

    query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev); the leading axes
    broadcast (e.g. batch and heads). ``attn_mask`` broadcasts to (..., L, S): a bool mask is
    True where a query may attend to a key, a float mask is added to the scores. ``is_causal``
    lets query i see keys j <= i (top-left aligned when L != S). ``scale`` defaults to
    1 / sqrt(E). A query whose keys are all masked out gives zeros and zero gradients. The mask
    never receives a gradient. ``dropout_p`` drops attention weights (pass 0 in evaluation).
    """
    _check_inputs(query, key, value, attn_mask, is_causal)
    scale = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    if dropout_p > 0:
        from .dropout import dropout

        weights = attention_weights(query, key, attn_mask, is_causal, scale)
        return matmul(dropout(weights, dropout_p, True), value)

    xp = query._backend.xp
    num_queries, num_keys = query.shape[-2], key.shape[-2]
    mask = _combined_mask(query, key, attn_mask, False)
    leading = [query.shape[:-2], key.shape[:-2], value.shape[:-2]]
    if mask is not None:
        leading.append(mask.shape[:-2])
    try:
        batch_shape = np.broadcast_shapes(*leading)
        if mask is not None:
            mask = xp.broadcast_to(mask, batch_shape + (num_queries, num_keys))
    except ValueError:
        shapes = (query.shape, key.shape, value.shape) + (() if mask is None else (mask.shape,))
        raise ValueError(
            "scaled_dot_product_attention: the leading axes of query, key, value (and the "
            f"mask) do not broadcast: {', '.join(str(s) for s in shapes)}"
        ) from None
    batch = math.prod(batch_shape)

    def flat(x):
        """(..., n, f) broadcast to the batch shape, then flattened to (B, n, f)."""
        if x.shape[:-2] != batch_shape:
            x = expand(x, batch_shape + x.shape[-2:])
        return reshape(x, (batch,) + x.shape[-2:])

    if mask is not None:
        mask = mask.reshape(batch, num_queries, num_keys)
    out = ScaledDotProductAttention.apply(flat(query), flat(key), flat(value), mask, scale,
                                          is_causal)
    return reshape(out, batch_shape + out.shape[-2:])
