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
