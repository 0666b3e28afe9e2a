"""nn.functional (``import minidl.nn.functional as F``): the functions behind the layers.

Each lives where its forward and backward are written: activations and softmax in minidl/ops,
losses in minidl/ops/loss.py, dropout in minidl/ops/dropout.py, linear in minidl/nn/linear.py,
layer_norm, embedding, scaled_dot_product_attention, pad (padding.py) and normalize/
cosine_similarity (distance.py) in minidl/ops/ (one file each).
"""
from ..ops import gelu, log_softmax, relu, sigmoid, softmax, tanh
from ..ops.activations import (
    celu,
    elu,
    glu,
    hardsigmoid,
    hardswish,
    hardtanh,
    leaky_relu,
    logsigmoid,
    mish,
    prelu,
    relu6,
    selu,
    silu,
    softplus,
    softsign,
    tanhshrink,
)
from ..ops.distance import cosine_similarity, normalize, pairwise_distance
from ..ops.padding import pad
from ..ops.attention import scaled_dot_product_attention
from ..ops.counting import one_hot
from ..ops.dropout import dropout
from ..ops.embedding import embedding
from ..ops.layer_norm import layer_norm
from ..ops.loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from .linear import linear
