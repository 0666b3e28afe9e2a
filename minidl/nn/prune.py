"""nn.utils.prune: magnitude pruning, as PyTorch's torch.nn.utils.prune.

Pruning sets chosen weights to zero and keeps them there. As in PyTorch, pruning a module's
parameter ``name`` (say "weight")

- moves the Parameter to ``weight_orig`` (the same object, so an optimizer built before keeps
  training it),
- registers a 0/1 buffer ``weight_mask`` of the same shape (so the state_dict holds
  "weight_orig" and "weight_mask", PyTorch's keys: checkpoints load across),
- sets the plain attribute ``module.weight = weight_orig * weight_mask`` and registers a
  forward pre-hook (the pruning method itself) that recomputes it before every forward: a
  product, so the pruned entries get zero gradient and stay zero through fine-tuning.

``remove(module, name)`` makes it permanent: ``weight`` becomes a Parameter again (the
``weight_orig`` object, now holding the pruned values), and ``weight_orig``, ``weight_mask`` and
the hook go away. Pruning the same parameter again prunes among the entries still unpruned: the
hook becomes a ``PruningContainer`` that remembers every method applied, and the new mask is
the old one with more zeros.

Which entries go:
- ``l1_unstructured``: the ``amount`` entries of smallest |w| in this tensor;
- ``global_unstructured``: the ``amount`` entries of smallest |w| over several tensors together
  (layers with small weights lose more);
- ``ln_structured``: whole slices along ``dim`` with the smallest L``n`` norm, e.g. ``dim=0``
  of a Linear's weight removes output neurons (their rows). For attention heads, prune the
  columns of ``out_proj.weight`` (dim=1) head by head with ``heads_structured``.

``amount`` is a fraction in [0, 1] or a number of entries/slices.

Copies: as in PyTorch, ``module.weight`` holds the product with its graph (outside
``no_grad``), and ``copy.deepcopy`` refuses a non-leaf tensor, so a pruned model cannot be
deep-copied right after pruning or after a forward with gradients. Deep-copy before pruning,
after a forward under ``no_grad()``, or after ``remove``.
"""
import math

import numpy as np

from ..autograd import no_grad
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


# ---- pruning methods: how a mask is chosen, and the hook that applies it ------------------------
class BasePruningMethod:
    """A pruning rule (``compute_mask``) that is also the forward pre-hook applying its mask.

    ``compute_mask(importance, default_mask)`` takes NumPy arrays: the scores of the entries and
    the current 0/1 mask, and returns the new mask, zero wherever ``default_mask`` is zero.
    """

    _tensor_name = None  # the pruned parameter's name, set by apply

    def compute_mask(self, importance, default_mask):
        raise NotImplementedError(f"{type(self).__name__} must define compute_mask")

    def apply_mask(self, module):
        """orig * mask: the pruned tensor, differentiable with respect to orig."""
        orig = getattr(module, self._tensor_name + "_orig")
        return orig * getattr(module, self._tensor_name + "_mask")

    def __call__(self, module, inputs):
        """The forward pre-hook: recompute the pruned tensor from orig and mask."""
        setattr(module, self._tensor_name, self.apply_mask(module))

    @classmethod
    def apply(cls, module, name, *args, importance_scores=None, **kwargs):
        """Prune ``module.name`` with ``cls(*args, **kwargs)``; returns the hook."""
        return _prune(module, name, cls(*args, **kwargs), importance_scores)

    def remove(self, module):
        """Make the pruning permanent: the Parameter ``name`` holds orig * mask."""
        name = self._tensor_name
        orig = module._parameters[name + "_orig"]
        with no_grad():
            orig.data = self.apply_mask(module)
        object.__delattr__(module, name)
        del module._parameters[name + "_orig"]
        del module._buffers[name + "_mask"]
        setattr(module, name, orig)


class PruningContainer(BasePruningMethod):
    """The hook of a parameter pruned several times: the methods applied, oldest first. Each
    new method prunes among the entries its predecessors left (its ``compute_mask`` gets their
    mask as ``default_mask``)."""

    def __init__(self, *methods):
        self._pruning_methods = ()
        for method in methods:
            self.add_pruning_method(method)

    def add_pruning_method(self, method):
        if not isinstance(method, BasePruningMethod):
            raise TypeError(f"PruningContainer: {type(method).__name__} is not a pruning method")
        if self._tensor_name is None:
            self._tensor_name = method._tensor_name
        elif method._tensor_name != self._tensor_name:
            raise ValueError(f"PruningContainer: can only add methods pruning "
                             f"{self._tensor_name!r}, got one pruning {method._tensor_name!r}")
        self._pruning_methods += (method,)

    def __len__(self):
        return len(self._pruning_methods)

    def __iter__(self):
        return iter(self._pruning_methods)

    def __getitem__(self, index):
        return self._pruning_methods[index]

    def compute_mask(self, importance, default_mask):
        return self._pruning_methods[-1].compute_mask(importance, default_mask)


class L1Unstructured(BasePruningMethod):
    """Prune the ``amount`` unpruned entries of smallest absolute value."""

    def __init__(self, amount):
        self.amount = amount

    def compute_mask(self, importance, default_mask):
        alive = default_mask.astype(bool)
        count = _count(self.amount, int(alive.sum()), "unpruned entries")
        scores = np.where(alive, np.abs(importance), np.inf)  # already pruned: never picked
        return default_mask * ~_smallest(scores, count)


class LnStructured(BasePruningMethod):
    """Prune the ``amount`` unpruned slices along ``dim`` of smallest Ln norm."""

    def __init__(self, amount, n, dim=-1):
        self.amount, self.n, self.dim = amount, n, dim

    def compute_mask(self, importance, default_mask):
        dim = self.dim % importance.ndim
        others = tuple(d for d in range(importance.ndim) if d != dim)
        alive = default_mask.any(axis=others) if others else default_mask.astype(bool)
        count = _count(self.amount, int(alive.sum()), f"slices along dim {self.dim}")
        norms = np.linalg.norm(np.moveaxis(importance, dim, 0).reshape(
            importance.shape[dim], -1), ord=self.n, axis=1)
        drop = _smallest(np.where(alive, norms, np.inf), count)
        keep = np.expand_dims(~drop, others) if others else ~drop
        return default_mask * keep


class CustomFromMask(BasePruningMethod):
    """Prune where the given 0/1 ``mask`` is zero."""

    def __init__(self, mask):
        self.mask = mask

    def compute_mask(self, importance, default_mask):
        return default_mask * np.asarray(self.mask, dtype=default_mask.dtype)


# ---- attaching a method to a module -------------------------------------------------------------
def _pruning_hooks(module):
    """{hook id: method} for the pruning methods among ``module``'s forward pre-hooks."""
    hooks = module.__dict__.get("_hooks")
    if hooks is None:
        return {}
    return {key: hook for key, hook in hooks.forward_pre.items()
            if isinstance(hook, BasePruningMethod)}


def _find(module, name):
    """(hook id, method) of the pruning of ``module.name``, or (None, None)."""
    for key, method in _pruning_hooks(module).items():
        if method._tensor_name == name:
            return key, method
    return None, None


def _current(module, name):
    """(orig Parameter, current 0/1 mask as an array) of ``module.name``, pruned or not."""
    _, method = _find(module, name)
    if method is not None:
        return getattr(module, name + "_orig"), getattr(module, name + "_mask").numpy()
    orig = module._parameters.get(name)
    if not isinstance(orig, Parameter):
        raise ValueError(f"prune: {type(module).__name__} has no parameter {name!r}")
    return orig, np.ones(orig.shape, dtype=orig.dtype)


def _prune(module, name, method, importance_scores=None):
    """Prune ``module.name`` with ``method``, combined with any earlier pruning; returns the
    hook now in charge (``method``, or a PruningContainer holding it)."""
    orig, default_mask = _current(module, name)
    if importance_scores is None:  # the weight as it is now, pruned entries at zero
        importance = orig.numpy() * default_mask
    else:
        importance = np.asarray(importance_scores.numpy() if isinstance(importance_scores, Tensor)
                                else importance_scores)
    if importance.shape != orig.shape:
        raise ValueError(f"prune: importance_scores have shape {importance.shape}, the "
                         f"parameter {name!r} has {orig.shape}")
    method._tensor_name = name
    key, old = _find(module, name)
    if old is None:
        hook = method
    else:  # pruned before: the methods so far and this one, in one container
        hook = old if isinstance(old, PruningContainer) else PruningContainer(old)
        hook.add_pruning_method(method)
    mask = hook.compute_mask(importance, default_mask).astype(orig.dtype)
    if old is None:
        del module._parameters[name]
        module.register_parameter(name + "_orig", orig)
    else:
        module.__dict__["_hooks"].forward_pre.pop(key)
    module.register_buffer(name + "_mask", tensor(mask, device=orig.device))
    hook(module, ())
    module.register_forward_pre_hook(hook)
    return hook


# ---- the public functions -----------------------------------------------------------------------
def l1_unstructured(module, name, amount, importance_scores=None):
    """Zero the ``amount`` entries of ``module.name`` with the smallest |w|; returns module."""
    L1Unstructured.apply(module, name, amount, importance_scores=importance_scores)
    return module


def ln_structured(module, name, amount, n, dim, importance_scores=None):
    """Zero the ``amount`` slices along ``dim`` of ``module.name`` with the smallest Ln norm
    (n = 1, 2, float("inf")...); ``dim=0`` of a Linear's weight removes output neurons."""
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def custom_from_mask(module, name, mask):
    """Zero the entries of ``module.name`` where ``mask`` (0/1, its shape) is zero."""
    mask = mask.numpy() if isinstance(mask, Tensor) else mask
    CustomFromMask.apply(module, name, mask)
    return module


def global_unstructured(parameters, pruning_method=L1Unstructured, importance_scores=None,
                        **kwargs):
    """Prune the (module, name) pairs of ``parameters`` together: the ``amount`` entries of
    smallest |w| among all of them (only ``L1Unstructured`` is supported)."""
    if pruning_method is not L1Unstructured:
        raise ValueError("global_unstructured: only prune.L1Unstructured is supported")
    parameters = list(parameters)
    scores, masks = [], []
    for module, name in parameters:
        orig, mask = _current(module, name)
        given = (importance_scores or {}).get((module, name))
        scores.append(orig.numpy() * mask if given is None else np.asarray(
            given.numpy() if isinstance(given, Tensor) else given))
        masks.append(mask)
    flat_scores = np.concatenate([s.reshape(-1) for s in scores])
    flat_masks = np.concatenate([m.reshape(-1) for m in masks])
    flat = L1Unstructured(**kwargs).compute_mask(flat_scores, flat_masks)
    start = 0
    for (module, name), mask in zip(parameters, masks):
        custom_from_mask(module, name, flat[start:start + mask.size].reshape(mask.shape))
        start += mask.size


def heads_structured(attention, amount, n=1):
    """Prune whole heads of an nn.MultiheadAttention: the ``amount`` heads whose block of
    ``out_proj.weight`` columns has the smallest Ln norm, so that their outputs no longer reach
    the result. A minidl addition (PyTorch leaves head pruning to ln_structured on a reshape)."""
    out_proj, heads, head_dim = attention.out_proj, attention.num_heads, attention.head_dim
    orig, mask = _current(out_proj, "weight")

    def per_head(columns):  # (out, heads * head_dim) -> (heads, out * head_dim)
        return columns.reshape(-1, heads, head_dim).transpose(1, 0, 2).reshape(heads, -1)

    head_mask = LnStructured(amount, n, dim=0).compute_mask(per_head(orig.numpy() * mask),
                                                             per_head(mask))
    columns = head_mask.reshape(heads, -1, head_dim).transpose(1, 0, 2).reshape(orig.shape)
    custom_from_mask(out_proj, "weight", columns)
    return attention


def remove(module, name):
    """Make the pruning of ``module.name`` permanent: the Parameter ``name`` holds orig * mask,
    and ``name_orig``, ``name_mask`` and the hook are gone."""
    key, method = _find(module, name)
    if method is None:
        raise ValueError(f"prune.remove: parameter {name!r} of {type(module).__name__} is not "
                         "pruned")
    method.remove(module)
    module.__dict__["_hooks"].forward_pre.pop(key)
    return module


def is_pruned(module):
    """True when some parameter of ``module`` or of a submodule is pruned (has a pruning
    forward pre-hook)."""
    return any(_pruning_hooks(m) for m in module.modules())


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
