"""Tests of the exercise im2col."""
import numpy as np

from minidl.kernels import reference

from ..framework import ExerciseFailure, expect_close


def _expected(x, kh, kw, stride, padding):
    return reference.im2col(x, (kh, kw), (stride, stride), ((padding, padding),) * 2, (1, 1))


def test_one_channel_no_padding(mod):
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    got = mod.im2col(x, 2, 2)
    expected = _expected(x, 2, 2, 1, 0)
    if np.shape(got) != expected.shape:
        raise ExerciseFailure(f"shape {expected.shape} = (C*kh*kw, N*OH*OW)", np.shape(got),
                              "one row per kernel position (i, j), one column per output pixel")
    expect_close(got, expected, "cols of a 4x4 image, 2x2 kernel",
                 "column (oh, ow) is the patch x[oh:oh+2, ow:ow+2] flattened row by row")


def test_channels_stride_padding(mod):
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 6))
    expect_close(mod.im2col(x, 3, 2, stride=2, padding=1), _expected(x, 3, 2, 2, 1),
                 "2 samples, 3 channels, 3x2 kernel, stride 2, padding 1",
                 "rows ordered (channel, i, j); columns ordered (sample, oh, ow); pad with zeros")


def test_gives_the_convolution(mod):
    rng = np.random.default_rng(1)
    x, weight = rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((4, 2, 3, 3))
    cols = np.asarray(mod.im2col(x, 3, 3, stride=1, padding=1))
    y = (weight.reshape(4, -1) @ cols).reshape(4, 2, 5, 5).transpose(1, 0, 2, 3)
    direct = np.zeros((2, 4, 5, 5))
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    for i in range(5):
        for j in range(5):
            direct[:, :, i, j] = np.einsum("ncij,fcij->nf", padded[:, :, i : i + 3, j : j + 3],
                                           weight)
    expect_close(y, direct, "W @ cols, reshaped, equals the convolution computed directly")


TESTS = [test_one_channel_no_padding, test_channels_stride_padding, test_gives_the_convolution]
