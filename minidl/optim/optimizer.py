"""The Optimizer base class: parameter groups, per-parameter state, saving and loading.

An optimizer holds ``param_groups``, a list of dicts, each with its "params" and its own
hyper-parameters (so one model can use two learning rates)::

    optim.SGD([{"params": model.body.parameters()},
               {"params": model.head.parameters(), "lr": 1e-2}], lr=1e-3, momentum=0.9)

Options missing from a group take the constructor's values (``defaults``). ``state[param]``
holds what an optimizer remembers between steps (momentum buffers, Adam's moments).
``step()`` updates, in place, every parameter that requires grad and has a gradient, by
calling the optimizer kernel of the parameters' device (one call per list of parameters).
"""
from collections import defaultdict

import numpy as np

from .. import enable_grad
from ..autograd import bump_version
from ..tensor import Tensor


class Optimizer:
    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = {}
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError(
                f"{type(self).__name__}: params should be an iterable of Tensors or dicts, got a "
                "Tensor (pass model.parameters(), or [tensor])"
            )
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        """Add a group of parameters; options it leaves out take the defaults."""
        group = dict(param_group)
        params = group["params"]
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        known = {id(p) for g in self.param_groups for p in g["params"]}
        for param in group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError(f"{type(self).__name__}: can only optimize Tensors, got "
                                f"{type(param).__name__}")
            if not param.is_leaf:
                raise ValueError(f"{type(self).__name__}: can't optimize a non-leaf Tensor")
            if id(param) in known:
                raise ValueError(f"{type(self).__name__}: some parameters appear in more than "
                                 "one parameter group")
            known.add(id(param))
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        self.param_groups.append(group)

    def zero_grad(self, set_to_none=True):
        """Clear the gradients of every parameter (to None, or to zeros)."""
        for group in self.param_groups:
            for param in group["params"]:
                if set_to_none:
                    param.grad = None
                elif param.grad is not None:
                    param.grad._data[...] = 0

    def step(self, closure=None):
        """One update of every parameter with a gradient; ``closure`` (optional) recomputes and
        returns the loss first."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = [p for p in group["params"] if p.requires_grad and p.grad is not None]
            for param in params:
                self._check_update_inputs(param)
            self._update_group(group, params)
            for param in params:
                bump_version(param)  # an in-place write: a graph that saved it must refuse it
        return loss

    def _check_update_inputs(self, param):
        """The optimizer kernels trust their inputs: a gradient or state tensor must match its
        parameter's shape, dtype and device before it reaches one (a wrong size would make an
        in-place kernel read or write out of bounds). This runs for every parameter at every
        step, so it compares the arrays' own attributes, not the Tensor properties."""
        tensors = [("gradient", param.grad)] + [
            (f"state '{name}'", value) for name, value in self.state.get(param, {}).items()
            if isinstance(value, Tensor)]
        data = param._data
        for role, tensor in tensors:
            other = tensor._data
            if (other.shape != data.shape or other.dtype != data.dtype
                    or tensor._backend is not param._backend):
                raise RuntimeError(
                    f"{type(self).__name__}.step: the {role} of a parameter of shape "
                    f"{param.shape} ({param.dtype}, {param.device}) has shape {tensor.shape} "
                    f"({tensor.dtype}, {tensor.device})")

    def _update_group(self, group, params):
        """Update ``params`` (those of ``group`` with a gradient) in place."""
        raise NotImplementedError

    @staticmethod
    def _batches(params, key):
        """Split ``params`` into lists that one kernel call can take: same backend (device)
        and same ``key(param)``. Returns {(backend, key): [params]}."""
        batches = defaultdict(list)
        for param in params:
            batches[param._backend, key(param)].append(param)
        return batches

    # ---- saving and loading, in PyTorch's layout ---------------------------------------------
    def state_dict(self):
        """{"state": {index: {name: value}}, "param_groups": [{options..., "params": [index]}]},
        parameters numbered in order across the groups (so the dict holds no Tensors as keys)."""
        index_of, groups = {}, []
        for group in self.param_groups:
            indices = []
            for param in group["params"]:
                index_of.setdefault(id(param), len(index_of))
                indices.append(index_of[id(param)])
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": indices})
        state = {index_of[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index_of}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore options and state saved by ``state_dict`` (for the same parameters, in the
        same order). State arrays are copied onto each parameter's device."""
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: loaded state dict has "
                f"{len(saved_groups)} parameter group(s), the optimizer has "
                f"{len(self.param_groups)}"
            )
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict: loaded state dict contains a "
                    "parameter group that doesn't match the size of optimizer's group (group "
                    f"{i}: {len(saved['params'])} parameter(s) saved, "
                    f"{len(group['params'])} in the optimizer)"
                )
        param_of = {}
        for saved, group in zip(saved_groups, self.param_groups):
            param_of.update(zip((int(index) for index in saved["params"]), group["params"]))
        state = {}
        for index, saved_state in state_dict["state"].items():
            if int(index) not in param_of:
                raise ValueError(f"{type(self).__name__}.load_state_dict: the loaded state "
                                 f"belongs to parameter {index}, which no group lists")
            param = param_of[int(index)]
            state[param] = {name: _onto(value, param) for name, value in saved_state.items()}
            _check_state_shapes(type(self).__name__, index, param, state[param])
        for saved, group in zip(saved_groups, self.param_groups):
            group.update({k: v for k, v in saved.items() if k != "params"})
        self.state = state


def _check_state_shapes(optimizer_name, index, param, param_state):
    """Each saved state tensor (momentum buffer, moments) has its parameter's shape."""
    for name, value in param_state.items():
        if isinstance(value, Tensor) and value.shape != param.shape:
            raise ValueError(
                f"{optimizer_name}.load_state_dict: state '{name}' of parameter {index} has "
                f"shape {value.shape}, the parameter has shape {param.shape} (a state dict of "
                "a differently shaped model?)")


def _onto(value, param):
    """A saved state value for ``param``: arrays and Tensors become new Tensors on its device
    (floating ones in its dtype); numbers stay numbers."""
    if not isinstance(value, (Tensor, np.ndarray)):
        return value
    host = value.numpy() if isinstance(value, Tensor) else value
    dtype = param.dtype if host.dtype.kind == "f" else host.dtype
    array = param._backend.xp.array(host, dtype=dtype, copy=True)
    return Tensor._make(array, param._backend)
