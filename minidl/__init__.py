"""minidl: a small, readable deep-learning framework with PyTorch's API.

    import minidl as dl
    x = dl.randn(3, 4, requires_grad=True)
    (x.relu() ** 2).sum().backward()
    x.grad
"""
from . import autograd  # first: the engine and Tensor import each other in this order
from . import cuda, data, datasets, dtypes, metrics, training
from .autograd import enable_grad, is_grad_enabled, no_grad
from .backend import get_kernels, manual_seed, use_kernels
from .creation import (
    arange,
    from_numpy,
    full,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    zeros,
    zeros_like,
)
from .dtypes import bool, float16, float32, float64, int64  # noqa: A004
from .gradcheck import GradcheckError, gradcheck
from .io import load, save
from .ops import (
    abs,
    amax,
    amin,
    argmax,
    cat,
    clamp,
    exp,
    flatten,
    log,
    log_softmax,
    masked_fill,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    permute,
    reshape,
    sigmoid,
    softmax,
    sqrt,
    squeeze,
    stack,
    sum,
    tanh,
    transpose,
    unsqueeze,
    var,
    where,
)
from .ops import pow, relu  # noqa: F401
from .tensor import Tensor, tensor
from .threads import get_num_threads, set_num_threads  # issue 12: thread counts

__version__ = "0.1.0"
