"""Evaluation metrics on NumPy arrays, Tensors or plain lists; each returns Python floats
(or NumPy arrays for per-class results).

Classification metrics take integer class labels; where ``pred`` is 2-D (N, C) scores or
logits, the predicted class is its argmax over the last axis.
"""
import numpy as np

from .tensor import Tensor


def _as_numpy(x):
    """A host NumPy array from a Tensor (on any device) or an array-like."""
    return x.numpy() if isinstance(x, Tensor) else np.asarray(x)


def _class_labels(pred):
    """Predicted labels: ``pred`` itself, or its argmax over the last axis when it holds scores."""
    pred = _as_numpy(pred)
    return pred.argmax(axis=-1) if pred.ndim == 2 else pred


def _check_same_shape(name, a, b):
    if a.shape != b.shape:
        raise ValueError(f"{name}: shapes {a.shape} and {b.shape} differ")
    if a.size == 0:
        raise ValueError(f"{name}: got empty inputs")


def accuracy(pred, target):
    """Fraction of samples whose predicted class equals the target class."""
    pred, target = _class_labels(pred), _as_numpy(target)
    _check_same_shape("accuracy", pred, target)
    return float(np.mean(pred == target))


def confusion_matrix(target, pred, num_classes=None):
    """Counts ``C[i, j]`` of samples of true class ``i`` predicted as class ``j``.

    Rows are true classes and columns predicted classes, as in scikit-learn. ``num_classes``
    defaults to the largest label seen plus one. Returns an int64 array (K, K).
    """
    target, pred = _as_numpy(target).ravel(), _class_labels(pred).ravel()
    _check_same_shape("confusion_matrix", target, pred)
    labels = np.concatenate([target, pred])
    if labels.dtype.kind not in "iub":
        raise ValueError(f"confusion_matrix: labels must be integers, got dtype {labels.dtype}")
    if num_classes is None:
        num_classes = int(labels.max()) + 1
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(
            f"confusion_matrix: labels must lie in [0, {num_classes}), "
            f"got values from {labels.min()} to {labels.max()}"
        )
    # Sample (t, p) lands in cell t * K + p of the flattened K × K matrix.
    counts = np.bincount(target.astype(np.int64) * num_classes + pred, minlength=num_classes**2)
    return counts.reshape(num_classes, num_classes)


def _safe_divide(numerator, denominator):
    """numerator / denominator, with 0 where the denominator is 0."""
    out = np.zeros(len(numerator), dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def precision_recall_f1(target, pred, average="macro", num_classes=None):
    """Per-class precision, recall and F1 from the confusion matrix, or their macro averages.

    For class ``k`` with ``TP`` true positives, ``FP`` false positives and ``FN`` false negatives:
    ``precision = TP / (TP + FP)``, ``recall = TP / (TP + FN)``,
    ``F1 = 2·precision·recall / (precision + recall) = 2·TP / (2·TP + FP + FN)``,
    each 0 where its denominator is 0. ``average=None`` returns three float64 arrays of length K;
    ``average="macro"`` returns three floats, the unweighted means over the classes that occur
    in ``target`` or ``pred`` (a class absent from both has no score to average).
    """
    if average not in ("macro", None):
        raise ValueError(f'precision_recall_f1: average must be "macro" or None, got {average!r}')
    cm = confusion_matrix(target, pred, num_classes)
    tp = np.diag(cm)
    predicted, actual = cm.sum(axis=0), cm.sum(axis=1)
    precision = _safe_divide(tp, predicted)
    recall = _safe_divide(tp, actual)
    f1 = _safe_divide(2 * tp, predicted + actual)
    if average is None:
        return precision, recall, f1
    present = (predicted + actual) > 0
    return tuple(float(score[present].mean()) for score in (precision, recall, f1))


def roc_auc(target, score):
    """Area under the ROC curve for binary ``target`` (0/1 or bool) and real-valued ``score``.

    Uses the Mann–Whitney form: the probability that a random positive scores higher than a
    random negative, counting ties as one half. With ``R`` the sum of the positives' ranks
    (ties share their average rank), ``n₁`` positives and ``n₀`` negatives,
    ``AUC = (R - n₁(n₁ + 1)/2) / (n₁·n₀)``.
    """
    target, score = _as_numpy(target), _as_numpy(score)
    if score.ndim != 1:
        raise ValueError(f"roc_auc: score must be 1-D, got shape {score.shape}")
    _check_same_shape("roc_auc", target, score)
    if not np.isin(target, (0, 1)).all():
        raise ValueError("roc_auc: target must hold only 0 and 1 (binary)")
    positive = target.astype(bool)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("roc_auc: undefined when target holds only one class")
    # Average ranks (1-based): a group of tied values occupying ranks s..e all get (s + e) / 2.
    _, group, counts = np.unique(score, return_inverse=True, return_counts=True)
    last = np.cumsum(counts)
    ranks = ((last - counts + 1 + last) / 2)[group]
    rank_sum = ranks[positive].sum()
    return float((rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _regression_inputs(name, pred, target):
    pred, target = _as_numpy(pred).astype(np.float64), _as_numpy(target).astype(np.float64)
    _check_same_shape(name, pred, target)
    return pred, target


def mse(pred, target):
    """Mean squared error: mean((pred - target)²)."""
    pred, target = _regression_inputs("mse", pred, target)
    return float(np.mean((pred - target) ** 2))


def mae(pred, target):
    """Mean absolute error: mean(|pred - target|)."""
    pred, target = _regression_inputs("mae", pred, target)
    return float(np.mean(np.abs(pred - target)))


def rmse(pred, target):
    """Root mean squared error: sqrt(mse(pred, target))."""
    return float(np.sqrt(mse(pred, target)))
