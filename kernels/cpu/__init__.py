"""The CPU kernel set: every kernel of the interface (see ``minidl.kernels``), compiled with Numba.

Each function here has a plain NumPy twin of the same name in ``minidl.kernels.reference``,
which is its specification and its test oracle. Kernels compile on first call and are cached on
disk (``@njit(cache=True)``), so importing this package compiles nothing. Each loop is compiled
twice, serial and parallel, and runs in parallel only above a grain size (``parallel.py``):
a parallel launch costs more than a small array's whole loop.

Numba's parallel loops run on its own "workqueue" threading layer, unless the user chose one
with ``NUMBA_THREADING_LAYER``. Numba would otherwise pick GNU OpenMP, whose idle threads spin:
on a machine with few cores they then hold the cores that OpenBLAS (NumPy's matmul) and the
next kernel need, and a second OpenMP runtime in the process (PyTorch brings its own) makes it
worse. We measured on 2 cores, W1 training step: 8.0 ms with OpenMP next to PyTorch, 1.0-1.3 ms
with workqueue (PyTorch itself 0.9-1.3 ms either way). The price is a slower launch (its
threads must be woken), which ``parallel.py``'s grain pays for. Workqueue's other limit:
parallel kernels must not be launched from several Python threads at once (Numba stops the
program if they are). minidl never does: its threaded attention (``attention.py``) calls serial
kernels only.
"""
import os

import numba

if "NUMBA_THREADING_LAYER" not in os.environ:
    numba.config.THREADING_LAYER = "workqueue"  # read on the first parallel launch

from .activations import (  # noqa: E402 (after the threading layer is chosen)
    gelu_backward, gelu_forward, relu_backward, relu_forward, sigmoid_backward, sigmoid_forward,
    tanh_backward, tanh_forward,
)
from .attention import attention_backward, attention_forward
from .cross_entropy import cross_entropy_backward, cross_entropy_forward
from .dropout import dropout_backward, dropout_forward
from .embedding import embedding_backward, embedding_forward
from .layer_norm import layer_norm_backward, layer_norm_forward
from .optimizers import adam_step, sgd_step
from .quantized import quantized_matmul
from .softmax import log_softmax_backward, log_softmax_forward, softmax_backward, softmax_forward

# convolution, pooling, batch norm
from .batch_norm import batch_norm_backward, batch_norm_forward  # noqa: E402
from .conv import col2im, im2col  # noqa: E402
from .pooling import (  # noqa: E402
    avg_pool2d_backward, avg_pool2d_forward, max_pool2d_backward, max_pool2d_forward,
)

__all__ = [
    "relu_forward", "relu_backward", "sigmoid_forward", "sigmoid_backward",
    "tanh_forward", "tanh_backward", "gelu_forward", "gelu_backward",
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

# ---- float16 arrays: computed in float32 (half.py), for every kernel above -----------------
from .half import float16_via_float32  # noqa: E402

for _name in __all__:
    if not _name.endswith("_step"):  # the optimizer steps widen float16 per parameter
        globals()[_name] = float16_via_float32(globals()[_name])
