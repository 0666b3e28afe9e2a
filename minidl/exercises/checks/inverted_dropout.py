"""Tests of the exercise inverted_dropout."""
import numpy as np

import minidl as dl
from minidl.autograd import ArrayFunction

from ..framework import ExerciseFailure, expect_close


def test_mask_probability(mod):
    keep = np.asarray(mod.make_keep_mask((200, 500), 0.3, np.random.default_rng(0)))
    if keep.shape != (200, 500) or keep.dtype != bool:
        raise ExerciseFailure("a bool array of shape (200, 500)",
                              f"dtype {keep.dtype}, shape {keep.shape}")
    fraction = keep.mean()
    hint = "keep where rng.random(shape) >= p, so that P(keep) = 1 - p"
    if abs(fraction - 0.3) < 0.01:
        hint = "you keep with probability p; p is the probability of *dropping*"
    if abs(fraction - 0.7) > 0.01:
        raise ExerciseFailure("about 70% kept for p = 0.3", f"{fraction:.1%} kept", hint)


def test_forward_scales_survivors(mod):
    x = np.arange(1.0, 7.0).reshape(2, 3)
    keep = np.array([[True, False, True], [False, True, True]])
    expect_close(mod.dropout_forward(x, keep, 0.5), x * keep * 2, "x * keep / (1 - p), p = 0.5",
                 "scale the kept activations by 1 / (1 - p) so the expectation is unchanged")


def test_expectation_is_preserved(mod):
    rng = np.random.default_rng(1)
    x = np.full((400, 400), 2.0)
    keep = mod.make_keep_mask(x.shape, 0.25, rng)
    mean = float(np.mean(mod.dropout_forward(x, keep, 0.25)))
    if abs(mean - 2.0) > 0.03:
        raise ExerciseFailure("the mean activation stays 2.0 with p = 0.25", f"{mean:.4f}",
                              "inverted dropout divides the survivors by 1 - p")


def test_eval_mode_and_p_one(mod):
    x = np.ones((3, 3))
    keep = np.zeros((3, 3), dtype=bool)
    expect_close(mod.dropout_forward(x, keep, 0.5, training=False), x,
                 "the identity when training=False", "dropout is switched off at test time")
    y = np.asarray(mod.dropout_forward(x, keep, 1.0), dtype=np.float64)
    if not np.all(y == 0) or np.any(np.isnan(y)):
        raise ExerciseFailure("all zeros for p = 1", f"{y.tolist()}",
                              "1 / (1 - 1) is a division by zero: return zeros when p == 1")


def test_backward_with_gradcheck(mod):
    keep = np.random.default_rng(2).random((4, 5)) >= 0.4

    class Dropout(ArrayFunction):
        @staticmethod
        def forward(ctx, x):
            return mod.dropout_forward(x, keep, 0.4)

        @staticmethod
        def backward(ctx, grad):
            return mod.dropout_backward(grad, keep, 0.4)

    x = dl.tensor(np.random.default_rng(3).standard_normal((4, 5)), requires_grad=True)
    try:
        dl.gradcheck(Dropout.apply, (x,))
    except dl.GradcheckError as error:
        raise ExerciseFailure("dropout_backward agrees with central differences", str(error),
                              "the backward uses the same mask and the same 1 / (1 - p)") from None


TESTS = [test_mask_probability, test_forward_scales_survivors, test_expectation_is_preserved,
         test_eval_mode_and_p_one, test_backward_with_gradcheck]
