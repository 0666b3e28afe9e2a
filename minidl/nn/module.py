"""nn.Module: the base class of every layer and model.

A Module keeps its learnable Parameters and its sub-Modules in two ordered dicts, filled in
automatically by attribute assignment::

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = nn.Linear(64, 128)   # -> _modules["hidden"]
            self.out = nn.Linear(128, 10)      # -> _modules["out"]

        def forward(self, x):
            return self.out(self.hidden(x).relu())

From those dicts come ``named_parameters()`` ("hidden.weight", "hidden.bias", "out.weight"...,
the same names as PyTorch's), ``state_dict()``, ``train()``/``eval()``, ``zero_grad()`` and
``to(device)``. Calling the module (``model(x)``) runs ``forward``.
"""
from collections import OrderedDict, namedtuple

import numpy as np

from .. import dtypes
from ..backend import get_backend
from ..tensor import Tensor
from .parameter import Parameter

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Module:
    """Base class of layers and models: subclass it, assign layers in __init__, write forward."""

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            f"{type(self).__name__}: subclasses of Module must define forward"
        )

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ---- registration by attribute assignment ----------------------------------------------
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() call "
                f"(call super().__init__() first in {type(self).__name__}.__init__)"
            )
        if isinstance(value, Parameter):
            if name not in self._parameters:  # replacing one keeps its place, as in PyTorch
                self._forget(name)
            self._parameters[name] = value
        elif isinstance(value, Module):
            if name not in self._modules:  # (Sequential runs its children in this order)
                self._forget(name)
            self._modules[name] = value
        elif name in self._parameters:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as parameter {name!r} "
                    "(nn.Parameter or None expected)"
                )
            self._parameters[name] = None
        elif name in self._modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as child module {name!r} "
                    "(nn.Module or None expected)"
                )
            self._modules[name] = None
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        # Called only when normal lookup fails: look in the registries.
        for registry in ("_parameters", "_modules"):
            entries = self.__dict__.get(registry, {})
            if name in entries:
                return entries[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name):
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._modules:
            del self._modules[name]
        else:
            object.__delattr__(self, name)

    def _forget(self, name):
        """Remove ``name`` wherever it is registered, before registering it anew."""
        self.__dict__.pop(name, None)
        self._parameters.pop(name, None)
        self._modules.pop(name, None)

    def register_parameter(self, name, param):
        """Register ``param`` (a Parameter, or None for an absent one such as a disabled bias)."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"register_parameter: {name!r} must be an nn.Parameter or None, "
                f"got {type(param).__name__}"
            )
        self._forget(name)
        self._parameters[name] = param

    def add_module(self, name, module):
        """Register ``module`` as a child called ``name`` (the same as ``setattr``)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(
                f"add_module: {name!r} must be an nn.Module, got {type(module).__name__}"
            )
        self._forget(name)
        self._modules[name] = module

    # ---- walking the tree --------------------------------------------------------------------
    def named_children(self):
        """(name, module) for each direct child, in registration order."""
        for name, module in self._modules.items():
            if module is not None:
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def named_modules(self, prefix=""):
        """(qualified name, module) for this module ("") and every descendant, depth first;
        a module reachable by two paths is listed once."""
        seen = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [(f"{name}.{child}" if name else child, child_module)
                        for child, child_module in module.named_children()]
            stack.extend(reversed(children))  # popped in registration order

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_parameters(self, prefix="", recurse=True):
        """(qualified name, parameter), e.g. ("0.weight", ...); a shared one is listed once."""
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        seen = set()
        for module_name, module in modules:
            for name, param in module._parameters.items():
                if param is None or id(param) in seen:
                    continue
                seen.add(id(param))
                yield (f"{module_name}.{name}" if module_name else name), param

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    # ---- modes and gradients -----------------------------------------------------------------
    def train(self, mode=True):
        """Set training mode (dropout active) on this module and every descendant."""
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self):
        """Set evaluation mode: the same as ``train(False)``."""
        return self.train(False)

    def zero_grad(self, set_to_none=True):
        """Clear every parameter's gradient (to None, or to zeros with set_to_none=False)."""
        for param in self.parameters():
            if set_to_none:
                param.grad = None
            elif param.grad is not None:
                param.grad._data[...] = 0

    # ---- devices and dtypes ------------------------------------------------------------------
    def to(self, *args, dtype=None, device=None):
        """Move (``to("cuda")``) or cast (``to(dl.float64)``) every parameter, in place.

        Each Parameter object stays the same and only its data is replaced, so an optimizer
        built before the move keeps working on it.
        """
        for arg in args:
            if isinstance(arg, str):
                device = arg
            else:
                dtype = arg
        backend = get_backend(device) if device is not None else None
        dtype = dtypes.as_dtype(dtype) if dtype is not None else None
        for param in self.parameters():
            for tensor in (param, param.grad):
                if tensor is not None:
                    _move_in_place(tensor, backend, dtype)
        for _, buffer in self.named_buffers():  # an integer buffer (a count) keeps its dtype
            _move_in_place(buffer, backend, dtype if buffer.dtype.kind == "f" else None)
        return self

    def cpu(self):
        return self.to("cpu")

    def cuda(self):
        return self.to("cuda")

    def float(self):
        return self.to(dtypes.float32)

    def double(self):
        return self.to(dtypes.float64)

    # ---- buffers: state that is not learned (batch norm's running statistics) ----------------
    # A buffer is a plain Tensor attribute whose name is listed in ``_buffers`` (name ->
    # persistent), so that to() moves it and state_dict() saves it when persistent.
    def register_buffer(self, name, tensor, persistent=True):
        """Register ``tensor`` (a Tensor, or None) as the buffer ``name`` (PyTorch's signature)."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: {name!r} must be a Tensor or None, "
                            f"got {type(tensor).__name__}")
        if "_buffers" not in self.__dict__:
            object.__setattr__(self, "_buffers", OrderedDict())
        self._forget(name)
        self._buffers[name] = persistent
        object.__setattr__(self, name, tensor)

    def named_buffers(self, prefix="", recurse=True):
        """(qualified name, Tensor) for every buffer that is not None."""
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name in module.__dict__.get("_buffers", {}):
                buffer = getattr(module, name)
                if buffer is not None:
                    yield (f"{module_prefix}.{name}" if module_prefix else name), buffer

    def buffers(self, recurse=True):
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    # ---- saving and loading ------------------------------------------------------------------
    def state_dict(self, prefix=""):
        """An ordered dict of qualified name -> detached Tensor (sharing the parameter's data)."""
        state = OrderedDict()
        for name, param in self._parameters.items():
            if param is not None:
                state[prefix + name] = param.detach()
        for name, persistent in self.__dict__.get("_buffers", {}).items():
            buffer = getattr(self, name)
            if persistent and buffer is not None:
                state[prefix + name] = buffer.detach()
        for name, module in self.named_children():
            state.update(module.state_dict(prefix=f"{prefix}{name}."))
        return state

    def load_state_dict(self, state_dict, strict=True):
        """Copy the values of ``state_dict`` (Tensors or arrays) into the parameters.

        Every check runs before anything is copied: a shape mismatch always raises, and with
        ``strict=True`` so do missing and unexpected keys. Returns (missing_keys,
        unexpected_keys).
        """
        own = self.state_dict()
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        errors = []
        if strict and unexpected:
            errors.append("Unexpected key(s) in state_dict: " + _quoted(unexpected))
        if strict and missing:
            errors.append("Missing key(s) in state_dict: " + _quoted(missing))
        for key, target in own.items():
            shape = _shape(state_dict[key]) if key in state_dict else target.shape
            if shape != target.shape:
                errors.append(
                    f"size mismatch for {key}: copying a param with shape {shape} from "
                    f"checkpoint, the shape in current model is {target.shape}."
                )
        if errors:
            header = f"Error(s) in loading state_dict for {type(self).__name__}:"
            raise RuntimeError("\n\t".join([header] + errors))
        for key, target in own.items():
            if key in state_dict:
                value = state_dict[key]
                host = value.numpy() if isinstance(value, Tensor) else np.asarray(value)
                target._data[...] = target._backend.asarray(host, dtype=target.dtype)
        return IncompatibleKeys(missing, unexpected)

    # ---- display -----------------------------------------------------------------------------
    def extra_repr(self):
        """The text inside this module's parentheses, e.g. "in_features=2, out_features=3"."""
        return ""

    def __repr__(self):
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        lines += [f"({name}): " + repr(module).replace("\n", "\n  ")
                  for name, module in self._modules.items()]
        if not self._modules and len(lines) <= 1:
            return f"{type(self).__name__}({extra})"
        return type(self).__name__ + "(\n  " + "\n  ".join(lines) + "\n)"


def _quoted(keys):
    return ", ".join(f'"{key}"' for key in keys)


def _shape(value):
    """The shape of a Tensor, an array or a nested list, as a tuple."""
    return tuple(value.shape) if hasattr(value, "shape") else np.shape(value)


def _move_in_place(tensor, backend, dtype):
    """Replace ``tensor``'s data by a copy on ``backend`` and/or of ``dtype`` (None: unchanged)."""
    data = tensor._data
    if backend is not None and backend is not tensor._backend:
        data = backend.asarray(tensor._backend.to_host(data))
        tensor._backend = backend
    if dtype is not None and data.dtype != dtype:
        data = data.astype(dtype)
    tensor._data = data
