"""In-place ops: ``add_``, ``mul_``, ``+=``, ``t[i] = v``... write into the tensor's storage.

Every tensor sharing the storage (views, ``detach()``, ``.data``) sees the new values, and the
storage's version goes up, so that backward refuses to use a saved tensor that has changed
(``autograd.bump_version``). Each in-place op is the ordinary op computed out of place, then
written into the storage:

- outside the graph (grad mode off, or nothing involved requires grad) that is all;
- inside the graph, on a tensor that is not a leaf, the op is recorded on a snapshot of the old
  values, and the written tensor takes the op's node as its history, as in PyTorch
  (``y = x * 2; y.add_(1)`` backpropagates through the add, then the mul);
- on a leaf that requires grad, PyTorch's RuntimeError (use ``with dl.no_grad():``); on a view of
  a tensor that requires grad, a RuntimeError too: PyTorch rewrites the history of the view's
  base, minidl does not (a deliberate difference, listed in the README).
"""
import numpy

from .. import creation
from ..autograd import ArrayFunction, bump_version, is_grad_enabled, no_grad, saves_storage_of
from ..tensor import Tensor
from . import activations, arithmetic, math, selection
from .indexing import backend_index, owned_index


def _records(target, args):
    """Does this in-place op belong in the graph?"""
    if not is_grad_enabled():
        return False
    return target._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in args)


def _snapshot_of_old_values(target, op_name):
    """A tensor holding a copy of target's values and target's history (the in-place node's
    input), after checking that PyTorch would allow this write inside the graph."""
    node = target.grad_fn
    if target._requires_grad and node is None:
        raise RuntimeError(
            f"{op_name}: a leaf Variable that requires grad is being used in an in-place "
            "operation. (Update parameters inside `with dl.no_grad():`.)"
        )
    if node is not None and node.output_is_view:
        raise RuntimeError(
            f"{op_name}: in-place write to a view ({node.name()}) of a tensor that requires "
            "grad; minidl does not rewrite the history of a view's base, as PyTorch does (a "
            "deliberate difference). clone() the view, or write the base out of place"
        )
    if node is not None and saves_storage_of(node, target._data):
        node.modified_by = op_name  # its backward would read the overwritten values
    snapshot = Tensor._make(target._data.copy(), target._backend, target._requires_grad)
    snapshot.grad_fn = node
    return snapshot


def _write(target, result, op_name, casting="same_kind"):
    """Copy ``result``'s values into target's storage, as PyTorch's rules for ``out`` allow."""
    data = result._data
    if data.shape != target._data.shape:
        raise RuntimeError(
            f"{op_name}: output with shape {target.shape} doesn't match the broadcast shape "
            f"{tuple(data.shape)}"
        )
    if not numpy.can_cast(data.dtype, target.dtype, casting):
        raise RuntimeError(
            f"{op_name}: result type {data.dtype} can't be cast to the desired output type "
            f"{target.dtype}"
        )
    _assign(target, (Ellipsis,), data, op_name)


def _assign(target, index, value, op_name):
    """target._data[index] = value, and a new version for the storage."""
    try:
        target._data[index] = value
    except ValueError as err:
        if "read-only" in str(err):
            raise RuntimeError(
                f"{op_name}: unsupported operation: more than one element of the written-to "
                "tensor refers to a single memory location (an expand()ed view). Please clone() "
                "the tensor before performing the operation."
            ) from None
        raise RuntimeError(f"{op_name}: {err}") from None
    bump_version(target)


def _take_history(target, result):
    """After the write: target's gradient now flows through the op that computed ``result``."""
    target.grad_fn = result.grad_fn
    target._requires_grad = result._requires_grad
    if result.grad_fn is not None:
        # nodes recorded before this write (the op's own node too, if target was also one of
        # its arguments: y += y) reach target's old history through the snapshot
        result.grad_fn.inplace_clock = target._version_counter[1]


def apply_inplace(target, op_name, compute, *args):
    """target <- compute(target, *args) in place; ``compute`` is the out-of-place op."""
    if _records(target, args):
        result = compute(_snapshot_of_old_values(target, op_name), *args)
        _write(target, result, op_name)
        _take_history(target, result)
    else:
        with no_grad():
            result = compute(target, *args)
        _write(target, result, op_name)
    return target


def overwrite_(target, values, op_name):
    """target <- values (a Tensor or a number), broadcast and cast to target's dtype.

    In the graph, the gradient goes to ``values`` and none to the old values.
    """
    if isinstance(values, Tensor) and values._backend is not target._backend:
        raise RuntimeError(
            f"{op_name}: expected the source on {target.device}, got {values.device}"
        )
    if _records(target, (values,)):
        old = _snapshot_of_old_values(target, op_name)
        keep_all = Tensor._make(target._backend.xp.ones(target.shape, dtype=bool), target._backend)
        if isinstance(values, Tensor) and values.dtype != target.dtype:
            values = values.to(target.dtype)
        result = selection.where(keep_all, values, old)
        _write(target, result, op_name, casting="unsafe")
        _take_history(target, result)
    else:
        data = values._data if isinstance(values, Tensor) else values
        if hasattr(data, "shape") and not _broadcasts_to(data.shape, target.shape):
            raise RuntimeError(
                f"{op_name}: the source of shape {tuple(data.shape)} cannot be broadcast to the "
                f"destination's shape {target.shape}"
            )
        _assign(target, (Ellipsis,), data, op_name)
    return target


def _broadcasts_to(shape, target_shape):
    if len(shape) > len(target_shape):
        return False
    return all(n in (1, m) for n, m in zip(reversed(shape), reversed(target_shape)))


class SetItem(ArrayFunction):
    """out = x with out[index] = value (PyTorch's CopySlices);  d/dx: grad with zeros at index,
    d/dvalue: grad[index] (summed back to value's shape by the engine)"""

    @staticmethod
    def forward(ctx, x, value, index):
        ctx.index = index
        out = x.copy()
        out[index] = value
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_x = grad.copy()
        grad_x[ctx.index] = 0
        return grad_x, grad[ctx.index]


def setitem_(target, index, value):
    """``target[index] = value``: a write into the storage (differentiable on non-leaves)."""
    index = backend_index(index)
    if isinstance(value, Tensor) and value._backend is not target._backend:
        raise RuntimeError(
            f"setitem: expected the value on {target.device}, got {value.device}"
        )
    if _records(target, (value,)):
        old = _snapshot_of_old_values(target, "setitem")
        index = owned_index(index)
        if not isinstance(value, Tensor):
            value = Tensor._make(target._backend.xp.asarray(value, dtype=target.dtype),
                                 target._backend)
        result = SetItem.apply(old, value.to(target.dtype), index=index)
        _write(target, result, "setitem")
        _take_history(target, result)
    else:
        _assign(target, index, value._data if isinstance(value, Tensor) else value, "setitem")
    return target



# ---- the in-place twins of the ops (Tensor methods call these) ----------------------------------
def add_(t, other, alpha=1):
    """t += alpha * other"""
    return apply_inplace(t, "add_", arithmetic.add, other if alpha == 1 else other * alpha)


def sub_(t, other, alpha=1):
    """t -= alpha * other"""
    return apply_inplace(t, "sub_", arithmetic.sub, other if alpha == 1 else other * alpha)


def mul_(t, other):
    return apply_inplace(t, "mul_", arithmetic.mul, other)


def div_(t, other):
    return apply_inplace(t, "div_", arithmetic.div, other)


def pow_(t, exponent):
    return apply_inplace(t, "pow_", arithmetic.pow, exponent)


def neg_(t):
    return apply_inplace(t, "neg_", arithmetic.neg)


def abs_(t):
    return apply_inplace(t, "abs_", math.abs)


def sqrt_(t):
    return apply_inplace(t, "sqrt_", math.sqrt)


def exp_(t):
    return apply_inplace(t, "exp_", math.exp)


def log_(t):
    return apply_inplace(t, "log_", math.log)


def clamp_(t, min=None, max=None):  # noqa: A002 (PyTorch's argument names)
    return apply_inplace(t, "clamp_", math.clamp, min, max)


def tanh_(t):
    return apply_inplace(t, "tanh_", activations.tanh)


def sigmoid_(t):
    return apply_inplace(t, "sigmoid_", activations.sigmoid)


def relu_(t):
    return apply_inplace(t, "relu_", activations.relu)


def masked_fill_(t, mask, value):
    return apply_inplace(t, "masked_fill_", selection.masked_fill, mask, value)


def fill_(t, value):
    return overwrite_(t, value, "fill_")


def zero_(t):
    return overwrite_(t, 0, "zero_")


def copy_(t, src):
    """t <- src, broadcast to t's shape and cast to t's dtype (any cast, as PyTorch's copy_)."""
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_: expected a Tensor as the source, got {type(src).__name__}")
    return overwrite_(t, src, "copy_")


def uniform_(t, a=0.0, b=1.0):
    """Fill with samples of U(a, b) from the device's generator."""
    with no_grad():
        values = a + (b - a) * creation.rand(*t.shape, dtype=t.dtype, device=t.device)
    return overwrite_(t, values, "uniform_")


def normal_(t, mean=0.0, std=1.0):
    """Fill with samples of N(mean, std^2) from the device's generator."""
    with no_grad():
        values = mean + std * creation.randn(*t.shape, dtype=t.dtype, device=t.device)
    return overwrite_(t, values, "normal_")
