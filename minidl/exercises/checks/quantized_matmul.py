"""Tests of the exercise quantized_matmul."""
import numpy as np

from ..framework import ExerciseFailure


def test_small_product(mod):
    a = np.array([[3, 5]], np.uint8)
    w = np.array([[1, -2], [4, 0]], np.int8)
    acc = np.asarray(mod.integer_matmul(a, 3, w))
    if acc.tolist() != [[-4, 0]]:
        raise ExerciseFailure("[[(3-3)*1 + (5-3)*-2, (3-3)*4 + 0]] = [[-4, 0]]", str(acc.tolist()),
                              "subtract the zero point from a before multiplying")


def test_accumulates_in_int32(mod):
    a = np.full((2, 300), 255, np.uint8)
    w = np.full((3, 300), -128, np.int8)
    acc = np.asarray(mod.integer_matmul(a, 0, w))
    if acc.dtype != np.int32:
        raise ExerciseFailure("an int32 result", str(acc.dtype),
                              "widen both operands with .astype(np.int32) first")
    if (acc != 255 * -128 * 300).any():
        raise ExerciseFailure(f"every entry {255 * -128 * 300}", str(acc.ravel()[:3].tolist()),
                              "uint8 or int8 arithmetic wraps around: widen before multiplying")


def test_approximates_the_float_product(mod):
    rng = np.random.default_rng(0)
    x = rng.random((4, 16)).astype(np.float32) * 2 - 0.5
    weight = rng.standard_normal((5, 16)).astype(np.float32)
    lo, hi = min(x.min(), 0), max(x.max(), 0)
    x_scale = np.float32((hi - lo) / 255)
    zero_point = int(np.rint(-lo / x_scale))
    a = np.clip(np.rint(x / x_scale) + zero_point, 0, 255).astype(np.uint8)
    w_scale = (np.abs(weight).max(axis=1) / 127).astype(np.float32)
    w = np.rint(weight / w_scale[:, None]).astype(np.int8)
    got = np.asarray(mod.dequantized_matmul(a, zero_point, x_scale, w, w_scale))
    if got.shape != (4, 5):
        raise ExerciseFailure("shape (4, 5)", str(got.shape))
    error = np.abs(got - x @ weight.T).max()
    if error > 0.1:
        raise ExerciseFailure("within 0.1 of x @ W.T", f"off by {error:.3g}",
                              "multiply by x_scale * w_scale (one per output column)")


TESTS = [test_small_product, test_accumulates_in_int32, test_approximates_the_float_product]
