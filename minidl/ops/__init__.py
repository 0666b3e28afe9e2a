"""Differentiable ops: each file holds a family, each op its forward and backward side by side."""
from .activations import gelu, relu, sigmoid, tanh
from .arithmetic import add, div, mul, neg, pow, sub
from .comparison import eq, ge, gt, le, lt, ne
from .conversion import cast, to_device
from .indexing import backend_index, getitem
from . import inplace  # noqa: E402 (the in-place twins: ops.inplace.add_, ...)
from .math import abs, clamp, exp, log, sqrt
from .matmul import matmul
from .reductions import amax, amin, argmax, max, mean, min, sum, var
from .selection import masked_fill, maximum, minimum, where
from .shape import cat, expand, flatten, permute, reshape, squeeze, stack, transpose, unsqueeze
from .softmax import log_softmax, softmax

__all__ = [
    "abs", "add", "amax", "amin", "argmax", "backend_index", "cast", "cat", "clamp", "div",
    "eq", "exp", "expand", "flatten", "ge", "gelu", "getitem", "gt", "le", "log",
    "log_softmax", "lt", "masked_fill", "matmul", "max", "maximum", "mean", "min", "minimum",
    "mul", "ne", "neg", "permute", "pow", "relu", "reshape", "sigmoid", "softmax", "sqrt",
    "squeeze", "stack", "sub", "sum", "tanh", "to_device", "transpose", "unsqueeze", "var",
    "where",
]

# ---- PyTorch's tensor surface, issue 13 (each name listed once, in the module defining it) --
from .binary import addcdiv, addcmul, atan2, floor_divide, fmod, lerp, remainder  # noqa: E402
from .counting import bincount, histc, histogram, one_hot  # noqa: E402
from .cumulative import cumprod, cumsum  # noqa: E402
from .gather import (  # noqa: E402
    argwhere, gather, index_select, masked_select, nonzero, scatter, scatter_add, take_along_dim,
)
from .logical import (  # noqa: E402
    allclose, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, equal, isclose, isfinite, isinf,
    isnan, logical_and, logical_not, logical_or, logical_xor,
)
from .norms import norm, vector_norm  # noqa: E402
from .products import bmm, dot, einsum, mm, mv, outer  # noqa: E402
from .rearrange import (  # noqa: E402
    chunk, contiguous, diag, flip, matrix_transpose, movedim, narrow, repeat, repeat_interleave,
    roll, split, t, tile, tril, triu, unbind, unflatten,
)
from .reductions import (  # noqa: E402
    all, any, argmin, count_nonzero, logsumexp, prod, std,
)
from .sorting import argsort, median, mode, sort, topk, unique  # noqa: E402
from .unary import (  # noqa: E402
    acos, acosh, arccos, arccosh, arcsin, arcsinh, arctan, arctanh, asin, asinh, atan, atanh,
    ceil, cos, cosh, erf, erfc, expm1, fix, floor, frac, log1p, log2, log10, logit, nan_to_num,
    reciprocal, round, rsqrt, sign, sin, sinh, square, tan, trunc,
)

__all__ += [
    "acos", "acosh", "addcdiv", "addcmul", "all", "allclose", "any", "arccos", "arccosh",
    "arcsin", "arcsinh", "arctan", "arctanh", "argmin", "argsort", "argwhere", "asin", "asinh",
    "atan", "atan2", "atanh", "bincount", "bitwise_and", "bitwise_not", "bitwise_or",
    "bitwise_xor", "bmm", "ceil", "chunk", "contiguous", "cos", "cosh", "count_nonzero",
    "cumprod", "cumsum", "diag", "dot", "einsum", "equal", "erf", "erfc", "expm1", "fix",
    "flip", "floor", "floor_divide", "fmod", "frac", "gather", "histc", "histogram",
    "index_select", "isclose", "isfinite", "isinf", "isnan", "lerp", "log10", "log1p", "log2",
    "logical_and", "logical_not", "logical_or", "logical_xor", "logit", "logsumexp",
    "masked_select", "matrix_transpose", "median", "mm", "mode", "movedim", "mv", "nan_to_num",
    "narrow", "nonzero", "norm", "one_hot", "outer", "prod", "reciprocal", "remainder",
    "repeat", "repeat_interleave", "roll", "round", "rsqrt", "scatter", "scatter_add", "sign",
    "sin", "sinh", "sort", "split", "square", "std", "t", "take_along_dim", "tan", "tile",
    "topk", "tril", "triu", "trunc", "unbind", "unflatten", "unique", "vector_norm",
]
