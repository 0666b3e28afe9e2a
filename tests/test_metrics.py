import numpy as np
import pytest

import minidl as dl
from minidl.metrics import (
    accuracy,
    confusion_matrix,
    mae,
    mse,
    precision_recall_f1,
    rmse,
    roc_auc,
)

# A 3-class example worked by hand.
TARGET = [0, 0, 1, 1, 1, 2]
PRED = [0, 1, 1, 1, 0, 0]
#            predicted 0  1  2
CM = [[1, 1, 0],    # true 0
      [1, 2, 0],    # true 1
      [1, 0, 0]]    # true 2


def test_accuracy_labels_scores_and_tensors():
    assert accuracy(PRED, TARGET) == 3 / 6
    scores = np.eye(3)[PRED] * 2.0 - 1.0  # argmax over the last axis recovers PRED
    assert accuracy(scores, TARGET) == 3 / 6
    assert accuracy(dl.tensor(scores), dl.tensor(TARGET)) == 3 / 6


def test_accuracy_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"\(3,\) and \(2,\)"):
        accuracy([0, 1, 2], [0, 1])


def test_confusion_matrix_rows_are_true_classes():
    cm = confusion_matrix(TARGET, PRED)
    assert cm.tolist() == CM and cm.dtype == np.int64
    assert confusion_matrix(TARGET, PRED, num_classes=4)[3].tolist() == [0, 0, 0, 0]
    with pytest.raises(ValueError, match=r"\[0, 2\)"):
        confusion_matrix(TARGET, PRED, num_classes=2)


def test_precision_recall_f1_per_class():
    precision, recall, f1 = precision_recall_f1(TARGET, PRED, average=None)
    # Class 0: TP 1, predicted 3, actual 2. Class 1: TP 2, predicted 3, actual 3.
    # Class 2: TP 0, never predicted (precision undefined -> 0), actual 1.
    np.testing.assert_allclose(precision, [1 / 3, 2 / 3, 0])
    np.testing.assert_allclose(recall, [1 / 2, 2 / 3, 0])
    np.testing.assert_allclose(f1, [2 / 5, 2 / 3, 0])


def test_precision_recall_f1_macro_and_tensor_scores():
    expected = ((1 / 3 + 2 / 3) / 3, (1 / 2 + 2 / 3) / 3, (2 / 5 + 2 / 3) / 3)
    result = precision_recall_f1(TARGET, PRED)
    assert all(isinstance(v, float) for v in result)
    np.testing.assert_allclose(result, expected)
    scores = dl.tensor(np.eye(3)[PRED])
    np.testing.assert_allclose(precision_recall_f1(dl.tensor(TARGET), scores), expected)


def test_macro_average_skips_classes_absent_from_both():
    # Class 1 never occurs: the macro average is over classes 0 and 2 only.
    result = precision_recall_f1([0, 2, 2], [0, 2, 0], num_classes=3)
    np.testing.assert_allclose(result, ((1 / 2 + 1) / 2, (1 + 1 / 2) / 2, (2 / 3 + 2 / 3) / 2))


def test_precision_recall_f1_undefined_gives_zero_without_warnings():
    with np.errstate(all="raise"):
        precision, recall, f1 = precision_recall_f1([1, 1], [0, 0], average=None)
    assert precision.tolist() == [0.0, 0.0] and recall.tolist() == [0.0, 0.0]
    assert f1.tolist() == [0.0, 0.0]


def test_roc_auc_without_ties():
    # Positives 0.8, 0.4; negatives 0.6, 0.2: of 4 pairs, 3 are ordered right.
    assert roc_auc([1, 1, 0, 0], [0.8, 0.4, 0.6, 0.2]) == 3 / 4
    assert roc_auc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]) == 1.0
    assert roc_auc([1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4]) == 0.0


def test_roc_auc_ties_count_half():
    # Pairs (pos, neg): (0.5, 0.5) tie = 1/2, (0.5, 0.1) = 1, (0.9, 0.5) = 1, (0.9, 0.1) = 1.
    assert roc_auc([1, 0, 1, 0], [0.5, 0.5, 0.9, 0.1]) == 3.5 / 4
    assert roc_auc(dl.tensor([True, False]), dl.tensor([0.3, 0.3])) == 0.5


def test_roc_auc_errors():
    with pytest.raises(ValueError, match="one class"):
        roc_auc([1, 1], [0.1, 0.2])
    with pytest.raises(ValueError, match="binary"):
        roc_auc([0, 2], [0.1, 0.2])


def test_regression_metrics():
    pred, target = [1.0, 2.0, 4.0], [1.0, 4.0, 0.0]  # errors 0, -2, 4
    assert mse(pred, target) == pytest.approx(20 / 3)
    assert mae(dl.tensor(pred), dl.tensor(target)) == pytest.approx(2.0)
    assert rmse(pred, target) == pytest.approx((20 / 3) ** 0.5)
    with pytest.raises(ValueError, match="differ"):
        mse([1.0, 2.0], [[1.0, 2.0]])
