"""Loss functions: cross-entropy from logits, mean squared error, binary cross-entropy from logits.

Each op computes one loss per element (or per row), then applies ``reduction``:
"none" keeps them, "sum" adds them up, "mean" divides the sum by their count. Backward undoes
the reduction first (every element of a sum gets the whole upstream gradient, of a mean
1/count of it), then applies the derivative of the per-element loss.
"""
import warnings

from ..autograd import ArrayFunction
from ..tensor import Tensor

REDUCTIONS = ("none", "mean", "sum")


def _reduce(xp, losses, reduction, count):
    """The per-element losses reduced to what the user asked for ("mean" divides by count)."""
    if reduction == "none":
        return losses
    total = losses.sum()
    if reduction == "sum":
        return total
    return xp.asarray(total / count if count else float("nan"), dtype=losses.dtype)


def _unreduce(xp, grad, reduction, shape, count):
    """d(reduced loss)/d(each per-element loss), times the upstream gradient, in ``shape``."""
    if reduction == "none":
        return grad
    if reduction == "mean":
        grad = grad / max(count, 1)  # count 0: every target ignored, every gradient is 0 anyway
    return xp.broadcast_to(grad, shape)


class CrossEntropy(ArrayFunction):
    """loss_i = -sum_c q_ic log softmax(x_i)_c with q_i = (1 - s) onehot(t_i) + s / C;
    d loss_i / d x_i = softmax(x_i) - q_i (the fused kernels compute both)."""

    @staticmethod
    def forward(ctx, logits, target, ignore_index, reduction, label_smoothing):
        losses, ctx.lse = ctx.kernels.cross_entropy_forward(logits, target, ignore_index,
                                                             label_smoothing)
        ctx.logits, ctx.target = logits, target
        ctx.ignore_index, ctx.label_smoothing = ignore_index, label_smoothing
        ctx.reduction = reduction
        ctx.count = int((target != ignore_index).sum()) if reduction == "mean" else None
        return _reduce(ctx.xp, losses, reduction, ctx.count)

    @staticmethod
    def backward(ctx, grad):
        grad_losses = _unreduce(ctx.xp, grad, ctx.reduction, ctx.target.shape, ctx.count)
        grad_logits = ctx.kernels.cross_entropy_backward(
            ctx.logits, ctx.target, ctx.lse, ctx.xp.ascontiguousarray(grad_losses),
            ctx.ignore_index, ctx.label_smoothing,
        )
        return grad_logits, None


class MSE(ArrayFunction):
    """loss = (x - y)^2;  d/dx = 2 (x - y),  d/dy = -2 (x - y)"""

    @staticmethod
    def forward(ctx, input, target, reduction):  # noqa: A002 (PyTorch's argument name)
        ctx.diff = input - target
        ctx.reduction = reduction
        return _reduce(ctx.xp, ctx.diff * ctx.diff, reduction, ctx.diff.size)

    @staticmethod
    def backward(ctx, grad):
        grad = _unreduce(ctx.xp, grad, ctx.reduction, ctx.diff.shape, ctx.diff.size)
        grad_input = 2 * grad * ctx.diff
        return grad_input, -grad_input


class BinaryCrossEntropyWithLogits(ArrayFunction):
    """loss = -(y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))) = max(x, 0) - x y + log(1 + e^-|x|);
    d/dx = sigmoid(x) - y,  d/dy = -x"""

    @staticmethod
    def forward(ctx, input, target, reduction):  # noqa: A002 (PyTorch's argument name)
        xp = ctx.xp
        ctx.input, ctx.target, ctx.reduction = input, target, reduction
        losses = xp.maximum(input, 0) - input * target + xp.log1p(xp.exp(-xp.abs(input)))
        return _reduce(xp, losses, reduction, input.size)

    @staticmethod
    def backward(ctx, grad):
        grad = _unreduce(ctx.xp, grad, ctx.reduction, ctx.input.shape, ctx.input.size)
        probability = ctx.kernels.sigmoid_forward(ctx.input)
        return grad * (probability - ctx.target), -grad * ctx.input


# ---- the functions (argument checks happen here, so errors name the function) ---------------


def _check_reduction(name, reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be 'none', 'mean' or 'sum', got {reduction!r}")


def _check_float(name, role, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected {role} to be a Tensor, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: expected {role} to be a floating-point tensor, got {x.dtype}")


def cross_entropy(input, target, ignore_index=-100, reduction="mean",  # noqa: A002
                  label_smoothing=0.0):
    """Cross-entropy between the logits ``input`` (N, C) and class indices ``target`` (N,) int64.

    Targets equal to ``ignore_index`` contribute no loss and no gradient; "mean" divides by the
    number of the other targets. ``label_smoothing`` s mixes the one-hot target with the uniform
    distribution: q = (1 - s) onehot + s / C.
    """
    name = "cross_entropy"
    _check_float(name, "input", input)
    _check_reduction(name, reduction)
    if not isinstance(target, Tensor):
        raise TypeError(f"{name}: expected target to be a Tensor, got {type(target).__name__}")
    if input.ndim != 2:
        raise ValueError(f"{name}: expected input of shape (N, C), got {input.shape}")
    if target.shape != input.shape[:1]:
        raise ValueError(
            f"{name}: expected target of shape (N,) = ({input.shape[0]},), got {target.shape}"
        )
    if target.dtype.kind not in "iu":
        raise TypeError(
            f"{name}: expected target of dtype int64 (class indices), got {target.dtype}"
        )
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{name}: label_smoothing must be in [0, 1], got {label_smoothing}")
    num_classes = input.shape[1]
    classes = target._data[target._data != ignore_index]
    if classes.size and (int(classes.min()) < 0 or int(classes.max()) >= num_classes):
        bad = int(classes.min()) if int(classes.min()) < 0 else int(classes.max())
        raise IndexError(f"{name}: target {bad} is out of bounds for {num_classes} classes")
    return CrossEntropy.apply(input, target.long(), ignore_index=ignore_index, reduction=reduction,
                              label_smoothing=float(label_smoothing))


def _check_same_shape(name, input, target, broadcast):  # noqa: A002
    if input.shape == target.shape:
        return
    if not broadcast:
        raise ValueError(
            f"{name}: target shape {target.shape} must be the same as input shape {input.shape}"
        )
    warnings.warn(
        f"{name}: target shape {target.shape} differs from input shape {input.shape}; they "
        "will be broadcast, which is probably not what you want",
        stacklevel=3,
    )


def mse_loss(input, target, reduction="mean"):  # noqa: A002
    """Mean squared error: mean((input - target)^2) (or its sum, or each term)."""
    name = "mse_loss"
    _check_float(name, "input", input)
    _check_float(name, "target", target)
    _check_reduction(name, reduction)
    _check_same_shape(name, input, target, broadcast=True)
    return MSE.apply(input, target, reduction=reduction)


def binary_cross_entropy_with_logits(input, target, reduction="mean"):  # noqa: A002
    """Binary cross-entropy between sigmoid(input) and targets in [0, 1], computed stably."""
    name = "binary_cross_entropy_with_logits"
    _check_float(name, "input", input)
    _check_float(name, "target", target)
    _check_reduction(name, reduction)
    _check_same_shape(name, input, target, broadcast=False)
    return BinaryCrossEntropyWithLogits.apply(input, target, reduction=reduction)
