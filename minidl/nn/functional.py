"""nn.functional (``import minidl.nn.functional as F``): the functions behind the layers.

Each lives where its forward and backward are written: activations and softmax in minidl/ops,
losses in minidl/ops/loss.py, dropout in minidl/ops/dropout.py, linear in minidl/nn/linear.py,
layer_norm, embedding and scaled_dot_product_attention in minidl/ops/ (one file each).
"""
from ..ops import gelu, log_softmax, relu, sigmoid, softmax, tanh
from ..ops.attention import scaled_dot_product_attention
from ..ops.counting import one_hot
from ..ops.dropout import dropout
from ..ops.embedding import embedding
from ..ops.layer_norm import layer_norm
from ..ops.loss import binary_cross_entropy_with_logits, cross_entropy, mse_loss
from .linear import linear

# convolutional networks: convolution, pooling, normalisation and resizing of images
from ..ops.batch_norm import batch_norm  # noqa: E402
from ..ops.conv import conv1d, conv2d, conv_transpose2d  # noqa: E402
from ..ops.dropout import dropout2d  # noqa: E402
from ..ops.group_norm import group_norm  # noqa: E402
from ..ops.pooling import avg_pool2d, max_pool1d, max_pool2d  # noqa: E402
from ..ops.resample import adaptive_avg_pool2d, interpolate  # noqa: E402
