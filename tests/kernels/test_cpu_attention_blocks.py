"""The CPU attention's tiling against the reference: several key and query blocks, partial last
blocks, causal masks that hide whole blocks, masks that broadcast, rows whose only visible keys
sit in a later block, and batches split across threads.

test_cpu_parity.py draws small shapes, which fit in one block; here the blocks are either the
real ones (long sequences) or shrunk with monkeypatch so that tiny shapes span many of them.
"""

import numpy as np
import pytest

from minidl.kernels import reference as ref
from minidl.kernels.cpu import attention

pytestmark = pytest.mark.filterwarnings("error")

TOLERANCE = {np.float32: dict(rtol=2e-4, atol=2e-5), np.float64: dict(rtol=1e-9, atol=1e-11)}


def check_against_reference(rng, batch, num_queries, num_keys, width, value_width, dtype, causal,
                            mask):
    q = rng.standard_normal((batch, num_queries, width)).astype(dtype)
    k = rng.standard_normal((batch, num_keys, width)).astype(dtype)
    v = rng.standard_normal((batch, num_keys, value_width)).astype(dtype)
    go = rng.standard_normal((batch, num_queries, value_width)).astype(dtype)
    scale = 1 / np.sqrt(width)
    o, lse = attention.attention_forward(q, k, v, mask, scale, causal)
    o_want, lse_want = ref.attention_forward(q, k, v, mask, scale, causal)
    tolerance = TOLERANCE[dtype]
    assert o.dtype == lse[0].dtype == lse[1].dtype == dtype
    np.testing.assert_allclose(lse[0] + lse[1], lse_want[0] + lse_want[1], err_msg="lse",
                               **tolerance)
    np.testing.assert_allclose(o, o_want, err_msg="o", **tolerance)
    grads = attention.attention_backward(q, k, v, o_want, lse_want, go, mask, scale, causal)
    grads_want = ref.attention_backward(q, k, v, o_want, lse_want, go, mask, scale, causal)
    for name, got, want in zip(("dq", "dk", "dv"), grads, grads_want):
        assert got.dtype == dtype and got.shape == want.shape, name
        np.testing.assert_allclose(got, want, err_msg=name, **tolerance)


def random_mask(rng, shape, dtype):
    """Values in [-1, 1) with 30% of the positions masked out (-inf)."""
    mask = rng.uniform(-1, 1, shape).astype(dtype)
    mask[rng.random(shape) < 0.3] = -np.inf
    return mask


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_real_blocks_three_key_blocks_and_a_remainder(causal, masked):
    """S = 3 blocks + 17 keys and L > one block, with the block sizes the kernel really uses."""
    rng = np.random.default_rng(1)
    block = attention._block_rows(64)
    num_queries, num_keys = block + 40, 3 * block + 17
    mask = random_mask(rng, (2, num_queries, num_keys), np.float32) if masked else None
    check_against_reference(rng, 2, num_queries, num_keys, 64, 48, np.float32, causal, mask)


@pytest.fixture
def small_blocks(monkeypatch):
    """Tiles of 3 rows and blocks of 3 to 5 (for widths 2 to 4), so that shapes of a few rows
    span many of them."""
    monkeypatch.setattr(attention, "_TILE", 3)
    monkeypatch.setattr(attention, "_PRODUCT_LIMIT", 40)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("mask_shape", [None, "full", "keys only", "queries and keys"])
@pytest.mark.parametrize("num_queries,num_keys", [(1, 1), (1, 13), (13, 1), (11, 14), (14, 11)])
def test_small_blocks(small_blocks, dtype, causal, mask_shape, num_queries, num_keys):
    rng = np.random.default_rng(num_queries * 100 + num_keys)
    batch = 3
    shapes = {"full": (batch, num_queries, num_keys), "keys only": (batch, 1, num_keys),
              "queries and keys": (num_queries, num_keys)}
    mask = None if mask_shape is None else random_mask(rng, shapes[mask_shape], dtype)
    check_against_reference(rng, batch, num_queries, num_keys, 3, 2, dtype, causal, mask)


@pytest.mark.parametrize("causal", [False, True])
def test_small_blocks_rows_masked_in_early_blocks_or_everywhere(small_blocks, causal):
    """Row 5 sees keys only in the last block (its max arrives late, after blocks of nothing);
    row 6 sees no key at all (o = 0, lse = -inf, zero gradients, no NaN)."""
    rng = np.random.default_rng(7)
    num_queries, num_keys = 12, 10
    mask = random_mask(rng, (2, num_queries, num_keys), np.float64)
    mask[:, 5, :] = -np.inf
    mask[:, 5, 4] = 3.0  # visible to row 5 also when causal
    mask[:, 6, :] = -np.inf
    check_against_reference(rng, 2, num_queries, num_keys, 4, 3, np.float64, causal, mask)
    q = rng.standard_normal((2, num_queries, 4))
    o, lse = attention.attention_forward(q, q[:, :num_keys], q[:, :num_keys], mask, 0.5, causal)
    assert np.all(o[:, 6] == 0) and np.all(np.isneginf(lse[1][:, 6]))
    grads = attention.attention_backward(q, q[:, :num_keys], q[:, :num_keys], o, lse,
                                         np.ones_like(o), mask, 0.5, causal)
    assert not any(np.isnan(g).any() for g in grads)
    assert np.all(grads[0][:, 6] == 0)


def test_causal_keys_that_no_query_sees_get_zero_gradients(small_blocks):
    """Causal with S > L: keys j >= L are hidden from every query, whole tiles of them."""
    check_against_reference(np.random.default_rng(3), 2, 5, 17, 3, 4, np.float32, True, None)


def test_non_contiguous_inputs(small_blocks):
    rng = np.random.default_rng(5)
    q, k, v, go = (np.asfortranarray(rng.standard_normal((2, 9, 7))) for _ in range(4))
    mask = random_mask(rng, (2, 9, 9), np.float64).transpose(0, 2, 1)  # a transposed view
    o, lse = attention.attention_forward(q, k, v, mask, 0.3, True)
    o_want, lse_want = ref.attention_forward(q, k, v, mask, 0.3, True)
    np.testing.assert_allclose(o, o_want, **TOLERANCE[np.float64])
    grads = attention.attention_backward(q, k, v, o, lse, go, mask, 0.3, True)
    grads_want = ref.attention_backward(q, k, v, o_want, lse_want, go, mask, 0.3, True)
    for got, want in zip(grads, grads_want):
        np.testing.assert_allclose(got, want, **TOLERANCE[np.float64])


def test_batch_split_across_threads_is_deterministic():
    """More batch entries than threads, uneven chunks: same bits on every call."""
    rng = np.random.default_rng(11)
    q, k, v = (rng.standard_normal((7, 70, 16)).astype(np.float32) for _ in range(3))

    def run():
        o, lse = attention.attention_forward(q, k, v, None, 0.25, True)
        return (o, lse) + attention.attention_backward(q, k, v, o, lse, q, None, 0.25, True)

    for first, second in zip(run(), run()):
        np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("pieces_per_thread", [1, 3, 8])
@pytest.mark.parametrize("causal", [False, True])
def test_batch_pieces_taken_by_threads(monkeypatch, pieces_per_thread, causal):
    """The threads take the batch in pieces: 7 entries in pieces of 4, 2 and 1 entries (and the
    last piece shorter), with a mask that is cut along with the batch."""
    monkeypatch.setattr(attention, "_PIECES_PER_THREAD", pieces_per_thread)
    rng = np.random.default_rng(13)
    mask = random_mask(rng, (7, 9, 11), np.float64)
    check_against_reference(rng, 7, 9, 11, 5, 6, np.float64, causal, mask)
