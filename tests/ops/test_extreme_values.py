"""NaN, inf and huge magnitudes through attention and cross-entropy, on both kernel sets: a NaN
must never vanish (it would hide a diverging run), and rows of huge magnitude must keep their
log-sum-exp exact (their softmax is no less a softmax)."""
import math

import numpy as np
import pytest

import minidl as dl
import minidl.nn as nn
import minidl.nn.functional as F

NAN, INF = float("nan"), float("inf")


def leaf(array):
    return dl.tensor(np.asarray(array, dtype=np.float32), requires_grad=True)


def attention_inputs(seed=0, batch=2, num_queries=4, num_keys=5, width=8):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(np.float32) for shape in
            [(batch, num_queries, width), (batch, num_keys, width), (batch, num_keys, width)]]


def attention_with_grads(q, k, v, **kwargs):
    q, k, v = leaf(q), leaf(k), leaf(v)
    o = F.scaled_dot_product_attention(q, k, v, **kwargs)
    o.backward(dl.ones(*o.shape))
    return o.numpy(), q.grad.numpy(), k.grad.numpy(), v.grad.numpy()


def test_a_nan_in_one_query_row_makes_that_row_nan(kernels):
    q, k, v = attention_inputs()
    clean = attention_with_grads(q, k, v)
    q[0, 1, 0] = NAN
    o, gq, gk, gv = attention_with_grads(q, k, v)
    assert np.isnan(o[0, 1]).all() and np.isnan(gq[0, 1]).all()
    assert np.isnan(gk[0]).all() and np.isnan(gv[0]).all()  # every key served the NaN row
    others = [0, 2, 3]
    np.testing.assert_allclose(o[0, others], clean[0][0, others], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(o[1], clean[0][1], rtol=1e-5, atol=1e-6)  # batch 1 untouched
    np.testing.assert_allclose(gq[1], clean[1][1], rtol=1e-5, atol=1e-6)


def test_an_inf_in_a_key_gives_nan_where_its_score_is_plus_inf(kernels):
    q, k, v = attention_inputs()
    q[0, :, 0] = [1.0, -1.0, 2.0, -0.5]
    k[0, 2, 0] = INF
    o = F.scaled_dot_product_attention(leaf(q), leaf(k), leaf(v)).numpy()
    keep = np.ones((2, 4, 5), dtype=bool)
    keep[0, :, 2] = False  # where the score is -inf, key 2 is simply masked out
    k_finite = k.copy()
    k_finite[0, 2, 0] = 0
    without_key = F.scaled_dot_product_attention(leaf(q), leaf(k_finite), leaf(v),
                                                 attn_mask=dl.tensor(keep)).numpy()
    assert np.isnan(o[0, [0, 2]]).all()  # score +inf: inf - inf in the softmax
    np.testing.assert_allclose(o[0, [1, 3]], without_key[0, [1, 3]], rtol=1e-5, atol=1e-6)
    assert np.isfinite(o[1]).all()


def test_one_nan_token_makes_multihead_attention_nan(kernels):
    dl.manual_seed(0)
    mha = nn.MultiheadAttention(8, 2)
    x = np.random.default_rng(0).standard_normal((1, 3, 8)).astype(np.float32)
    x[0, 1, 2] = NAN
    output, _ = mha(dl.tensor(x), dl.tensor(x), dl.tensor(x))
    assert np.isnan(output.numpy()).all()


@pytest.mark.parametrize("mask_value", [-1e9, float(np.finfo(np.float32).min)])
def test_rows_masked_with_a_huge_negative_value_are_uniform(kernels, mask_value):
    """A row whose every key carries the same huge negative mask: softmax is uniform, 1/S."""
    q, k, v = attention_inputs()
    mask = np.zeros((4, 5), dtype=np.float32)
    mask[1] = mask_value
    o, gq, gk, gv = attention_with_grads(q, k, v, attn_mask=dl.tensor(mask))
    np.testing.assert_allclose(o[:, 1], v.mean(axis=1), rtol=1e-5, atol=1e-6)
    # dV = P^T dO with dO = 1: each key gets 1/S from row 1, plus its share of the other rows
    unmasked = attention_with_grads(q, k, v, attn_mask=dl.tensor(np.where(mask == 0, 0, -np.inf)
                                                                 .astype(np.float32)))
    np.testing.assert_allclose(gv, unmasked[3] + 1 / 5, rtol=1e-5, atol=1e-5)
    assert np.isfinite(gq).all() and np.isfinite(gk).all()


def test_cross_entropy_of_a_nan_logit_is_nan(kernels):
    logits = leaf([[NAN, 1, 2]])
    loss = F.cross_entropy(logits, dl.tensor([1]))
    loss.backward()
    assert math.isnan(loss.item()) and np.isnan(logits.grad.numpy()).all()


@pytest.mark.parametrize("magnitude", [-1e9, 1e9, -1e30, float(np.finfo(np.float32).min)])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_cross_entropy_of_rows_of_huge_magnitude_is_exact(kernels, magnitude, label_smoothing):
    logits = leaf([[magnitude] * 3])
    loss = F.cross_entropy(logits, dl.tensor([1]), label_smoothing=label_smoothing)
    loss.backward()
    np.testing.assert_allclose(loss.item(), math.log(3), rtol=1e-6)
    target_distribution = np.array([0, 1 - label_smoothing, 0]) + label_smoothing / 3
    np.testing.assert_allclose(logits.grad.numpy(), [1 / 3 - target_distribution], rtol=1e-5)


def test_cross_entropy_matches_pytorch_on_extreme_rows(kernels):
    torch = pytest.importorskip("torch")
    rows = np.array([[NAN, 1, 2], [-1e9, -1e9, -1e9], [1e30, 0, -1e30], [-INF, 0, 1],
                     [3e38, 3e38, -3e38]], dtype=np.float32)
    target = np.array([1, 1, 0, 2, 0])
    got = F.cross_entropy(dl.tensor(rows), dl.tensor(target), reduction="none").numpy()
    want = torch.nn.functional.cross_entropy(torch.from_numpy(rows), torch.from_numpy(target),
                                             reduction="none").numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5)
