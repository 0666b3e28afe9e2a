"""Tests of the exercise cross_entropy."""
import numpy as np

import minidl as dl

from ..framework import ExerciseFailure, expect_close


def _engine(logits, target):
    """The loss and gradient from the engine's log_softmax (no later exercise needed)."""
    z = dl.tensor(logits, requires_grad=True)
    log_p = z.log_softmax(dim=1)
    loss = -log_p[dl.arange(len(target)), dl.tensor(target)].mean()
    loss.backward()
    return loss.item(), z.grad.numpy()


def _batch(seed=0, n=6, c=5, scale=3.0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, c)) * scale, rng.integers(0, c, n)


def test_forward_value(mod):
    logits, target = _batch()
    expected, _ = _engine(logits, target)
    got = mod.cross_entropy_forward(logits, target)
    hint = "loss_i = logsumexp(logits[i]) - logits[i, target[i]], averaged over the N rows"
    if got is not None and np.isclose(float(got), expected * len(target)):
        hint = "average over the batch (mean), do not sum"
    expect_close(got, expected, "the mean cross-entropy", hint)


def test_forward_is_stable(mod):
    logits = np.array([[1000.0, 0.0, -1000.0], [-500.0, 800.0, 799.0]])
    target = np.array([0, 2])
    got = mod.cross_entropy_forward(logits, target)
    expected = (0.0 + (np.log1p(np.exp(-1.0)) + 1.0)) / 2
    expect_close(got, expected, "a finite loss for logits of +-1000",
                 "exp(1000) overflows to inf: subtract each row's max before exp "
                 "(the log-sum-exp trick)")


def test_backward_matches_engine(mod):
    logits, target = _batch(1)
    _, expected = _engine(logits, target)
    got = mod.cross_entropy_backward(logits, target)
    hint = "(softmax(logits) - onehot(target)) / N"
    if got is not None and np.shape(got) == expected.shape and \
            np.allclose(np.asarray(got), expected * len(target)):
        hint = "divide by N: the loss is a mean over the batch"
    expect_close(got, expected, "d(mean loss)/d(logits)", hint)


def test_backward_is_stable_and_rows_sum_to_zero(mod):
    logits = np.array([[1000.0, 0.0, -1000.0], [3.0, 2.0, 1.0]])
    got = np.asarray(mod.cross_entropy_backward(logits, np.array([1, 0])), dtype=np.float64)
    if not np.all(np.isfinite(got)):
        raise ExerciseFailure("finite gradients for logits of +-1000", f"{got.tolist()}",
                              "compute softmax from exp(logits - row max)")
    if not np.allclose(got.sum(axis=1), 0, atol=1e-12):
        raise ExerciseFailure("each gradient row sums to 0 (probabilities sum to 1, so does the "
                              "one-hot target)", f"row sums {got.sum(axis=1)}")


def test_does_not_modify_logits(mod):
    logits, target = _batch(2)
    before = logits.copy()
    mod.cross_entropy_forward(logits, target)
    mod.cross_entropy_backward(logits, target)
    if not np.array_equal(before, logits):
        raise ExerciseFailure("logits unchanged", "they were modified in place",
                              "subtract the one-hot from a new array, not from logits")


TESTS = [test_forward_value, test_forward_is_stable, test_backward_matches_engine,
         test_backward_is_stable_and_rows_sum_to_zero, test_does_not_modify_logits]
