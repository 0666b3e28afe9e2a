"""Exercise precision_recall_f1: per-class scores from a confusion matrix.

A confusion matrix C (K x K) counts C[i, j] = samples of true class i predicted as class j
(rows: truth, columns: prediction; ``dl.metrics.confusion_matrix`` builds one). For class k:

- true positives  TP_k = C[k, k]
- false positives FP_k = column k minus TP_k (predicted k, but were something else)
- false negatives FN_k = row k minus TP_k (were k, but predicted something else)

    precision_k = TP / (TP + FP)      "when I say k, how often am I right?"
    recall_k    = TP / (TP + FN)      "of all the k's, how many did I find?"
    f1_k        = 2 * precision * recall / (precision + recall) = 2 TP / (2 TP + FP + FN)

Each is 0 where its denominator is 0 (a class never predicted has precision 0, not NaN).
Return three float64 NumPy arrays of length K.

Check with:  python -m minidl.exercises check precision_recall_f1
"""
import numpy as np


def precision_recall_f1(cm):
    """Per-class (precision, recall, f1) arrays from the confusion matrix ``cm``."""
    cm = np.asarray(cm, dtype=np.float64)
    # BEGIN SOLUTION
    tp = np.diag(cm)
    predicted = cm.sum(axis=0)  # column sums: TP + FP
    actual = cm.sum(axis=1)  # row sums: TP + FN
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted != 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual != 0)
    f1 = np.divide(2 * tp, predicted + actual, out=np.zeros_like(tp), where=predicted + actual != 0)
    return precision, recall, f1
    # END SOLUTION
