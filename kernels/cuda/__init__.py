"""minidl.kernels.cuda: the kernel interface of kernels/__init__.py as CUDA kernels, via CuPy.

Arguments are CuPy arrays (float32 or float64, any layout); each wrapper makes its inputs
contiguous where the kernel indexes raw memory, and returns arrays of the input dtype. One
module per concept, each with its NumPy twin in kernels/reference.py:

- activations.py    ReLU, sigmoid, tanh, GELU: cupy.ElementwiseKernel, one fused pass each
- softmax.py        softmax.cu: one block per row, online max and sum, warp-shuffle reductions
- cross_entropy.py  cross_entropy.cu: log-softmax, target gather and label smoothing fused
- layer_norm.py     layer_norm.cu: fused row statistics; deterministic two-stage param grads
- dropout.py        counter-based splitmix64 mask, bit-identical to the other kernel sets
- embedding.py      gather, and a scatter-add backward with atomicAdd
- attention.py      attention.cu: flash-attention-style tiled forward and backward
- optimizers.py     optimizers.cu: multi-tensor SGD and Adam/AdamW, one launch per list
- quantized.py      quantized.cu: the int8 matrix product (int32 accumulation), shared-memory tiles
- conv.py           conv.cu: im2col (one thread per patch entry), col2im (one per pixel, a
                    gather: no atomics); the convolution's product runs in cuBLAS
- pooling.py        pooling.cu: max/average pooling, forward and backward
- batch_norm.py     batch_norm.cu: one block per channel, block reductions

Importing this package needs CuPy but no GPU: the CUDA sources are compiled (with NVRTC) the
first time each kernel runs. common.cuh holds device helpers shared by the .cu files.
"""
from .activations import (
    gelu_backward,
    gelu_forward,
    relu_backward,
    relu_forward,
    sigmoid_backward,
    sigmoid_forward,
    tanh_backward,
    tanh_forward,
)
from .attention import attention_backward, attention_forward
from .cross_entropy import cross_entropy_backward, cross_entropy_forward
from .dropout import dropout_backward, dropout_forward
from .embedding import embedding_backward, embedding_forward
from .layer_norm import layer_norm_backward, layer_norm_forward
from .optimizers import adam_step, sgd_step
from .quantized import quantized_matmul
from .softmax import log_softmax_backward, log_softmax_forward, softmax_backward, softmax_forward

# convolution, pooling, batch norm (conv.cu, pooling.cu, batch_norm.cu)
from .batch_norm import batch_norm_backward, batch_norm_forward  # noqa: E402
from .conv import col2im, im2col  # noqa: E402
from .pooling import (  # noqa: E402
    avg_pool2d_backward, avg_pool2d_forward, max_pool2d_backward, max_pool2d_forward,
)

__all__ = [
    "relu_forward", "relu_backward", "sigmoid_forward", "sigmoid_backward", "tanh_forward", "tanh_backward",
    "gelu_forward", "gelu_backward",
    "softmax_forward", "softmax_backward", "log_softmax_forward", "log_softmax_backward",
    "cross_entropy_forward", "cross_entropy_backward",
    "layer_norm_forward", "layer_norm_backward",
    "dropout_forward", "dropout_backward",
    "embedding_forward", "embedding_backward",
    "attention_forward", "attention_backward",
    "sgd_step", "adam_step",
    "quantized_matmul",
    # convolution, pooling, batch norm
    "im2col", "col2im", "max_pool2d_forward", "max_pool2d_backward",
    "avg_pool2d_forward", "avg_pool2d_backward", "batch_norm_forward", "batch_norm_backward",
]
