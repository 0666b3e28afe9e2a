"""Tests of the exercise masked_softmax."""
import numpy as np

from ..framework import ExerciseFailure, expect_close


def _reference(scores, mask):
    out = np.zeros_like(scores)
    mask = np.broadcast_to(mask, scores.shape)
    for index in np.ndindex(*scores.shape[:-1]):
        allowed = mask[index]
        if allowed.any():
            s = scores[index][allowed]
            e = np.exp(s - s.max())
            out[index][allowed] = e / e.sum()
    return out


def test_no_mask_is_plain_softmax(mod):
    scores = np.random.default_rng(0).standard_normal((3, 5))
    expect_close(mod.masked_softmax(scores, np.ones((3, 5), dtype=bool)),
                 _reference(scores, np.ones((3, 5), dtype=bool)),
                 "an ordinary softmax when everything is allowed")


def test_masked_positions_get_zero(mod):
    scores = np.random.default_rng(1).standard_normal((2, 4, 6))
    mask = np.random.default_rng(2).random((2, 4, 6)) > 0.4
    mask[..., 0] = True
    got = mod.masked_softmax(scores, mask)
    expect_close(got, _reference(scores, mask), "probabilities over the allowed positions only",
                 "set masked scores to -inf before the softmax (True = take part)")


def test_causal_mask_broadcasts(mod):
    scores = np.random.default_rng(3).standard_normal((2, 5, 5))
    causal = np.tril(np.ones((5, 5), dtype=bool))
    expect_close(mod.masked_softmax(scores, causal), _reference(scores, causal),
                 "a (5, 5) causal mask broadcast over a batch of 2",
                 "np.where(mask, scores, -np.inf) broadcasts the mask for you")


def test_fully_masked_row_is_zero_not_nan(mod):
    scores = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    mask = np.array([[True, False, True], [False, False, False]])
    got = np.asarray(mod.masked_softmax(scores, mask), dtype=np.float64)
    if np.isnan(got).any():
        raise ExerciseFailure("a row with every position masked out is all zeros", f"{got.tolist()}",
                              "its max is -inf and -inf - (-inf) = NaN: shift such rows by 0, "
                              "and divide only where the sum is > 0")
    expect_close(got, _reference(scores, mask), "zeros for the fully masked row")


def test_large_scores_are_stable(mod):
    scores = np.array([[1000.0, 999.0, -1000.0]])
    mask = np.array([[True, True, True]])
    expect_close(mod.masked_softmax(scores, mask), _reference(scores, mask),
                 "finite probabilities for scores of 1000",
                 "subtract the row's largest allowed score before exp")


TESTS = [test_no_mask_is_plain_softmax, test_masked_positions_get_zero,
         test_causal_mask_broadcasts, test_fully_masked_row_is_zero_not_nan,
         test_large_scores_are_stable]
