"""Tests of track step 11: batches that cover every example once, shuffled per epoch."""
import numpy as np

from ..framework import ExerciseFailure, expect_close


def _epoch(loader):
    xs, ys = [], []
    for xb, yb in loader:
        xs.append(np.asarray(getattr(xb, "data", xb)))
        ys.append(np.asarray(yb))
    return xs, ys


def test_batches_in_order(mod):
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    loader = mod.DataLoader(X, y, batch_size=4)
    xs, ys = _epoch(loader)
    expect_close([len(b) for b in ys], [4, 4, 2], "batch sizes for 10 examples, batch_size 4",
                 "the last batch holds what is left over")
    expect_close(len(loader), 3, "len(loader): the number of batches", "round up, not down")
    expect_close(np.concatenate(xs), X, "the inputs in order when shuffle=False")
    if not hasattr(next(iter(loader))[0], "_backward"):
        raise ExerciseFailure("each X batch as your Tensor", type(next(iter(loader))[0]).__name__,
                              "wrap the batch: Tensor(X[indices])")


def test_shuffle_covers_everything_and_differs_per_epoch(mod):
    X, y = np.arange(40.0).reshape(20, 2), np.arange(20)
    loader = mod.DataLoader(X, y, batch_size=6, shuffle=True, seed=0)
    first_x, first_y = _epoch(loader)
    second_x, second_y = _epoch(loader)
    order = np.concatenate(first_y)
    if sorted(order.tolist()) != list(range(20)):
        raise ExerciseFailure("every example exactly once per epoch", f"{order.tolist()}",
                              "shuffle the indices once per epoch (a permutation), then slice")
    if np.array_equal(order, np.arange(20)):
        raise ExerciseFailure("a shuffled order", "the original order")
    if np.array_equal(order, np.concatenate(second_y)):
        raise ExerciseFailure("a new order in the second epoch", "the same order twice",
                              "keep one random generator for the loader's lifetime: a fresh "
                              "default_rng(seed) per epoch replays the same permutation")
    if not np.array_equal(np.concatenate(first_x)[:, 0] / 2, order):
        raise ExerciseFailure("inputs and labels shuffled together", "pairs broken up",
                              "index X and y with the same indices")
    again, _ = _epoch(mod.DataLoader(X, y, batch_size=6, shuffle=True, seed=0))
    expect_close(np.concatenate(again), np.concatenate(first_x), "the same order for the same seed")


TESTS = [test_batches_in_order, test_shuffle_covers_everything_and_differs_per_epoch]
