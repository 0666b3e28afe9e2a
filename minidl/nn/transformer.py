"""nn.TransformerEncoderLayer and nn.TransformerEncoder (Vaswani et al., 2017).

One encoder layer is two residual blocks: self-attention lets every token gather information
from the others, then a two-layer feed-forward network transforms each token on its own::

    post-norm (norm_first=False, the original):   x = norm1(x + attention(x))
                                                  x = norm2(x + feed_forward(x))
    pre-norm (norm_first=True, easier to train):  x = x + attention(norm1(x))
                                                  x = x + feed_forward(norm2(x))

with feed_forward(x) = linear2(dropout(activation(linear1(x)))). The residual connections let
gradients flow straight through a deep stack; layer norm keeps the activations' scale steady.
Submodule names match PyTorch's, so state_dicts carry over.
"""
import copy

from . import functional as F
from .attention import MultiheadAttention
from .container import ModuleList
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .normalization import LayerNorm

_ACTIVATIONS = {"relu": F.relu, "gelu": F.gelu}


class TransformerEncoderLayer(Module):
    """PyTorch's nn.TransformerEncoderLayer (with batch_first=True by default).

    Submodules: self_attn, linear1, dropout, linear2, norm1, norm2, dropout1, dropout2.
    ``activation`` is "relu", "gelu" or a function of one tensor.
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=True, norm_first=False, bias=True,
                 device=None, dtype=None):
        super().__init__()
        if not bias:
            raise NotImplementedError("TransformerEncoderLayer: bias=False is not supported")
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout,
                                            batch_first=batch_first)
        self.linear1 = Linear(d_model, dim_feedforward)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        if isinstance(activation, str):
            if activation not in _ACTIVATIONS:
                raise ValueError(
                    f"TransformerEncoderLayer: activation should be 'relu' or 'gelu', got "
                    f"{activation!r}"
                )
            activation = _ACTIVATIONS[activation]
        self.activation = activation
        if device is not None or dtype is not None:
            self.to(device=device, dtype=dtype)

    def _self_attention_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _feed_forward_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        """src (N, L, d_model); masks as in MultiheadAttention (True = masked out)."""
        x = src
        if self.norm_first:
            x = x + self._self_attention_block(self.norm1(x), src_mask, src_key_padding_mask,
                                               is_causal)
            x = x + self._feed_forward_block(self.norm2(x))
        else:
            x = self.norm1(x + self._self_attention_block(x, src_mask, src_key_padding_mask,
                                                          is_causal))
            x = self.norm2(x + self._feed_forward_block(x))
        return x


class TransformerEncoder(Module):
    """PyTorch's nn.TransformerEncoder: ``num_layers`` deep copies of ``encoder_layer`` in
    ``layers`` (so "layers.0.self_attn.in_proj_weight" ...), then the optional final ``norm``.

    Each copy starts from the same initial weights, as in PyTorch, and then trains on its own.
    """

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
                 mask_check=True):
        super().__init__()  # enable_nested_tensor and mask_check: PyTorch's speed hints
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=bool(is_causal))
        return x if self.norm is None else self.norm(x)
