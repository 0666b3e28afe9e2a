"""minidl: a small, readable deep-learning framework with PyTorch's API.

    import minidl as dl
    x = dl.randn(3, 4, requires_grad=True)
    (x.relu() ** 2).sum().backward()
    x.grad
"""
from . import autograd  # first: the engine and Tensor import each other in this order
from . import cuda, dtypes
from .autograd import enable_grad, is_grad_enabled, no_grad
from .autograd import inference_mode, set_grad_enabled
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


# ---- PyTorch's tensor surface, issue 13 ---------------------------------------------------------
from . import linalg, random  # noqa: E402
from .creation import (  # noqa: E402
    empty, empty_like, eye, full_like, linspace, logspace, randint_like,
)
from .dtypes import (  # noqa: E402, A004
    DType, double, finfo, float, get_default_dtype, half, iinfo, int, int8, int16, int32, long,
    set_default_dtype, short, uint8,
)
from .ops import (  # noqa: E402
    acos, acosh, addcdiv, addcmul, all, allclose, any, arccos, arccosh, arcsin, arcsinh, arctan,
    arctanh, argmin, argsort, argwhere, asin, asinh, atan, atan2, atanh, bincount, bitwise_and,
    bitwise_not, bitwise_or, bitwise_xor, bmm, ceil, chunk, cos, cosh, count_nonzero, cumprod,
    cumsum, diag, dot, einsum, equal, erf, erfc, expm1, fix, flip, floor, floor_divide, fmod,
    frac, gather, histc, histogram, index_select, isclose, isfinite, isinf, isnan, lerp, log1p,
    log2, log10, logical_and, logical_not, logical_or, logical_xor, logit, logsumexp,
    masked_select, median, mm, mode, movedim, mv, nan_to_num, narrow, nonzero, norm, outer,
    prod, reciprocal, remainder, repeat_interleave, roll, round, rsqrt, scatter, scatter_add,
    sign, sin, sinh, sort, split, square, std, t, take_along_dim, tan, tile, topk, tril, triu,
    trunc, unbind, unflatten, unique,
)
from .ops import transpose as swapaxes  # noqa: E402
from .ops import transpose as swapdims  # noqa: E402
from .ops import movedim as moveaxis  # noqa: E402
from .random import Generator, bernoulli, multinomial, normal, randperm  # noqa: E402

# ---- deployment (issue 17): weights other tools read -----------------------------------
from .dtypes import qint8  # noqa: E402
from .safetensors_io import load_safetensors, save_safetensors  # noqa: E402


__version__ = "0.1.0"

# ---- submodules loaded on first use, as ``import torch`` offers torch.nn, torch.optim... ------
# ``import minidl`` stays fast (no Numba, no layers) until a program touches ``minidl.nn``.
_LAZY_SUBMODULES = (
    "data", "datasets", "metrics", "nn", "onnx", "optim", "quantization", "training", "utils",
)


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")  # also binds minidl.<name>
    raise AttributeError(f"module 'minidl' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY_SUBMODULES))
