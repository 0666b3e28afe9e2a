"""Cross-entropy from logits, compiled with Numba: twins of ``reference.py``'s.

One ``prange`` over rows. The forward reads each row once (online max, sum of exponentials and,
for label smoothing, the sum of logits, all in the same pass); the backward reads it once and
writes the gradient in the same loop, with softmax recomputed from the saved log-sum-exp.
Both are compiled serial and parallel (``parallel.py``).
"""

import math

import numpy as np
from numba import prange

from .parallel import serial_and_parallel


@serial_and_parallel(cost=8)
def _cross_entropy_forward(logits, target, ignore_index, label_smoothing, losses, row_max,
                           log_sum):
    """reference.cross_entropy_forward: lse, the target logit and the mean logit in one pass.
    The loss is written from the parts of lse (log_sum - (x_t - row_max)), never from their sum,
    which loses log_sum next to a huge row_max."""
    num_classes = logits.shape[1]
    for i in prange(logits.shape[0]):
        running_max = -np.inf
        running_sum = 0.0
        logit_sum = 0.0
        for value in logits[i]:
            logit_sum += value
            if value > running_max or value != value:  # a NaN max stays NaN, as NumPy's max
                # exp(value - value) is 1, or NaN for +inf and NaN (as the reference)
                running_sum = running_sum * math.exp(running_max - value) + math.exp(value - value)
                running_max = value
            elif value != -np.inf:  # -inf adds exp(-inf) = 0; skipped, as -inf - (-inf) is NaN
                running_sum += math.exp(value - running_max)  # NaN stays NaN
        shift = running_max if running_max != -np.inf else 0.0
        row_log_sum = math.log(running_sum) if running_sum != 0 else -np.inf
        row_max[i] = shift
        log_sum[i] = row_log_sum
        if target[i] == ignore_index:
            losses[i] = 0
            continue
        loss = row_log_sum - (logits[i, target[i]] - shift)
        if label_smoothing != 0:
            mean_shifted = (logit_sum - num_classes * shift) / num_classes
            loss = (1 - label_smoothing) * loss + label_smoothing * (row_log_sum - mean_shifted)
        losses[i] = loss


@serial_and_parallel(cost=4)
def _cross_entropy_backward(logits, target, row_max, log_sum, grad_losses, ignore_index,
                            label_smoothing, glogits):
    """reference.cross_entropy_backward: g_i * (softmax - target distribution), one pass per row."""
    num_classes = logits.shape[1]
    smooth = label_smoothing / num_classes
    for i in prange(logits.shape[0]):
        if target[i] == ignore_index:
            glogits[i, :] = 0
            continue
        g = grad_losses[i]
        for c in range(num_classes):
            glogits[i, c] = g * (math.exp((logits[i, c] - row_max[i]) - log_sum[i]) - smooth)
        t = target[i]  # rewritten, not decremented: g * p - g is NaN for an infinite g
        softmax_t = math.exp((logits[i, t] - row_max[i]) - log_sum[i])
        glogits[i, t] = g * (softmax_t - smooth - (1 - label_smoothing))


def cross_entropy_forward(logits, target, ignore_index, label_smoothing):
    logits = np.ascontiguousarray(logits)
    target = np.ascontiguousarray(target, dtype=np.int64)
    losses, row_max, log_sum = np.empty((3, logits.shape[0]), dtype=logits.dtype)
    _cross_entropy_forward.pick(logits.size)(
        logits, target, ignore_index, float(label_smoothing), losses, row_max, log_sum)
    return losses, (row_max, log_sum)


def cross_entropy_backward(logits, target, lse, grad_losses, ignore_index, label_smoothing):
    logits = np.ascontiguousarray(logits)
    glogits = np.empty_like(logits)
    row_max, log_sum = (np.ascontiguousarray(part) for part in lse)
    _cross_entropy_backward.pick(logits.size)(
        logits, np.ascontiguousarray(target, dtype=np.int64), row_max, log_sum,
        np.ascontiguousarray(grad_losses), ignore_index, float(label_smoothing), glogits,
    )
    return glogits
