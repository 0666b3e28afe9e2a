"""Tests of the exercise pruning_mask."""
import numpy as np

from ..framework import ExerciseFailure

WEIGHT = np.array([[0.5, -0.1, 2.0], [-3.0, 0.05, -0.7]], np.float32)


def test_zeroes_the_smallest(mod):
    mask = np.asarray(mod.magnitude_mask(WEIGHT, 2))
    expected = [[1, 0, 1], [1, 0, 1]]
    if mask.shape != WEIGHT.shape or mask.tolist() != expected:
        raise ExerciseFailure(f"mask {expected} (|-0.1| and |0.05| are the smallest)",
                              str(mask.tolist()), "compare magnitudes: np.abs(weight)")


def test_fraction(mod):
    mask = np.asarray(mod.magnitude_mask(WEIGHT, 0.5))
    if mask.sum() != 3:
        raise ExerciseFailure("half of 6 entries pruned: 3 ones left", str(mask.tolist()),
                              "a float amount is a fraction of the entries: round(amount * n)")


def test_prunes_again_among_the_alive(mod):
    first = np.asarray(mod.magnitude_mask(WEIGHT, 2))
    second = np.asarray(mod.magnitude_mask(WEIGHT, 1, first))
    expected = [[0, 0, 1], [1, 0, 1]]
    if second.tolist() != expected:
        raise ExerciseFailure(f"{expected}: |0.5| goes next, the pruned stay pruned",
                              str(second.tolist()),
                              "rank only the entries where the old mask is 1 (give the others "
                              "an infinite score)")
    if not np.array_equal(np.asarray(first), [[1, 0, 1], [1, 0, 1]]):
        raise ExerciseFailure("the old mask unchanged", str(np.asarray(first).tolist()),
                              "work on a copy of the mask")


TESTS = [test_zeroes_the_smallest, test_fraction, test_prunes_again_among_the_alive]
