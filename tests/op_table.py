"""The op table: one row per differentiable op of the Tensors section.

Each row names an op, how to call it (``fn(lib, *inputs)``, where ``lib`` is minidl, torch for
the parity check, or a stand-in that creates tensors on the GPU), a NumPy reference for the
forward, the input shapes and the input domain. tests/ops/test_op_table.py (CPU) and
tests/cuda/test_cuda_engine.py (GPU) generate their tests from it.
"""
from dataclasses import dataclass

import numpy as np

from minidl import ops


@dataclass
class Case:
    name: str
    fn: object  # fn(lib, *tensors) -> tensor
    ref: object  # ref(*arrays) -> array
    shapes: list
    domain: str = "real"  # real | positive | distinct (no ties, away from kinks at 0)


def functional(lib):
    """The namespace holding the gelu function: torch.nn.functional for torch, else minidl.ops."""
    return lib.nn.functional if getattr(lib, "__name__", "") == "torch" else ops


def _gelu_ref(x, approximate="none"):
    from math import erf, pi, sqrt

    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))
    return 0.5 * x * (1 + np.vectorize(erf)(x / sqrt(2)))


MASK = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]])
REPEATED = np.array([0, 2, 2, 1, 0])


def _softmax_ref(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


CASES = [
    Case("add", lambda lib, a, b: a + b, np.add, [(3, 4), (4,)]),
    Case("add_scalar", lambda lib, a: 2.5 + a, lambda a: 2.5 + a, [(3, 4)]),
    Case("sub", lambda lib, a, b: a - b, np.subtract, [(2, 1, 4), (3, 1)]),
    Case("rsub", lambda lib, a: 1.0 - a, lambda a: 1.0 - a, [(5,)]),
    Case("mul", lambda lib, a, b: a * b, np.multiply, [(3, 4), (3, 1)]),
    Case("div", lambda lib, a, b: a / b, np.divide, [(3, 4), (4,)], "positive"),
    Case("rdiv", lambda lib, a: 2.0 / a, lambda a: 2.0 / a, [(3,)], "positive"),
    Case("pow_scalar", lambda lib, a: a**3, lambda a: a**3, [(3, 4)]),
    Case("pow_tensor", lambda lib, a, b: a**b, np.power, [(3, 4), (3, 4)], "positive"),
    Case("rpow", lambda lib, a: 2.0**a, lambda a: 2.0**a, [(4,)]),
    Case("neg", lambda lib, a: -a, np.negative, [(3, 4)]),
    Case("exp", lambda lib, a: a.exp(), np.exp, [(3, 4)]),
    Case("log", lambda lib, a: a.log(), np.log, [(3, 4)], "positive"),
    Case("sqrt", lambda lib, a: a.sqrt(), np.sqrt, [(3, 4)], "positive"),
    Case("abs", lambda lib, a: a.abs(), np.abs, [(3, 4)], "distinct"),
    Case("clamp", lambda lib, a: a.clamp(min=-0.55, max=0.65), lambda a: np.clip(a, -0.55, 0.65), [(4, 5)], "distinct"),
    Case("clamp_min", lambda lib, a: a.clamp(min=0.15), lambda a: np.maximum(a, 0.15), [(6,)], "distinct"),
    Case("relu", lambda lib, a: a.relu(), lambda a: np.maximum(a, 0), [(3, 4)], "distinct"),
    Case("sigmoid", lambda lib, a: a.sigmoid(), lambda a: 1 / (1 + np.exp(-a)), [(3, 4)]),
    Case("tanh", lambda lib, a: a.tanh(), np.tanh, [(3, 4)]),
    Case("gelu", lambda lib, a: functional(lib).gelu(a), _gelu_ref, [(3, 4)]),
    Case("gelu_tanh", lambda lib, a: functional(lib).gelu(a, approximate="tanh"), lambda a: _gelu_ref(a, "tanh"), [(3, 4)]),
    Case("sum", lambda lib, a: a.sum(), np.sum, [(3, 4)]),
    Case("sum_dim", lambda lib, a: a.sum(dim=1), lambda a: a.sum(axis=1), [(3, 4, 2)]),
    Case("sum_dims_keepdim", lambda lib, a: a.sum(dim=(0, 2), keepdim=True), lambda a: a.sum(axis=(0, 2), keepdims=True), [(3, 4, 2)]),
    Case("mean", lambda lib, a: a.mean(), np.mean, [(3, 4)]),
    Case("mean_dim", lambda lib, a: a.mean(dim=-1), lambda a: a.mean(axis=-1), [(3, 4)]),
    Case("var", lambda lib, a: a.var(), lambda a: a.var(ddof=1), [(3, 4)]),
    Case("var_dim_biased", lambda lib, a: a.var(dim=0, unbiased=False, keepdim=True), lambda a: a.var(axis=0, keepdims=True), [(3, 4)]),
    Case("amax", lambda lib, a: a.amax(dim=1), lambda a: a.max(axis=1), [(3, 4)], "distinct"),
    Case("amin_keepdim", lambda lib, a: a.amin(dim=0, keepdim=True), lambda a: a.min(axis=0, keepdims=True), [(3, 4)], "distinct"),
    Case("max", lambda lib, a: a.max(), np.max, [(3, 4)], "distinct"),
    Case("min", lambda lib, a: a.min(), np.min, [(3, 4)], "distinct"),
    Case("matmul", lambda lib, a, b: a @ b, np.matmul, [(3, 4), (4, 5)]),
    Case("matmul_batched_broadcast", lambda lib, a, b: a @ b, np.matmul, [(2, 1, 3, 4), (3, 4, 2)]),
    Case("matmul_stack_matrix", lambda lib, a, b: a @ b, np.matmul, [(2, 2, 3, 4), (4, 5)]),
    Case("matmul_vector_matrix", lambda lib, a, b: a @ b, np.matmul, [(4,), (4, 3)]),
    Case("matmul_matrix_vector", lambda lib, a, b: lib.matmul(a, b), np.matmul, [(2, 3, 4), (4,)]),
    Case("matmul_dot", lambda lib, a, b: a @ b, np.matmul, [(4,), (4,)]),
    Case("reshape", lambda lib, a: a.reshape(4, 3), lambda a: a.reshape(4, 3), [(3, 4)]),
    Case("view", lambda lib, a: a.view(-1), lambda a: a.reshape(-1), [(3, 4)]),
    Case("permute", lambda lib, a: a.permute(2, 0, 1), lambda a: a.transpose(2, 0, 1), [(2, 3, 4)]),
    Case("transpose", lambda lib, a: a.transpose(0, 2), lambda a: a.swapaxes(0, 2), [(2, 3, 4)]),
    Case("T", lambda lib, a: a.T, lambda a: a.T, [(3, 4)]),
    Case("unsqueeze", lambda lib, a: a.unsqueeze(1), lambda a: a[:, None], [(3, 4)]),
    Case("squeeze", lambda lib, a: a.squeeze(), np.squeeze, [(3, 1, 4, 1)]),
    Case("squeeze_dim", lambda lib, a: a.squeeze(1), lambda a: a.squeeze(1), [(3, 1, 4, 1)]),
    Case("flatten", lambda lib, a: a.flatten(1), lambda a: a.reshape(2, -1), [(2, 3, 4)]),
    Case("expand", lambda lib, a: a.expand(2, 3, 4), lambda a: np.broadcast_to(a, (2, 3, 4)), [(3, 1)]),
    Case("masked_fill", lambda lib, a: a.masked_fill(lib.tensor(MASK), -1.5), lambda a: np.where(MASK, -1.5, a), [(3, 4)]),
    Case("softmax_last", lambda lib, a: a.softmax(-1), lambda a: _softmax_ref(a, -1), [(3, 5)]),
    Case("softmax_dim0", lambda lib, a: a.softmax(0), lambda a: _softmax_ref(a, 0), [(3, 5, 2)]),
    Case("log_softmax", lambda lib, a: a.log_softmax(1), lambda a: np.log(_softmax_ref(a, 1)), [(3, 5, 2)]),
    Case("getitem_slices", lambda lib, a: a[1:, ::2, None, ...], lambda a: a[1:, ::2, None, ...], [(3, 4, 2)]),
    Case("getitem_int", lambda lib, a: a[1, -1], lambda a: a[1, -1], [(3, 4)]),
    Case("getitem_repeated_indices", lambda lib, a: a[lib.tensor(REPEATED)], lambda a: a[REPEATED], [(3, 4)]),
    Case("getitem_two_index_tensors", lambda lib, a: a[lib.tensor(REPEATED), lib.tensor([0, 1, 1, 3, 0])], lambda a: a[REPEATED, [0, 1, 1, 3, 0]], [(3, 4)]),
    Case("getitem_bool_mask", lambda lib, a: a[lib.tensor(MASK)], lambda a: a[MASK], [(3, 4)]),
    Case("cat", lambda lib, a, b: lib.cat([a, b], dim=1), lambda a, b: np.concatenate([a, b], axis=1), [(3, 2), (3, 4)]),
    Case("stack", lambda lib, a, b: lib.stack([a, b], dim=-1), lambda a, b: np.stack([a, b], axis=-1), [(3, 2), (3, 2)]),
    Case("where", lambda lib, a, b: lib.where(lib.tensor(MASK), a, b), lambda a, b: np.where(MASK, a, b), [(3, 4), (4,)]),
    Case("maximum", lambda lib, a, b: lib.maximum(a, b), np.maximum, [(3, 4), (3, 4)], "distinct"),
    Case("minimum", lambda lib, a, b: lib.minimum(a, b), np.minimum, [(3, 4), (3, 4)], "distinct"),
]


def make_inputs(case, seed=0):
    """Float64 arrays for a case; 'distinct' values are spread out, with no ties and no zeros."""
    rng = np.random.default_rng(seed)
    arrays = []
    total = sum(int(np.prod(s)) for s in case.shapes)
    if case.domain == "distinct":
        values = rng.permutation(np.linspace(-2.0, 2.0, 2 * total + 1))
        values = values[np.abs(values) > 0.05][:total]
    offset = 0
    for shape in case.shapes:
        size = int(np.prod(shape))
        if case.domain == "positive":
            a = rng.uniform(0.5, 2.0, size)
        elif case.domain == "distinct":
            a = values[offset : offset + size]
        else:
            a = rng.standard_normal(size)
        offset += size
        arrays.append(a.reshape(shape))
    return arrays


