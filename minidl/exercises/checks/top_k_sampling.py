"""Tests of the exercise top_k_sampling."""
import numpy as np

from ..framework import ExerciseFailure, expect_close

LOGITS = np.array([2.0, -1.0, 0.5, 3.0, 0.0, 1.0])


def test_top_k_filter(mod):
    got = np.asarray(mod.top_k_filter(LOGITS.copy(), 3), dtype=float)
    expected = np.where(LOGITS >= 1.0, LOGITS, -np.inf)
    kept = int(np.isfinite(got).sum()) if got.shape == LOGITS.shape else None
    hint = "keep the 3 largest logits (3, 2 and 1) unchanged and set the rest to -inf"
    if kept is not None and kept != 3:
        hint = (f"{kept} kept instead of 3: the threshold is the k-th largest value, "
                "np.sort(logits)[-k], and values equal to it stay")
    expect_close(got, expected, "top_k_filter(logits, 3)", hint)


def _frequencies(mod, temperature, top_k, draws=20000):
    rng = np.random.default_rng(0)
    counts = np.bincount([mod.sample(LOGITS, temperature, top_k, rng) for _ in range(draws)],
                         minlength=len(LOGITS))
    return counts / draws


def _softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def test_sample_returns_an_int(mod):
    token = mod.sample(LOGITS, 1.0, None, np.random.default_rng(0))
    if not isinstance(token, (int, np.integer)) or not 0 <= token < len(LOGITS):
        raise ExerciseFailure("an int id in [0, 6)", repr(token))


def test_sample_frequencies(mod):
    for temperature, top_k in [(1.0, None), (0.5, None), (2.0, 3)]:
        logits = LOGITS / temperature
        if top_k is not None:
            logits = np.where(LOGITS >= np.sort(LOGITS)[-top_k], logits, -np.inf)
        expected = _softmax(logits)
        got = _frequencies(mod, temperature, top_k)
        hint = "softmax of logits / temperature, then rng.choice(len(p), p=p)"
        if np.allclose(got, _softmax(LOGITS * temperature), atol=0.02):
            hint = "divide the logits by the temperature (a low temperature sharpens)"
        elif top_k is not None and np.allclose(got, _softmax(LOGITS / temperature), atol=0.02):
            hint = "top_k is ignored: filter the logits before the softmax"
        expect_close(got, expected, f"token frequencies over 20,000 draws, temperature "
                     f"{temperature}, top_k {top_k}", hint, atol=0.015, rtol=0)


TESTS = [test_top_k_filter, test_sample_returns_an_int, test_sample_frequencies]
