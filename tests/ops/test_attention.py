"""scaled_dot_product_attention: gradients on both kernel sets, every mask kind, against a naive
composition of minidl ops and (when installed) against PyTorch."""
import math

import numpy as np
import pytest

import minidl as dl
from minidl.ops.attention import attention_weights, scaled_dot_product_attention

RNG_SEED = 0


def make_qkv(q_shape, k_shape, v_shape, seed=RNG_SEED):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for shape in (q_shape, k_shape, v_shape)]


def leaves(arrays):
    return [dl.tensor(a, dtype=dl.float64, requires_grad=True) for a in arrays]


def bool_mask(shape, seed=1, keep=0.6):
    """A random bool mask (True = takes part) with at least one key per query row."""
    mask = np.random.default_rng(seed).random(shape) < keep
    mask[..., 0] = True
    return mask


def naive_attention(q, k, v, additive_mask=None, scale=None):
    """softmax(Q K^T * scale + mask) V from plain minidl ops, the textbook formula."""
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = dl.matmul(q, k.transpose(-2, -1)) * scale
    if additive_mask is not None:
        scores = scores + dl.tensor(additive_mask)
    return dl.matmul(dl.softmax(scores, -1), v)


# (name, shapes of q, k, v, keyword arguments, mask as an additive array for the naive version)
_causal_4x4 = np.where(np.tri(4, 4, dtype=bool), 0.0, -np.inf)
_causal_3x5 = np.where(np.tri(3, 5, dtype=bool), 0.0, -np.inf)
_causal_5x3 = np.where(np.tri(5, 3, dtype=bool), 0.0, -np.inf)
_bool = bool_mask((2, 4, 5))
_float = np.random.default_rng(2).standard_normal((2, 4, 5))
CASES = [
    ("no_mask", ((2, 4, 3), (2, 5, 3), (2, 5, 2)), {}, None),
    ("bool_mask", ((2, 4, 3), (2, 5, 3), (2, 5, 2)), {"attn_mask": _bool},
     np.where(_bool, 0.0, -np.inf)),
    ("float_mask", ((2, 4, 3), (2, 5, 3), (2, 5, 2)), {"attn_mask": _float}, _float),
    ("causal_square", ((2, 4, 3), (2, 4, 3), (2, 4, 2)), {"is_causal": True}, _causal_4x4),
    ("causal_fewer_queries", ((2, 3, 3), (2, 5, 3), (2, 5, 2)), {"is_causal": True},
     _causal_3x5),
    ("causal_more_queries", ((2, 5, 3), (2, 3, 3), (2, 3, 2)), {"is_causal": True},
     _causal_5x3),
    ("custom_scale", ((2, 4, 3), (2, 5, 3), (2, 5, 2)), {"scale": 0.37}, None),
    ("broadcast_leading", ((2, 3, 4, 3), (1, 3, 5, 3), (2, 1, 5, 2)),
     {"attn_mask": bool_mask((3, 1, 5))}, np.where(bool_mask((3, 1, 5)), 0.0, -np.inf)),
    ("unbatched", ((4, 3), (5, 3), (5, 2)), {}, None),
]
IDS = [case[0] for case in CASES]


def call(fn, tensors, kwargs, lib=dl):
    kwargs = {k: (lib.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kwargs.items()}
    return fn(*tensors, **kwargs)


@pytest.mark.parametrize("name, shapes, kwargs, additive", CASES, ids=IDS)
def test_gradcheck(name, shapes, kwargs, additive, kernels):
    inputs = leaves(make_qkv(*shapes))
    assert dl.gradcheck(lambda *qkv: call(scaled_dot_product_attention, qkv, kwargs), inputs)


@pytest.mark.parametrize("name, shapes, kwargs, additive", CASES, ids=IDS)
def test_matches_naive_composition(name, shapes, kwargs, additive, kernels):
    fused_inputs, naive_inputs = leaves(make_qkv(*shapes)), leaves(make_qkv(*shapes))
    fused = call(scaled_dot_product_attention, fused_inputs, kwargs)
    naive = naive_attention(*naive_inputs, additive, kwargs.get("scale"))
    np.testing.assert_allclose(fused.numpy(), naive.numpy(), rtol=1e-10, atol=1e-12)
    upstream = dl.tensor(np.random.default_rng(3).standard_normal(fused.shape))
    fused.backward(upstream)
    naive.backward(upstream)
    for ours, expected in zip(fused_inputs, naive_inputs):
        np.testing.assert_allclose(ours.grad.numpy(), expected.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name, shapes, kwargs, additive", CASES, ids=IDS)
def test_attention_weights_match_fused_path(name, shapes, kwargs, additive):
    """The composed path (used with dropout and by MultiheadAttention) agrees with the fused one."""
    q, k, v = leaves(make_qkv(*shapes))
    weights = call(lambda q, k, **kw: attention_weights(q, k, **kw), (q, k), kwargs)
    fused = call(scaled_dot_product_attention, (q, k, v), kwargs)
    np.testing.assert_allclose(dl.matmul(weights, v).numpy(), fused.numpy(), rtol=1e-10)


def fully_masked_case():
    """Query row 1 of batch 0 may attend to no key at all."""
    mask = bool_mask((2, 3, 4))
    mask[0, 1, :] = False
    return leaves(make_qkv((2, 3, 3), (2, 4, 3), (2, 4, 2))), mask


def test_fully_masked_row_gives_zeros_and_zero_gradients(kernels):
    (q, k, v), mask = fully_masked_case()
    out = scaled_dot_product_attention(q, k, v, attn_mask=dl.tensor(mask))
    assert np.isfinite(out.numpy()).all()
    np.testing.assert_array_equal(out.numpy()[0, 1], 0)
    out.backward(dl.ones_like(out))
    np.testing.assert_array_equal(q.grad.numpy()[0, 1], 0)
    for x in (q, k, v):
        assert np.isfinite(x.grad.numpy()).all()


def test_fully_masked_row_gradcheck(kernels):
    inputs, mask = fully_masked_case()
    fn = lambda *qkv: scaled_dot_product_attention(*qkv, attn_mask=dl.tensor(mask))  # noqa: E731
    assert dl.gradcheck(fn, inputs)


def test_fully_masked_row_in_composed_path():
    (q, k, _), mask = fully_masked_case()
    weights = attention_weights(q, k, attn_mask=dl.tensor(mask))
    np.testing.assert_array_equal(weights.numpy()[0, 1], 0)
    weights.backward(dl.ones_like(weights))
    np.testing.assert_array_equal(q.grad.numpy()[0, 1], 0)
    assert np.isfinite(k.grad.numpy()).all()


def test_float32_stays_float32(kernels):
    q, k, v = [dl.tensor(a, dtype=dl.float32) for a in make_qkv((2, 4, 3), (2, 5, 3), (2, 5, 2))]
    out = scaled_dot_product_attention(q, k, v, attn_mask=dl.tensor(_bool))
    assert out.dtype == dl.float32 and out.shape == (2, 4, 2)


def test_mask_gets_no_gradient():
    q, k, v = leaves(make_qkv((2, 4, 3), (2, 5, 3), (2, 5, 2)))
    mask = dl.tensor(_float, requires_grad=True)
    scaled_dot_product_attention(q, k, v, attn_mask=mask).sum().backward()
    assert mask.grad is None


@pytest.mark.parametrize(
    "q_shape, k_shape, v_shape, kwargs, message",
    [
        ((2, 4, 3), (2, 5, 4), (2, 5, 2), {}, "same feature size"),
        ((2, 4, 3), (2, 5, 3), (2, 6, 2), {}, "same length"),
        ((2, 4, 3), (3, 5, 3), (3, 5, 2), {}, "do not broadcast"),
        ((2, 4, 3), (2, 5, 3), (2, 5, 2), {"attn_mask": _bool, "is_causal": True}, "not both"),
    ],
)
def test_errors_name_the_op(q_shape, k_shape, v_shape, kwargs, message):
    q, k, v = leaves(make_qkv(q_shape, k_shape, v_shape))
    with pytest.raises(ValueError, match=f"scaled_dot_product_attention.*{message}"):
        call(scaled_dot_product_attention, (q, k, v), kwargs)


def test_dropout_drops_weights_and_keeps_the_expectation():
    q, k, v = [dl.tensor(a) for a in make_qkv((1, 200, 3), (1, 4, 3), (1, 4, 2))]
    dl.manual_seed(0)
    dropped = scaled_dot_product_attention(q, k, v, dropout_p=0.5).numpy()
    exact = scaled_dot_product_attention(q, k, v).numpy()
    assert not np.allclose(dropped, exact)
    np.testing.assert_allclose(dropped.mean(), exact.mean(), atol=0.2)


@pytest.mark.parametrize("name, shapes, kwargs, additive", CASES, ids=IDS)
def test_matches_pytorch(name, shapes, kwargs, additive):
    torch = pytest.importorskip("torch")
    arrays = make_qkv(*shapes)
    ours = leaves(arrays)
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = call(scaled_dot_product_attention, ours, kwargs)
    expected = call(torch.nn.functional.scaled_dot_product_attention, theirs, kwargs, torch)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    upstream = np.random.default_rng(4).standard_normal(out.shape)
    out.backward(dl.tensor(upstream))
    expected.backward(torch.tensor(upstream))
    for x, y in zip(ours, theirs):
        np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), rtol=1e-9, atol=1e-12)
