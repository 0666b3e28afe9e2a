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


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,  # noqa: A002
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """Cross-entropy between the logits ``input`` (N, C), (C,) or (N, C, d1, ...) and
    ``target``: class indices (N,) / () / (N, d1, ...) int64, or class probabilities of the
    input's shape (float).

    Targets equal to ``ignore_index`` contribute no loss and no gradient; "mean" divides by the
    number of the other targets (by their summed class ``weight`` when given). ``label_smoothing``
    s mixes the one-hot target with the uniform distribution: q = (1 - s) onehot + s / C.
    """
    from .shape import reshape
    from .softmax import log_softmax

    name = "cross_entropy"
    _legacy_arguments(name, size_average, reduce)
    _check_float(name, "input", input)
    _check_reduction(name, reduction)
    if not isinstance(target, Tensor):
        raise TypeError(f"{name}: expected target to be a Tensor, got {type(target).__name__}")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{name}: label_smoothing must be in [0, 1], got {label_smoothing}")
    if target.dtype.kind == "f":
        if target.shape != input.shape:
            raise TypeError(
                f"{name}: expected target of dtype int64 (class indices), got {target.dtype} "
                f"(or class probabilities of the input's shape {input.shape}, got {target.shape})"
            )
        return _cross_entropy_with_probabilities(input, target, weight, reduction,
                                                 float(label_smoothing))
    if input.ndim == 2 and target.shape != input.shape[:1]:
        raise ValueError(
            f"{name}: expected target of shape (N,) = ({input.shape[0]},), got {target.shape}"
        )
    if input.ndim == 0 or target.ndim != max(input.ndim - 1, 0):
        raise ValueError(f"{name}: expected input of shape (N, C), (C,) or (N, C, d1, ...) "
                         f"with a target of one dimension less, got input {input.shape} and "
                         f"target {target.shape}")
    if weight is not None:
        if label_smoothing:
            raise NotImplementedError(
                f"{name}: weight= together with label_smoothing= is not supported")
        class_dim = 0 if input.ndim == 1 else 1
        return nll_loss(log_softmax(input, class_dim), target, weight,
                        ignore_index=ignore_index, reduction=reduction)
    rows, flat_target, loss_shape = _classes_last(name, input, target)
    _check_classes(name, flat_target, rows.shape[1], ignore_index)
    loss = CrossEntropy.apply(rows, flat_target, ignore_index=ignore_index, reduction=reduction,
                              label_smoothing=float(label_smoothing))
    return reshape(loss, *loss_shape) if reduction == "none" else loss


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


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean",  # noqa: A002
             weight=None):
    """Mean squared error: mean((input - target)^2) (or its sum, or each term)."""
    name = "mse_loss"
    _legacy_arguments(name, size_average, reduce)
    if weight is not None:
        raise NotImplementedError(f"{name}: the weight= argument is not supported")
    _check_float(name, "input", input)
    _check_float(name, "target", target)
    _check_reduction(name, reduction)
    _check_same_shape(name, input, target, broadcast=True)
    return MSE.apply(input, target, reduction=reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,  # noqa: A002
                                     reduce=None, reduction="mean", pos_weight=None):
    """Binary cross-entropy between sigmoid(input) and targets in [0, 1], computed stably."""
    name = "binary_cross_entropy_with_logits"
    _legacy_arguments(name, size_average, reduce)
    for arg, value in (("weight", weight), ("pos_weight", pos_weight)):
        if value is not None:
            raise NotImplementedError(f"{name}: the {arg}= argument is not supported")
    _check_float(name, "input", input)
    _check_float(name, "target", target)
    _check_reduction(name, reduction)
    _check_same_shape(name, input, target, broadcast=False)
    return BinaryCrossEntropyWithLogits.apply(input, target, reduction=reduction)


# ---- more losses, and cross_entropy's other forms ----------------------------------------------
# These build one loss per element (or per sample) and reduce it with the sum/mean ops, so
# their backward is the reductions' backward followed by the per-element derivative below.


class NLL(ArrayFunction):
    """loss_i = -w[t_i] x[i, t_i] (0 where t_i is ignored), for x (M, C) of log-probabilities;
    d loss_i / d x[i, c] = -w[t_i] where c = t_i, else 0"""

    @staticmethod
    def forward(ctx, log_probs, target, class_weight, ignore_index):
        xp = ctx.xp
        kept = target != ignore_index
        safe_target = xp.where(kept, target, 0)  # any valid index for the ignored rows
        weights = xp.where(kept, class_weight[safe_target], 0).astype(log_probs.dtype)
        ctx.rows, ctx.safe_target, ctx.weights = xp.arange(len(target)), safe_target, weights
        ctx.shape = log_probs.shape
        return -weights * log_probs[ctx.rows, safe_target]

    @staticmethod
    def backward(ctx, grad):
        grad_log_probs = ctx.xp.zeros(ctx.shape, dtype=grad.dtype)
        grad_log_probs[ctx.rows, ctx.safe_target] = -ctx.weights * grad
        return grad_log_probs, None, None, None


class BinaryCrossEntropy(ArrayFunction):
    """loss = -(y log x + (1 - y) log(1 - x)), each log at least -100 (as PyTorch, so that
    x = 0 or 1 gives a finite loss);  d/dx = (x - y) / max(x (1 - x), 1e-12),
    d/dy = log(1 - x) - log(x)"""

    @staticmethod
    def forward(ctx, input, target):  # noqa: A002 (PyTorch's argument name)
        xp = ctx.xp
        ctx.input, ctx.target = input, target
        # log(0) is -inf: take the log of a harmless 1 there, then use -100 (no warning)
        ctx.log_x = xp.where(input > 0, xp.maximum(xp.log(xp.where(input > 0, input, 1)), -100),
                             -100)
        ctx.log_1mx = xp.where(input < 1, xp.maximum(xp.log1p(-xp.where(input < 1, input, 0)),
                                                     -100), -100)
        return -(target * ctx.log_x + (1 - target) * ctx.log_1mx)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.input, ctx.target
        grad_x = grad * (x - y) / ctx.xp.maximum(x * (1 - x), 1e-12)
        return grad_x, grad * (ctx.log_1mx - ctx.log_x)


class Huber(ArrayFunction):
    """loss = d^2 / 2 where |d| <= delta, else delta (|d| - delta / 2), d = x - y;
    d/dx = d where |d| <= delta, else delta sign(d);  d/dy = -d/dx"""

    @staticmethod
    def forward(ctx, input, target, delta):  # noqa: A002
        xp = ctx.xp
        diff = input - target
        ctx.diff, ctx.delta = diff, delta
        ctx.small = xp.abs(diff) <= delta
        return xp.where(ctx.small, 0.5 * diff * diff, delta * (xp.abs(diff) - 0.5 * delta))

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        slope = xp.where(ctx.small, ctx.diff, ctx.delta * xp.sign(ctx.diff))
        return grad * slope, -grad * slope, None


def _reduced(name, losses, reduction, batch_size=None):
    """Reduce a Tensor of per-element losses with the sum and mean ops ("batchmean": the sum
    divided by the batch size, the mathematically right KL divergence)."""
    from .reductions import mean, sum

    if reduction == "none":
        return losses
    if reduction == "sum":
        return sum(losses)
    if reduction == "mean":
        return mean(losses)
    if reduction == "batchmean" and batch_size is not None:
        return sum(losses) / batch_size
    raise ValueError(f"{name}: {reduction!r} is not a valid value for reduction")


def _legacy_arguments(name, size_average, reduce):
    """PyTorch's deprecated size_average/reduce: not supported, say so (use reduction=)."""
    for arg, value in (("size_average", size_average), ("reduce", reduce)):
        if value is not None:
            raise NotImplementedError(f"{name}: the deprecated {arg}= argument is not "
                                      "supported; use reduction='none' | 'mean' | 'sum'")


def _classes_last(name, input, target):  # noqa: A002
    """(N, C, d1, ...) logits and (N, d1, ...) targets as (M, C) rows and (M,) targets, with
    the shape of the per-element losses; (C,) and () for one unbatched sample."""
    from .shape import permute, reshape

    if input.ndim == 1:
        expected = ()
    elif input.ndim >= 2:
        expected = input.shape[:1] + input.shape[2:]
    else:
        raise ValueError(f"{name}: expected input of shape (N, C) or (N, C, d1, ...), "
                         f"got {input.shape}")
    if target.shape != expected:
        raise ValueError(f"{name}: expected target of shape {expected} for input of shape "
                         f"{input.shape}, got {target.shape}")
    if target.dtype.kind not in "iu":
        raise TypeError(f"{name}: expected target of dtype int64 (class indices), got "
                        f"{target.dtype}")
    if input.ndim > 2:
        input = permute(input, 0, *range(2, input.ndim), 1)
    rows = reshape(input, -1, input.shape[-1])
    return rows, reshape(target.long(), -1), expected


def _check_classes(name, target, num_classes, ignore_index):
    classes = target._data[target._data != ignore_index]
    if classes.size and (int(classes.min()) < 0 or int(classes.max()) >= num_classes):
        bad = int(classes.min()) if int(classes.min()) < 0 else int(classes.max())
        raise IndexError(f"{name}: target {bad} is out of bounds for {num_classes} classes")


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100,  # noqa: A002
             reduce=None, reduction="mean"):
    """Negative log-likelihood of class indices ``target`` under the log-probabilities
    ``input`` (N, C) or (N, C, d1, ...). ``weight`` (C,) rescales each class; "mean" divides
    by the summed weights of the targets that are not ignored (PyTorch's definition)."""
    from .reductions import sum
    from .shape import reshape

    name = "nll_loss"
    _legacy_arguments(name, size_average, reduce)
    _check_float(name, "input", input)
    _check_reduction(name, reduction)
    rows, flat_target, loss_shape = _classes_last(name, input, target)
    num_classes = rows.shape[1]
    _check_classes(name, flat_target, num_classes, ignore_index)
    xp = rows._backend.xp
    if weight is None:
        class_weight = xp.ones(num_classes, dtype=rows.dtype)
    elif weight.shape != (num_classes,):
        raise ValueError(f"{name}: expected weight of shape ({num_classes},), got {weight.shape}")
    else:
        class_weight = weight._data
    losses = NLL.apply(rows, flat_target, class_weight, ignore_index)
    if reduction == "none":
        return reshape(losses, *loss_shape)
    total = sum(losses)
    if reduction == "sum":
        return total
    kept = flat_target._data != ignore_index
    target_weights = float(class_weight[xp.where(kept, flat_target._data, 0)][kept].sum())
    return total / (target_weights if target_weights else float("nan"))


def _cross_entropy_with_probabilities(input, target, weight, reduction,  # noqa: A002
                                      label_smoothing):
    """-sum_c w_c q_c log softmax(x)_c with q the target distribution along dim 1 (mixed with
    the uniform one by label smoothing); "mean" divides by the number of samples."""
    from .softmax import log_softmax
    from .reductions import sum

    name = "cross_entropy"
    if target.shape != input.shape:
        raise ValueError(f"{name}: class-probability targets must have the input's shape "
                         f"{input.shape}, got {target.shape}")
    _check_float(name, "target", target)
    class_dim = 0 if input.ndim == 1 else 1
    num_classes = input.shape[class_dim]
    if label_smoothing:
        target = target * (1 - label_smoothing) + label_smoothing / num_classes
    terms = log_softmax(input, class_dim) * target
    if weight is not None:
        terms = terms * weight.reshape(num_classes, *([1] * (input.ndim - class_dim - 1)))
    losses = -sum(terms, class_dim)
    return _reduced(name, losses, reduction)


def binary_cross_entropy(input, target, weight=None, size_average=None,  # noqa: A002
                         reduce=None, reduction="mean"):
    """Binary cross-entropy between probabilities ``input`` in [0, 1] and targets in [0, 1]
    (prefer binary_cross_entropy_with_logits on logits: it is stabler)."""
    name = "binary_cross_entropy"
    _legacy_arguments(name, size_average, reduce)
    _check_float(name, "input", input)
    _check_float(name, "target", target)
    _check_reduction(name, reduction)
    if input.shape != target.shape:
        raise ValueError(f"{name}: target shape {target.shape} must be the same as input "
                         f"shape {input.shape}")
    values = input._data
    if values.size and (float(values.min()) < 0 or float(values.max()) > 1):
        raise RuntimeError(f"{name}: all elements of input should be between 0 and 1")
    losses = BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        losses = losses * weight
    return _reduced(name, losses, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean",  # noqa: A002
            weight=None):
    """Mean absolute error: mean(|input - target|) (or its sum, or each term)."""
    from .math import abs

    name = "l1_loss"
    _legacy_arguments(name, size_average, reduce)
    if weight is not None:
        raise NotImplementedError(f"{name}: the weight= argument is not supported")
    _check_float(name, "input", input)
    _check_reduction(name, reduction)
    _check_same_shape(name, input, target, broadcast=True)
    return _reduced(name, abs(input - target), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):  # noqa: A002
    """Squared error for small differences (|d| <= delta), absolute error beyond."""
    name = "huber_loss"
    if weight is not None:
        raise NotImplementedError(f"{name}: the weight= argument is not supported")
    _check_float(name, "input", input)
    _check_reduction(name, reduction)
    if delta <= 0:
        raise RuntimeError(f"{name}: delta must be positive, got {delta}")
    _check_same_shape(name, input, target, broadcast=True)
    return _reduced(name, Huber.apply(input, target, float(delta)), reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None,  # noqa: A002
                   reduction="mean", beta=1.0):
    """huber_loss(delta=beta) / beta: d^2 / (2 beta) for small differences, |d| - beta / 2
    beyond (beta = 0: the L1 loss)."""
    name = "smooth_l1_loss"
    _legacy_arguments(name, size_average, reduce)
    _check_float(name, "input", input)
    _check_reduction(name, reduction)
    if beta < 0:
        raise RuntimeError(f"{name}: beta must be non-negative, got {beta}")
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    _check_same_shape(name, input, target, broadcast=True)
    return _reduced(name, Huber.apply(input, target, float(beta)) / float(beta), reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean",  # noqa: A002
           log_target=False):
    """KL(target || exp(input)) per element: target (log target - input), 0 where target = 0.
    ``input`` holds log-probabilities; ``target`` probabilities (log-probabilities with
    ``log_target=True``). reduction="batchmean" divides the sum by the batch size, which is
    the true KL divergence; "mean" divides by the number of elements (PyTorch's default)."""
    from .math import exp, log
    from .selection import where

    name = "kl_div"
    _legacy_arguments(name, size_average, reduce)
    _check_float(name, "input", input)
    _check_float(name, "target", target)
    if reduction not in REDUCTIONS + ("batchmean",):
        raise ValueError(f"{name}: {reduction!r} is not a valid value for reduction")
    if log_target:
        losses = exp(target) * (target - input)
    else:
        positive = target > 0
        safe_log = log(where(positive, target, 1.0))  # log 1 = 0 where the target is 0
        losses = where(positive, target * (safe_log - input), 0.0)
    batch_size = input.shape[0] if input.ndim else 1
    return _reduced(name, losses, reduction, batch_size)
