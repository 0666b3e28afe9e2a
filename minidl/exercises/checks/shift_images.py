"""Tests of the exercise shift_images."""
import numpy as np

from ..framework import ExerciseFailure, expect_close


def _reference(images, dy, dx):
    n, size = images.shape
    side = int(round(size**0.5))
    square = images.reshape(n, side, side)
    out = np.zeros_like(square)
    for y in range(side):
        for x in range(side):
            sy, sx = y - dy, x - dx
            if 0 <= sy < side and 0 <= sx < side:
                out[:, y, x] = square[:, sy, sx]
    return out.reshape(n, size)


def test_right_by_one(mod):
    image = np.arange(1.0, 17.0).reshape(1, 16)  # a 4 x 4 image
    got = mod.shift_images(image, 0, 1)
    expect_close(got, _reference(image, 0, 1), "the 4x4 image moved one column right",
                 "out[:, :, 1:] = square[:, :, :-1], and the first column stays 0")


def test_no_wrap_around(mod):
    image = np.arange(1.0, 17.0).reshape(1, 16)
    got = np.asarray(mod.shift_images(image, 1, 0)).reshape(4, 4)
    if np.allclose(got[0], [13, 14, 15, 16]):
        raise ExerciseFailure("the top row filled with zeros", f"{got[0].tolist()}",
                              "np.roll wraps the last row round to the top: zero it, or use "
                              "slices")
    expect_close(got.reshape(1, 16), _reference(image, 1, 0), "the image moved one row down")


def test_every_direction_on_digits_sized_batch(mod):
    rng = np.random.default_rng(0)
    images = rng.random((5, 64)).astype(np.float32)
    for dy in (-2, -1, 0, 1, 2):
        for dx in (-2, 0, 1):
            got = mod.shift_images(images, dy, dx)
            expect_close(got, _reference(images, dy, dx), f"a batch of 8x8 images shifted by "
                         f"dy={dy}, dx={dx}", "negative shifts move up / left")
    if np.asarray(mod.shift_images(images, 1, 1)).dtype != np.float32:
        raise ExerciseFailure("float32 stays float32", "another dtype", "use np.zeros_like")


def test_input_unchanged(mod):
    images = np.random.default_rng(1).random((2, 64))
    before = images.copy()
    mod.shift_images(images, 1, -1)
    if not np.array_equal(images, before):
        raise ExerciseFailure("the input batch unchanged", "it was modified",
                              "write into a new array (np.zeros_like)")


TESTS = [test_right_by_one, test_no_wrap_around, test_every_direction_on_digits_sized_batch,
         test_input_unchanged]
