"""Tests of the exercise causal_mask."""
import numpy as np

from minidl.kernels import reference

from ..framework import ExerciseFailure, expect_close


def test_mask(mod):
    got = np.asarray(mod.causal_mask(4))
    expected = np.tril(np.ones((4, 4), dtype=bool))
    hint = "query i may see keys j <= i: itself and the past"
    if got.shape == (4, 4) and np.array_equal(got, expected.T):
        hint = "transposed: row i is the query, column j the key; j <= i is allowed, not j >= i"
    elif got.shape == (4, 4) and np.array_equal(got, np.tril(np.ones((4, 4), bool), -1)):
        hint = "the diagonal is missing: a position may attend to itself (j = i)"
    if got.dtype != bool or not np.array_equal(got, expected):
        raise ExerciseFailure(f"the 4 x 4 causal mask {expected.astype(int).tolist()}",
                              f"{got.astype(int).tolist() if got.ndim == 2 else got}", hint)


def test_attention_matches_reference(mod):
    rng = np.random.default_rng(0)
    q, k, v = rng.standard_normal((5, 3)), rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    expected, _ = reference.attention_forward(q[None], k[None], v[None], None, 1 / np.sqrt(3), True)
    expect_close(mod.causal_attention(q, k, v), expected[0], "causal attention (T = 5, E = 3)",
                 "scores q k^T / sqrt(E), -inf where the mask is False, softmax over each row "
                 "(over the keys), then times v")


def test_past_never_sees_the_future(mod):
    rng = np.random.default_rng(1)
    q, k, v = rng.standard_normal((6, 4)), rng.standard_normal((6, 4)), rng.standard_normal((6, 4))
    before = np.asarray(mod.causal_attention(q, k, v))
    k[-1] += 10.0
    v[-1] -= 10.0
    after = np.asarray(mod.causal_attention(q, k, v))
    if not np.allclose(before[:-1], after[:-1]):
        raise ExerciseFailure("outputs 0..4 unchanged when the last key and value change",
                              "they changed", "the earlier positions can see the last one: "
                              "apply the mask to the scores before the softmax")


TESTS = [test_mask, test_attention_matches_reference, test_past_never_sees_the_future]
