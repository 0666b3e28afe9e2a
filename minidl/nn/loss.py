"""Loss modules: each holds its options and calls the function of the same name in
``nn.functional`` (the ops are in minidl/ops/loss.py). ``loss_fn(prediction, target)``.

Options are keyword-only: PyTorch's constructors take other arguments first (``weight``...),
so a positional value would mean something else there."""
from . import functional as F
from .module import Module


class MSELoss(Module):
    """mean((input - target)^2), or the sum, or each term (``reduction``)."""

    def __init__(self, *, reduction="mean"):
        super().__init__()
        self.reduction = reduction

    def forward(self, input, target):  # noqa: A002 (PyTorch's argument name)
        return F.mse_loss(input, target, reduction=self.reduction)


class CrossEntropyLoss(Module):
    """Cross-entropy of logits (N, C) against class indices (N,): log-softmax + negative
    log-likelihood in one stable op."""

    def __init__(self, *, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__()
        self.ignore_index, self.reduction = ignore_index, reduction
        self.label_smoothing = label_smoothing

    def forward(self, input, target):  # noqa: A002
        return F.cross_entropy(input, target, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class BCEWithLogitsLoss(Module):
    """Binary cross-entropy of sigmoid(input) against targets in [0, 1], computed stably."""

    def __init__(self, *, reduction="mean"):
        super().__init__()
        self.reduction = reduction

    def forward(self, input, target):  # noqa: A002
        return F.binary_cross_entropy_with_logits(input, target, reduction=self.reduction)
