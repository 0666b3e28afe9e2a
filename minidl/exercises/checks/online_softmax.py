"""Tests of the exercise online_softmax."""
import math

import numpy as np

from ..framework import ExerciseFailure, expect_close


def _split(row, sizes):
    edges = np.cumsum(sizes)[:-1]
    return np.split(row, edges)


def _result(mod, blocks):
    result = mod.online_logsumexp(iter(blocks))
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise ExerciseFailure("a pair (m, l)", repr(result)[:80])
    return float(result[0]), float(result[1])


def test_single_block(mod):
    row = np.array([1.0, 3.0, 2.0])
    m, l = _result(mod, [row])
    expect_close(m, 3.0, "m = the row max")
    expect_close(l, np.exp(row - 3).sum(), "l = sum(exp(x - m))")


def test_growing_max_rescales(mod):
    row = np.array([0.0, 1.0, 5.0, 2.0, 9.0, -1.0])
    m, l = _result(mod, _split(row, [2, 2, 2]))
    if math.isclose(m, 9.0) and not math.isclose(l, np.exp(row - 9).sum(), rel_tol=1e-9):
        raise ExerciseFailure(f"l = {np.exp(row - 9).sum():.6g} with the max growing from 1 to 9",
                              f"{l:.6g}", "when the max grows, the old sum still holds "
                              "terms exp(x - m_old); find the one factor that turns each into "
                              "exp(x - m_new), and apply it to the old sum before adding the "
                              "new block")
    expect_close(m + math.log(l), np.log(np.exp(row).sum()), "logsumexp = m + log(l)")


def test_many_block_sizes_and_large_values(mod):
    rng = np.random.default_rng(0)
    row = rng.standard_normal(37) * 300
    expected = np.exp(row - row.max()) / np.exp(row - row.max()).sum()
    for sizes in ([37], [1] * 37, [5, 10, 22], [30, 7]):
        got = mod.softmax_from_blocks(iter(_split(row, sizes)))
        expect_close(got, expected, f"the softmax with blocks of sizes {sizes[:5]}",
                     "never exponentiate x without subtracting the running max (values reach "
                     "+-900 here)", atol=1e-12)


def test_minus_inf_entries(mod):
    row = np.array([-np.inf, -np.inf, 0.0, 1.0, -np.inf])
    got = np.asarray(mod.softmax_from_blocks(iter(_split(row, [2, 3]))), dtype=np.float64)
    if np.isnan(got).any():
        raise ExerciseFailure("masked (-inf) scores give probability 0, never NaN",
                              f"{got.tolist()}", "while m is still -inf, the rescale factor "
                              "exp(m - m_new) is 0 (exp(-inf - (-inf)) would be NaN)")
    expect_close(got, [0, 0, 1 / (1 + math.e), math.e / (1 + math.e), 0],
                 "softmax with -inf entries")


TESTS = [test_single_block, test_growing_max_rescales, test_many_block_sizes_and_large_values,
         test_minus_inf_entries]
