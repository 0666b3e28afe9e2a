"""Tests of the exercise symmetric_int8."""
import numpy as np

from ..framework import ExerciseFailure


def _weight():
    rng = np.random.default_rng(0)
    return (rng.standard_normal((6, 10)) * np.array([0.01, 0.1, 1, 10, 3, 0.5])[:, None]
            ).astype(np.float32)


def test_int8_and_one_scale_per_row(mod):
    q, scale = mod.quantize_symmetric(_weight())
    if np.asarray(q).dtype != np.int8:
        raise ExerciseFailure("Q of dtype int8", str(np.asarray(q).dtype), "use .astype(np.int8)")
    if np.shape(scale) != (6,):
        raise ExerciseFailure("one scale per row: shape (6,)", str(np.shape(scale)),
                              "reduce |W| over axis 1 (the columns)")


def test_largest_magnitude_maps_to_127(mod):
    q, _ = mod.quantize_symmetric(_weight())
    largest = np.abs(q.astype(int)).max(axis=1)
    if not (largest == 127).all():
        raise ExerciseFailure("each row's largest |Q| is 127", str(largest.tolist()),
                              "scale = max|row| / 127, then Q = round(W / scale)")


def test_error_at_most_half_a_step(mod):
    weight = _weight()
    q, scale = mod.quantize_symmetric(weight)
    error = np.abs(mod.dequantize(q, scale) - weight)
    bound = np.asarray(scale)[:, None] / 2 + 1e-6
    if not (error <= bound).all():
        raise ExerciseFailure("|dequantize(Q) - W| <= scale / 2 everywhere",
                              f"worst error {float((error - bound).max()):.3g} over the bound",
                              "round to nearest (np.rint), do not truncate")


def test_zero_row_and_no_overflow(mod):
    weight = np.array([[0, 0, 0], [1, -1, 0.5]], np.float32)
    q, scale = mod.quantize_symmetric(weight)
    if not np.isfinite(scale).all() or (q[0] != 0).any():
        raise ExerciseFailure("a row of zeros gives Q = 0 and a finite scale",
                              f"Q {q[0].tolist()}, scale {scale[0]}",
                              "avoid dividing by zero: use scale 1 where the row is all zeros")
    if q[1].tolist() != [127, -127, 64]:
        raise ExerciseFailure("[1, -1, 0.5] -> [127, -127, 64]", str(q[1].tolist()))


TESTS = [test_int8_and_one_scale_per_row, test_largest_magnitude_maps_to_127,
         test_error_at_most_half_a_step, test_zero_row_and_no_overflow]
