"""Tests of the exercise precision_recall_f1."""
import numpy as np

import minidl as dl

from ..framework import ExerciseFailure, expect_close

CM = np.array([[5, 1, 0],
               [2, 3, 1],
               [0, 0, 4]])


def _result(mod, cm):
    result = mod.precision_recall_f1(cm)
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        raise ExerciseFailure("a tuple (precision, recall, f1)", repr(result)[:80])
    return result


def test_precision(mod):
    precision, _, _ = _result(mod, CM)
    expected = np.array([5 / 7, 3 / 4, 4 / 5])
    hint = "precision divides TP by the column sum (everything predicted as k)"
    if precision is not None and np.allclose(precision, [5 / 6, 3 / 6, 4 / 4]):
        hint = "you divided by the row sum: that is recall. Precision uses the column (predicted)"
    expect_close(precision, expected, "precision per class", hint)


def test_recall(mod):
    _, recall, _ = _result(mod, CM)
    expect_close(recall, [5 / 6, 3 / 6, 4 / 4], "recall per class",
                 "recall divides TP by the row sum (every sample truly of class k)")


def test_f1(mod):
    _, _, f1 = _result(mod, CM)
    expect_close(f1, [2 * 5 / (10 + 1 + 2), 2 * 3 / (6 + 1 + 3), 2 * 4 / (8 + 1 + 0)],
                 "F1 per class", "F1 = 2 TP / (2 TP + FP + FN), the harmonic mean")


def test_agrees_with_minidl_metrics(mod):
    rng = np.random.default_rng(0)
    target, pred = rng.integers(0, 5, 200), rng.integers(0, 5, 200)
    cm = dl.metrics.confusion_matrix(target, pred, num_classes=5)
    got = _result(mod, cm)
    for name, g, e in zip(("precision", "recall", "f1"), got,
                          dl.metrics.precision_recall_f1(target, pred, average=None,
                                                         num_classes=5)):
        expect_close(g, e, f"{name} equal to dl.metrics.precision_recall_f1(average=None)")


def test_empty_class_gives_zero_not_nan(mod):
    cm = np.array([[3, 0, 0], [1, 0, 0], [0, 0, 0]])  # class 1 never predicted, class 2 absent
    precision, recall, f1 = _result(mod, cm)
    for name, values in (("precision", precision), ("recall", recall), ("f1", f1)):
        values = np.asarray(values, dtype=np.float64)
        if np.any(np.isnan(values)):
            raise ExerciseFailure(f"{name} is 0 (not NaN) where its denominator is 0",
                                  f"{values.tolist()}",
                                  "np.divide(a, b, out=np.zeros_like(a), where=b != 0)")
    expect_close(precision, [0.75, 0, 0], "precision with an unpredicted and an absent class")


TESTS = [test_precision, test_recall, test_f1, test_agrees_with_minidl_metrics,
         test_empty_class_gives_zero_not_nan]
