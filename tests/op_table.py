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
    domain: str = "real"  # real | positive | distinct (no ties, away from kinks at 0) | DOMAINS


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
    """Float64 arrays for a case; 'distinct' values are spread out, with no ties and no zeros,
    in value and in magnitude (the grid is shifted by a third of its step, so no two values are
    x and -x: on a symmetric grid |x| and |-x| can differ by an ulp, a near-tie that made the
    p = inf norm's gradcheck fail on a GPU run, where the seed put such a pair in one column)."""
    rng = np.random.default_rng(seed)
    arrays = []
    total = sum(int(np.prod(s)) for s in case.shapes)
    if case.domain == "distinct":
        grid, step = np.linspace(-2.0, 2.0, 2 * total + 1, retstep=True)
        values = rng.permutation(grid + step / 3)
        values = values[np.abs(values) > 0.05][:total]
    offset = 0
    for shape in case.shapes:
        size = int(np.prod(shape))
        if case.domain == "positive":
            a = rng.uniform(0.5, 2.0, size)
        elif case.domain in DOMAINS:
            a = DOMAINS[case.domain](rng, size)
        elif case.domain == "distinct":
            a = values[offset : offset + size]
        else:
            a = rng.standard_normal(size)
        offset += size
        arrays.append(a.reshape(shape))
    return arrays




# ---- issue 13: PyTorch's tensor surface ---------------------------------------------------------
DOMAINS = {  # more input domains, for functions defined (or smooth) only on part of the line
    "unit": lambda rng, n: rng.uniform(-0.9, 0.9, n),  # asin, acos, atanh, frac
    "probability": lambda rng, n: rng.uniform(0.05, 0.95, n),  # logit
    "above_one": lambda rng, n: rng.uniform(1.2, 3.0, n),  # acosh
    "off_integer": lambda rng, n: rng.integers(-3, 3, n) + rng.uniform(0.1, 0.4, n),  # floor...
}
GATHER_INDEX = np.array([[0, 3, 3, 1], [2, 2, 0, 1], [1, 0, 3, 3]])
SCATTER_INDEX = np.array([[0, 3], [2, 1], [1, 0]])  # no repeats within a row: scatter is defined
SELECT_INDEX = np.array([2, 0, 2])
TRIL_MASK_OFFSET = 1


def _erf(x):
    from math import erf

    return np.vectorize(erf)(x)


def _mode_values(a):
    """The smallest value of each row (every value occurs once in a 'distinct' input)."""
    return a.min(axis=1)


def _scatter_ref(a, b, add):
    out = a.copy()
    for i in range(SCATTER_INDEX.shape[0]):
        for j in range(SCATTER_INDEX.shape[1]):
            if add:
                out[i, SCATTER_INDEX[i, j]] += b[i, j]
            else:
                out[i, SCATTER_INDEX[i, j]] = b[i, j]
    return out


def _logsumexp(a, axis):
    m = a.max(axis=axis, keepdims=True)
    return (m + np.log(np.exp(a - m).sum(axis=axis, keepdims=True))).squeeze(axis)


CASES += [
    # elementwise
    Case("sin", lambda lib, a: a.sin(), np.sin, [(3, 4)]),
    Case("cos", lambda lib, a: lib.cos(a), np.cos, [(3, 4)]),
    Case("tan", lambda lib, a: a.tan(), np.tan, [(3, 4)], "unit"),
    Case("asin", lambda lib, a: a.asin(), np.arcsin, [(3, 4)], "unit"),
    Case("acos", lambda lib, a: lib.acos(a), np.arccos, [(3, 4)], "unit"),
    Case("atan", lambda lib, a: a.atan(), np.arctan, [(3, 4)]),
    Case("atan2", lambda lib, a, b: lib.atan2(a, b), np.arctan2, [(3, 4), (4,)]),
    Case("sinh", lambda lib, a: a.sinh(), np.sinh, [(3, 4)]),
    Case("cosh", lambda lib, a: a.cosh(), np.cosh, [(3, 4)]),
    Case("asinh", lambda lib, a: a.asinh(), np.arcsinh, [(3, 4)]),
    Case("acosh", lambda lib, a: a.acosh(), np.arccosh, [(3, 4)], "above_one"),
    Case("atanh", lambda lib, a: a.atanh(), np.arctanh, [(3, 4)], "unit"),
    Case("erf", lambda lib, a: a.erf(), _erf, [(3, 4)]),
    Case("erfc", lambda lib, a: lib.erfc(a), lambda a: 1 - _erf(a), [(3, 4)]),
    Case("expm1", lambda lib, a: a.expm1(), np.expm1, [(3, 4)]),
    Case("log1p", lambda lib, a: a.log1p(), np.log1p, [(3, 4)], "positive"),
    Case("log2", lambda lib, a: a.log2(), np.log2, [(3, 4)], "positive"),
    Case("log10", lambda lib, a: lib.log10(a), np.log10, [(3, 4)], "positive"),
    Case("reciprocal", lambda lib, a: a.reciprocal(), np.reciprocal, [(3, 4)], "positive"),
    Case("rsqrt", lambda lib, a: a.rsqrt(), lambda a: 1 / np.sqrt(a), [(3, 4)], "positive"),
    Case("square", lambda lib, a: a.square(), np.square, [(3, 4)]),
    Case("frac", lambda lib, a: a.frac(), lambda a: a - np.trunc(a), [(3, 4)], "unit"),
    Case("logit", lambda lib, a: a.logit(), lambda a: np.log(a / (1 - a)), [(3, 4)], "probability"),
    Case("logit_eps", lambda lib, a: a.logit(eps=0.2), lambda a: np.log(np.clip(a, 0.2, 0.8) / (1 - np.clip(a, 0.2, 0.8))), [(3, 4)], "distinct"),
    Case("floor", lambda lib, a: a.floor() * a, lambda a: np.floor(a) * a, [(3, 4)], "off_integer"),
    Case("ceil", lambda lib, a: a.ceil() * a, lambda a: np.ceil(a) * a, [(3, 4)], "off_integer"),
    Case("round", lambda lib, a: a.round() * a, lambda a: np.round(a) * a, [(3, 4)], "off_integer"),
    Case("round_decimals", lambda lib, a: lib.round(a, decimals=1) + a, lambda a: np.round(a, 1) + a, [(3, 4)], "off_integer"),
    Case("trunc", lambda lib, a: a.trunc() * a, lambda a: np.trunc(a) * a, [(3, 4)], "off_integer"),
    Case("sign", lambda lib, a: a.sign() * a, lambda a: np.sign(a) * a, [(3, 4)], "off_integer"),
    Case("nan_to_num", lambda lib, a: a.nan_to_num(), np.nan_to_num, [(3, 4)]),
    Case("fmod", lambda lib, a, b: lib.fmod(a, b), np.fmod, [(3, 4), (4,)], "positive"),
    Case("remainder", lambda lib, a, b: a.remainder(b), np.remainder, [(3, 4), (4,)], "positive"),
    Case("remainder_operator", lambda lib, a: a % 0.7, lambda a: np.remainder(a, 0.7), [(3, 4)], "positive"),
    Case("lerp", lambda lib, a, b, w: lib.lerp(a, b, w), lambda a, b, w: a + w * (b - a), [(3, 4), (3, 4), (4,)]),
    Case("lerp_scalar", lambda lib, a, b: a.lerp(b, 0.3), lambda a, b: a + 0.3 * (b - a), [(3, 4), (3, 4)]),
    Case("addcmul", lambda lib, a, b, c: lib.addcmul(a, b, c, value=0.5), lambda a, b, c: a + 0.5 * b * c, [(3, 4), (3, 4), (4,)]),
    Case("addcdiv", lambda lib, a, b, c: a.addcdiv(b, c, value=-2), lambda a, b, c: a - 2 * b / c, [(3, 4), (3, 4), (3, 4)], "positive"),
    # shapes and indexing
    Case("split", lambda lib, a: lib.cat([p * (i + 1) for i, p in enumerate(a.split(2, dim=1))], 1), lambda a: a * np.array([1, 1, 2, 2, 3]), [(3, 5)]),
    Case("split_sizes", lambda lib, a: a.split([1, 2], 0)[1], lambda a: a[1:3], [(3, 4)]),
    Case("chunk", lambda lib, a: lib.stack(a.chunk(2, dim=-1), 0), lambda a: np.stack([a[:, :2], a[:, 2:]]), [(3, 4)]),
    Case("unbind", lambda lib, a: sum(p * (i + 1) for i, p in enumerate(a.unbind(1))), lambda a: a @ np.arange(1, 5), [(3, 4)]),
    Case("narrow", lambda lib, a: a.narrow(1, 1, 2), lambda a: a[:, 1:3], [(3, 4)]),
    Case("contiguous", lambda lib, a: a.t().contiguous(), lambda a: a.T, [(3, 4)]),
    Case("t", lambda lib, a: lib.t(a), lambda a: a.T, [(3, 4)]),
    Case("mT", lambda lib, a: a.mT, lambda a: a.swapaxes(-1, -2), [(2, 3, 4)]),
    Case("swapaxes", lambda lib, a: lib.swapaxes(a, 0, 2), lambda a: a.swapaxes(0, 2), [(2, 3, 4)]),
    Case("movedim", lambda lib, a: a.movedim(0, -1), lambda a: np.moveaxis(a, 0, -1), [(2, 3, 4)]),
    Case("movedim_several", lambda lib, a: lib.movedim(a, (0, 1), (2, 0)), lambda a: np.moveaxis(a, (0, 1), (2, 0)), [(2, 3, 4)]),
    Case("flip", lambda lib, a: a.flip(0, 2), lambda a: a[::-1, :, ::-1], [(2, 3, 4)]),
    Case("flip_function", lambda lib, a: lib.flip(a, (-1,)), lambda a: a[:, ::-1], [(3, 4)]),
    Case("roll", lambda lib, a: a.roll(1, 1), lambda a: np.roll(a, 1, 1), [(3, 4)]),
    Case("roll_flat", lambda lib, a: lib.roll(a, -2), lambda a: np.roll(a, -2), [(3, 4)]),
    Case("roll_dims", lambda lib, a: a.roll((1, -1), (0, 1)), lambda a: np.roll(a, (1, -1), (0, 1)), [(3, 4)]),
    Case("repeat", lambda lib, a: a.repeat(2, 1, 3), lambda a: np.tile(a, (2, 1, 3)), [(3, 4)]),
    Case("tile", lambda lib, a: lib.tile(a, (2,)), lambda a: np.tile(a, (1, 2)), [(3, 4)]),
    Case("repeat_interleave", lambda lib, a: a.repeat_interleave(2, dim=0), lambda a: np.repeat(a, 2, 0), [(3, 4)]),
    Case("repeat_interleave_counts", lambda lib, a: lib.repeat_interleave(a, lib.tensor([1, 0, 3]), dim=0), lambda a: np.repeat(a, [1, 0, 3], 0), [(3, 4)]),
    Case("unflatten", lambda lib, a: a.unflatten(1, (2, 2)), lambda a: a.reshape(3, 2, 2), [(3, 4)]),
    Case("tril", lambda lib, a: a.tril(), np.tril, [(2, 3, 4)]),
    Case("triu_offset", lambda lib, a: lib.triu(a, 1), lambda a: np.triu(a, 1), [(4, 3)]),
    Case("diag_vector", lambda lib, a: lib.diag(a, -1), lambda a: np.diag(a, -1), [(3,)]),
    Case("diag_matrix", lambda lib, a: a.diag(1), lambda a: np.diag(a, 1), [(3, 4)]),
    Case("gather", lambda lib, a: a.gather(1, lib.tensor(GATHER_INDEX)), lambda a: np.take_along_axis(a, GATHER_INDEX, 1), [(3, 4)]),
    Case("gather_smaller_index", lambda lib, a: lib.gather(a, 0, lib.tensor(SCATTER_INDEX[:2] % 3)), lambda a: np.take_along_axis(a[:, :2], SCATTER_INDEX[:2] % 3, 0), [(3, 4)]),
    Case("take_along_dim", lambda lib, a: lib.take_along_dim(a, lib.tensor(GATHER_INDEX[:, :1]), 1), lambda a: np.take_along_axis(a, GATHER_INDEX[:, :1], 1), [(3, 4)]),
    Case("scatter", lambda lib, a, b: a.scatter(1, lib.tensor(SCATTER_INDEX), b), lambda a, b: _scatter_ref(a, b, False), [(3, 4), (3, 2)]),
    Case("scatter_add", lambda lib, a, b: lib.scatter_add(a, 1, lib.tensor(GATHER_INDEX), b), lambda a, b: a + np.stack([np.bincount(GATHER_INDEX[i], b[i], 4) for i in range(3)]), [(3, 4), (3, 4)]),
    Case("index_select", lambda lib, a: a.index_select(1, lib.tensor(SELECT_INDEX)), lambda a: a[:, SELECT_INDEX], [(3, 4)]),
    Case("masked_select", lambda lib, a: a.masked_select(lib.tensor(MASK[0])), lambda a: a[:, MASK[0]].ravel(), [(3, 4)]),
    Case("where_scalars", lambda lib, a: lib.where(lib.tensor(MASK), a, 0.5), lambda a: np.where(MASK, a, 0.5), [(3, 4)]),
    # reductions
    Case("sum_axis_keepdims", lambda lib, a: a.sum(1, keepdims=True), lambda a: a.sum(1, keepdims=True), [(3, 4)]),
    Case("mean_axis", lambda lib, a: lib.mean(a, axis=0), lambda a: a.mean(0), [(3, 4)]),
    Case("var_correction", lambda lib, a: a.var(1, correction=0), lambda a: a.var(1), [(3, 4)]),
    Case("var_correction_2", lambda lib, a: a.var(correction=2), lambda a: a.var(ddof=2), [(3, 4)]),
    Case("std", lambda lib, a: a.std(), lambda a: a.std(ddof=1), [(3, 4)]),
    Case("std_dim_biased", lambda lib, a: a.std(0, unbiased=False, keepdim=True), lambda a: a.std(0, keepdims=True), [(3, 4)]),
    Case("max_dim", lambda lib, a: a.max(1).values, lambda a: a.max(1), [(3, 4)], "distinct"),
    Case("min_dim_keepdim", lambda lib, a: lib.min(a, 0, keepdim=True)[0], lambda a: a.min(0, keepdims=True), [(3, 4)], "distinct"),
    Case("median_dim", lambda lib, a: a.median(1).values, lambda a: np.sort(a, 1)[:, 1], [(3, 4)], "distinct"),
    Case("median_all", lambda lib, a: a.median(), lambda a: np.sort(a.ravel())[5], [(3, 4)], "distinct"),
    Case("mode", lambda lib, a: a.mode(1).values, _mode_values, [(3, 4)], "distinct"),
    Case("logsumexp", lambda lib, a: a.logsumexp(1), lambda a: _logsumexp(a, 1), [(3, 4)]),
    Case("logsumexp_dims", lambda lib, a: lib.logsumexp(a, (0, 2), keepdim=True), lambda a: np.expand_dims(_logsumexp(a.transpose(1, 0, 2).reshape(3, -1), 1), (0, 2)), [(2, 3, 4)]),
    Case("cumsum", lambda lib, a: a.cumsum(1), lambda a: a.cumsum(1), [(3, 4)]),
    Case("cumprod", lambda lib, a: lib.cumprod(a, 0), lambda a: a.cumprod(0), [(3, 4)]),
    Case("prod", lambda lib, a: a.prod(), np.prod, [(3, 4)]),
    Case("prod_dim", lambda lib, a: a.prod(1, keepdim=True), lambda a: a.prod(1, keepdims=True), [(3, 4)]),
    Case("norm", lambda lib, a: a.norm(), np.linalg.norm, [(3, 4)]),
    Case("norm_p1_dim", lambda lib, a: a.norm(p=1, dim=1), lambda a: np.abs(a).sum(1), [(3, 4)], "distinct"),
    Case("vector_norm_inf", lambda lib, a: lib.linalg.vector_norm(a, float("inf"), dim=0), lambda a: np.abs(a).max(0), [(3, 4)], "distinct"),
    Case("vector_norm_p3", lambda lib, a: lib.linalg.vector_norm(a, 3), lambda a: (np.abs(a) ** 3).sum() ** (1 / 3), [(3, 4)]),
    # ordering
    Case("sort", lambda lib, a: a.sort(1).values, lambda a: np.sort(a, 1), [(3, 4)], "distinct"),
    Case("sort_descending", lambda lib, a: lib.sort(a, 0, descending=True)[0], lambda a: -np.sort(-a, 0), [(3, 4)], "distinct"),
    Case("topk", lambda lib, a: a.topk(2).values, lambda a: -np.sort(-a, 1)[:, :2], [(3, 4)], "distinct"),
    Case("topk_smallest", lambda lib, a: lib.topk(a, 2, dim=0, largest=False)[0], lambda a: np.sort(a, 0)[:2], [(3, 4)], "distinct"),
    # products
    Case("mm", lambda lib, a, b: lib.mm(a, b), np.matmul, [(3, 4), (4, 2)]),
    Case("bmm", lambda lib, a, b: a.bmm(b), np.matmul, [(2, 3, 4), (2, 4, 2)]),
    Case("mv", lambda lib, a, b: lib.mv(a, b), np.matmul, [(3, 4), (4,)]),
    Case("dot", lambda lib, a, b: a.dot(b), np.dot, [(4,), (4,)]),
    Case("outer", lambda lib, a, b: lib.outer(a, b), np.outer, [(3,), (4,)]),
    Case("einsum_batched_product", lambda lib, a, b: lib.einsum("bij,bjk->bik", a, b), np.matmul, [(2, 3, 4), (2, 4, 2)]),
    Case("einsum_implicit_output", lambda lib, a, b: lib.einsum("ij,jk", a, b), np.matmul, [(3, 4), (4, 2)]),
    Case("einsum_summed_alone", lambda lib, a, b: lib.einsum("ij,k->jk", a, b), lambda a, b: np.einsum("ij,k->jk", a, b), [(3, 4), (2,)]),
    Case("einsum_three", lambda lib, a, b, c: lib.einsum("i,ij,j->", a, b, c), lambda a, b, c: np.einsum("i,ij,j->", a, b, c), [(3,), (3, 4), (4,)]),
]
