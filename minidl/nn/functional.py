"""nn.functional (``import minidl.nn.functional as F``): the functions behind the layers.

Each lives where its forward and backward are written: activations and softmax in minidl/ops,
losses in minidl/ops/loss.py, dropout in minidl/ops/dropout.py, linear in minidl/nn/linear.py,
layer_norm, embedding, scaled_dot_product_attention, pad (padding.py) and normalize/
cosine_similarity (distance.py) in minidl/ops/ (one file each).
"""
import warnings

from .. import ops
from ..ops import gelu, relu, sigmoid, tanh
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
from ..ops.attention import scaled_dot_product_attention
from ..ops.counting import one_hot
from ..ops.distance import cosine_similarity, normalize, pairwise_distance
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
from ..ops.padding import pad
from .linear import linear


# ---- softmax with PyTorch's optional arguments ---------------------------------------------


def _softmax_input(name, input, dim, dtype):  # noqa: A002 (PyTorch's argument name)
    """Cast to ``dtype`` first (as PyTorch does) and pick PyTorch's legacy implicit dim."""
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        dim = 0 if input.ndim in (0, 1, 3) else 1
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the "
                      f"call to include dim={dim} as an argument.", stacklevel=3)
    return input, dim


def softmax(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    """e^x_i / sum_j e^x_j along ``dim`` (the op: minidl/ops/softmax.py)."""
    return ops.softmax(*_softmax_input("softmax", input, dim, dtype))


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    """x_i - logsumexp(x) along ``dim`` (the op: minidl/ops/softmax.py)."""
    return ops.log_softmax(*_softmax_input("log_softmax", input, dim, dtype))
# convolutional networks: convolution, pooling, normalisation and resizing of images
from ..ops.batch_norm import batch_norm  # noqa: E402
from ..ops.conv import conv1d, conv2d, conv_transpose2d  # noqa: E402
from ..ops.dropout import dropout2d  # noqa: E402
from ..ops.group_norm import group_norm  # noqa: E402
from ..ops.pooling import avg_pool2d, max_pool1d, max_pool2d  # noqa: E402
from ..ops.resample import adaptive_avg_pool2d, interpolate  # noqa: E402
