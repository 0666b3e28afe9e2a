"""Tests of the exercise kv_cache: step-by-step equals full causal attention."""
import numpy as np

from minidl.kernels import reference

from ..framework import ExerciseFailure, expect_close


def test_one_position(mod):
    cache = mod.KVCache()
    cache.append(np.array([1.0, 0.0]), np.array([3.0, -1.0]))
    if len(cache) != 1:
        raise ExerciseFailure("len(cache) == 1 after one append", f"{len(cache)}")
    expect_close(cache.attend(np.array([0.5, 2.0])), [3.0, -1.0],
                 "the only value, when one position is cached",
                 "a single key gets all the weight: softmax of one score is 1")


def test_step_by_step_equals_full_causal_attention(mod):
    rng = np.random.default_rng(0)
    q, k, v = rng.standard_normal((7, 4)), rng.standard_normal((7, 4)), rng.standard_normal((7, 3))
    expected, _ = reference.attention_forward(q[None], k[None], v[None], None, 0.5, True)
    cache = mod.KVCache()
    rows = []
    for t in range(7):
        cache.append(k[t], v[t])
        rows.append(np.asarray(cache.attend(q[t]), dtype=float))
    got = np.stack(rows)
    hint = "attend over every cached key (the newest included): softmax(K q / sqrt(E)) V"
    without_self = []
    for t in range(1, 7):
        s = k[:t] @ q[t] / 2
        w = np.exp(s - s.max())
        without_self.append((w / w.sum()) @ v[:t])
    if np.allclose(got[1:], np.stack(without_self)):
        hint = "the newest position must attend to itself too: append before attend"
    expect_close(got, expected[0], "the 7 outputs, one position at a time", hint)


TESTS = [test_one_position, test_step_by_step_equals_full_causal_attention]
