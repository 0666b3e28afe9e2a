"""nn.utils.prune: magnitude pruning, as PyTorch's torch.nn.utils.prune.

Pruning sets chosen weights to zero and keeps them there. As in PyTorch, pruning a module's
parameter ``name`` (say "weight")

- moves the Parameter to ``weight_orig`` (the same object, so an optimizer built before keeps
  training it),
- stores a 0/1 ``weight_mask`` of the same shape,
- and before every forward sets ``module.weight = weight_orig * weight_mask``: a product, so
  the pruned entries get zero gradient and stay zero through fine-tuning. (Between calls
  ``module.weight`` holds that product detached from the graph, so a pruned model can be
  deep-copied; PyTorch keeps the graph there and refuses to deep-copy.)

``remove(module, name)`` makes it permanent: ``weight`` becomes a Parameter again holding the
pruned values, and ``weight_orig``, ``weight_mask`` and the recomputation go away. Pruning the
same parameter again prunes among the entries still unpruned (the masks multiply).

Which entries go:
- ``l1_unstructured``: the ``amount`` entries of smallest |w| in this tensor;
- ``global_unstructured``: the ``amount`` entries of smallest |w| over several tensors together
  (layers with small weights lose more);
- ``ln_structured``: whole slices along ``dim`` with the smallest L``n`` norm, e.g. ``dim=0``
  of a Linear's weight removes output neurons (their rows). For attention heads, prune the
  columns of ``out_proj.weight`` (dim=1) head by head with ``heads_structured``.

``amount`` is a fraction in [0, 1] or a number of entries/slices.

Deliberate differences: PyTorch keeps ``weight_mask`` as a buffer, in the ``state_dict``;
minidl's modules have no buffers yet, so the mask is a plain attribute and the state_dict holds
``weight_orig`` until ``remove``. PyTorch recomputes the weight in a forward pre-hook; minidl's
modules have no hooks yet, so pruning wraps the module's ``forward`` in ``_MaskedForward``.
"""
import math

import numpy as np

from ..tensor import Tensor, tensor
from .parameter import Parameter


# ---- the mask computations ----------------------------------------------------------------------
def _count(amount, total, what):
    """The number of entries (or slices) to prune out of ``total``."""
    if isinstance(amount, bool) or not isinstance(amount, (int, float)):
        raise TypeError(f"prune: amount must be an int or a float, got {type(amount).__name__}")
    if isinstance(amount, float):
        if not 0.0 <= amount <= 1.0:
            raise ValueError(f"prune: amount={amount} should be a float in [0, 1]")
        return round(amount * total)
    if not 0 <= amount <= total:
        raise ValueError(f"prune: amount={amount} should be an int in [0, {total}] "
                         f"(the number of {what})")
    return amount


def _smallest(scores, count):
    """A bool array marking the ``count`` smallest of ``scores`` (ties broken by position)."""
    chosen = np.zeros(scores.shape, dtype=bool)
    if count:
        flat = np.argsort(scores, axis=None, kind="stable")[:count]
        chosen[np.unravel_index(flat, scores.shape)] = True
    return chosen


class L1Unstructured:
    """Prune the ``amount`` unpruned entries of smallest absolute value."""

    def __init__(self, amount):
        self.amount = amount

    def compute_mask(self, importance, default_mask):
        alive = default_mask.astype(bool)
        count = _count(self.amount, int(alive.sum()), "unpruned entries")
        scores = np.where(alive, np.abs(importance), np.inf)  # already pruned: never picked
        return default_mask * ~_smallest(scores, count)


class LnStructured:
    """Prune the ``amount`` unpruned slices along ``dim`` of smallest Ln norm."""

    def __init__(self, amount, n, dim=-1):
        self.amount, self.n, self.dim = amount, n, dim

    def compute_mask(self, importance, default_mask):
        dim = self.dim % importance.ndim
        others = tuple(d for d in range(importance.ndim) if d != dim)
        alive = default_mask.any(axis=others) if others else default_mask.astype(bool)
        count = _count(self.amount, int(alive.sum()), f"slices along dim {self.dim}")
        norms = np.linalg.norm(np.moveaxis(importance * default_mask, dim, 0).reshape(
            importance.shape[dim], -1), ord=self.n, axis=1)
        drop = _smallest(np.where(alive, norms, np.inf), count)
        keep = np.expand_dims(~drop, others) if others else ~drop
        return default_mask * keep


# ---- applying a mask to a module ----------------------------------------------------------------
class _MaskedForward:
    """Stands in for a pruned module's forward: recomputes each pruned parameter as
    orig * mask, then runs the module's own forward (PyTorch does this in a pre-hook)."""

    def __init__(self, module):
        self.module = module
        self.names = []

    def apply_masks(self, detach=False):
        for name in self.names:
            weight = getattr(self.module, name + "_orig") * getattr(self.module, name + "_mask")
            object.__setattr__(self.module, name, weight.detach() if detach else weight)

    def __call__(self, *args, **kwargs):
        self.apply_masks()
        try:
            return type(self.module).forward(self.module, *args, **kwargs)
        finally:
            # between calls module.weight holds the values without the graph (the graph of
            # this call keeps what it needs), so that the module can be deep-copied
            self.apply_masks(detach=True)


def _pruned_names(module):
    forward = module.__dict__.get("forward")
    return forward.names if isinstance(forward, _MaskedForward) else []


def _masked_forward(module):
    forward = module.__dict__.get("forward")
    if not isinstance(forward, _MaskedForward):
        forward = _MaskedForward(module)
        object.__setattr__(module, "forward", forward)
    return forward


def _apply(module, name, method, importance_scores=None):
    """Prune ``module.name`` with ``method`` (an object with ``compute_mask``)."""
    forward = _masked_forward(module)
    if name in forward.names:  # pruned before: prune further among what is left
        orig = getattr(module, name + "_orig")
        default_mask = getattr(module, name + "_mask").numpy()
    else:
        orig = getattr(module, name, None)
        if not isinstance(orig, Parameter):
            raise ValueError(f"prune: {type(module).__name__} has no parameter {name!r}")
        default_mask = np.ones(orig.shape, dtype=orig.dtype)
    importance = orig.numpy() if importance_scores is None else np.asarray(importance_scores)
    if importance.shape != orig.shape:
        raise ValueError(f"prune: importance_scores have shape {importance.shape}, the "
                         f"parameter {name!r} has {orig.shape}")
    mask = method.compute_mask(importance, default_mask).astype(orig.dtype)
    _set_mask(module, name, orig, mask)
    return module


def _set_mask(module, name, orig, mask):
    forward = _masked_forward(module)
    if name not in forward.names:
        delattr(module, name)
        module.register_parameter(name + "_orig", orig)
        forward.names.append(name)
    object.__setattr__(module, name + "_mask", tensor(mask, device=orig.device))
    forward.apply_masks(detach=True)


# ---- the public functions -----------------------------------------------------------------------
def l1_unstructured(module, name, amount, importance_scores=None):
    """Zero the ``amount`` entries of ``module.name`` with the smallest |w|; returns module."""
    return _apply(module, name, L1Unstructured(amount), importance_scores)


def ln_structured(module, name, amount, n, dim, importance_scores=None):
    """Zero the ``amount`` slices along ``dim`` of ``module.name`` with the smallest Ln norm
    (n = 1, 2, float("inf")...); ``dim=0`` of a Linear's weight removes output neurons."""
    return _apply(module, name, LnStructured(amount, n, dim), importance_scores)


def global_unstructured(parameters, pruning_method=L1Unstructured, importance_scores=None,
                        **kwargs):
    """Prune the (module, name) pairs of ``parameters`` together: the ``amount`` entries of
    smallest |w| among all of them (only ``L1Unstructured`` is supported)."""
    if pruning_method is not L1Unstructured:
        raise ValueError("global_unstructured: only prune.L1Unstructured is supported")
    parameters = list(parameters)
    current, masks = [], []
    for module, name in parameters:
        pruned = name in _pruned_names(module)
        param = getattr(module, name + "_orig") if pruned else getattr(module, name)
        current.append(param)
        masks.append(getattr(module, name + "_mask").numpy() if pruned
                     else np.ones(param.shape, param.dtype))
    scores = [np.asarray((importance_scores or {}).get((m, n), p.numpy()))
              for (m, n), p in zip(parameters, current)]
    flat_scores = np.concatenate([s.reshape(-1) for s in scores])
    flat_masks = np.concatenate([m.reshape(-1) for m in masks])
    flat = L1Unstructured(**kwargs).compute_mask(flat_scores, flat_masks)
    start = 0
    for (module, name), param, mask in zip(parameters, current, masks):
        piece = flat[start:start + mask.size].reshape(mask.shape).astype(param.dtype)
        start += mask.size
        _set_mask(module, name, param, piece)


def heads_structured(attention, amount, n=1):
    """Prune whole heads of an nn.MultiheadAttention: the ``amount`` heads whose block of
    ``out_proj.weight`` columns has the smallest Ln norm, so that their outputs no longer reach
    the result. A minidl addition (PyTorch leaves head pruning to ln_structured on a reshape)."""
    out_proj, heads, head_dim = attention.out_proj, attention.num_heads, attention.head_dim
    pruned = "weight" in _pruned_names(out_proj)
    orig = out_proj.weight_orig if pruned else out_proj.weight
    mask = out_proj.weight_mask.numpy() if pruned else np.ones(orig.shape, orig.dtype)

    def per_head(columns):  # (out, heads * head_dim) -> (heads, out * head_dim)
        return columns.reshape(-1, heads, head_dim).transpose(1, 0, 2).reshape(heads, -1)

    head_mask = LnStructured(amount, n, dim=0).compute_mask(per_head(orig.numpy()),
                                                             per_head(mask))
    columns = head_mask.reshape(heads, -1, head_dim).transpose(1, 0, 2).reshape(orig.shape)
    _set_mask(out_proj, "weight", orig, columns.astype(orig.dtype))
    return attention


def remove(module, name):
    """Make the pruning of ``module.name`` permanent: a plain Parameter holding orig * mask."""
    if name not in _pruned_names(module):
        raise ValueError(f"prune.remove: parameter {name!r} of {type(module).__name__} is not "
                         "pruned")
    pruned = (getattr(module, name + "_orig") * getattr(module, name + "_mask")).numpy()
    orig = getattr(module, name + "_orig")
    delattr(module, name + "_orig")
    object.__delattr__(module, name + "_mask")
    object.__delattr__(module, name)
    forward = module.__dict__["forward"]
    forward.names.remove(name)
    if not forward.names:
        object.__delattr__(module, "forward")
    setattr(module, name, Parameter(tensor(pruned, device=orig.device),
                                    requires_grad=orig.requires_grad))
    return module


def is_pruned(module):
    """True when some parameter of ``module`` or of a submodule is pruned."""
    return any(_pruned_names(m) for m in module.modules())


def sparsity(tensor_or_module):
    """The fraction of zeros: in one tensor, or over every weight of a module. A minidl
    addition, handy for the accuracy-versus-sparsity curve."""
    if isinstance(tensor_or_module, Tensor):
        values = tensor_or_module.numpy()
        return float((values == 0).mean()) if values.size else 0.0
    weights = [getattr(m, "weight") for m in tensor_or_module.modules()
               if isinstance(getattr(m, "weight", None), Tensor)]
    total = sum(math.prod(w.shape) for w in weights)
    zeros = sum(int((w.numpy() == 0).sum()) for w in weights)
    return zeros / total if total else 0.0
