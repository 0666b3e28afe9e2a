"""Containers: Sequential (modules applied one after another), ModuleList (a list whose
modules are registered, so their parameters are found), ModuleDict, ParameterList and
ParameterDict. Children of the lists are named "0", "1"...,
so parameters are named "0.weight", "0.bias"... as in PyTorch."""
from collections import OrderedDict

from .module import Module
from .parameter import Parameter


class _IndexedModules(Module):
    """What Sequential and ModuleList share: children "0", "1"... with indexing and len."""

    def _as_list(self):
        return list(self._modules.values())

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._as_list())

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._slice(index)
        if not -len(self) <= index < len(self):
            raise IndexError(
                f"{type(self).__name__}: index {index} is out of range for {len(self)} modules"
            )
        return self._as_list()[index]

    def append(self, module):
        """Add ``module`` at the end (named by its position)."""
        self.add_module(str(len(self)), module)
        return self


class Sequential(_IndexedModules):
    """``Sequential(a, b, c)(x) == c(b(a(x)))``; also ``Sequential(OrderedDict(name=module))``."""

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for module in modules:
                self.append(module)

    def _slice(self, index):
        """A Sequential of the selected modules, keeping their names (as PyTorch's)."""
        return Sequential(OrderedDict(list(self._modules.items())[index]))

    def forward(self, input):  # noqa: A002 (PyTorch's argument name)
        for module in self:
            input = module(input)
        return input


class ModuleList(_IndexedModules):
    """A list of modules (iterate over it in your own forward): ``ModuleList([a, b])``."""

    def __init__(self, modules=None):
        super().__init__()
        for module in modules or ():
            self.append(module)

    def _slice(self, index):
        return ModuleList(self._as_list()[index])

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def __repr__(self):
        """As PyTorch prints it: a run of identical modules once, as "(0-5): 6 x Block(...)"."""
        if not len(self):
            return "ModuleList()"
        runs = []  # [first index, last index, repr]
        for index, module in enumerate(self):
            text = repr(module)
            if runs and runs[-1][2] == text:
                runs[-1][1] = index
            else:
                runs.append([index, index, text])
        lines = [(f"({first}): " if first == last else f"({first}-{last}): {last - first + 1} x ")
                 + text.replace("\n", "\n  ") for first, last, text in runs]
        return "ModuleList(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """A dict of modules, registered under their keys: ``ModuleDict(dict(wte=..., h=...))``;
    parameters are named "wte.weight"... Keys keep their insertion order."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def pop(self, key):
        module = self._modules[key]
        del self[key]
        return module

    def clear(self):
        self._modules.clear()

    def update(self, modules):
        """Add the (key, module) pairs of a mapping or of an iterable of pairs."""
        pairs = modules.items() if hasattr(modules, "items") else modules
        for key, module in pairs:
            self[key] = module


class ParameterList(Module):
    """A list of Parameters, registered as "0", "1"... (plain Tensors are wrapped into
    Parameters, as PyTorch does)."""

    def __init__(self, values=None):
        super().__init__()
        for value in values or ():
            self.append(value)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return ParameterList(list(self)[index])
        if not -len(self) <= index < len(self):
            raise IndexError(f"ParameterList: index {index} is out of range for {len(self)}")
        return self._parameters[str(index % len(self))]

    def __setitem__(self, index, value):
        if not -len(self) <= index < len(self):
            raise IndexError(f"ParameterList: index {index} is out of range for {len(self)}")
        self.register_parameter(str(index % len(self)), _as_parameter(value))

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters.values())

    def append(self, value):
        self.register_parameter(str(len(self)), _as_parameter(value))
        return self

    def extend(self, values):
        for value in values:
            self.append(value)
        return self

    def extra_repr(self):
        return "\n".join(f"({i}): {_parameter_summary(p)}" for i, p in enumerate(self))


class ParameterDict(Module):
    """A dict of Parameters, registered under their keys."""

    def __init__(self, parameters=None):
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key):
        return self._parameters[key]

    def __setitem__(self, key, value):
        self.register_parameter(key, _as_parameter(value))

    def __delitem__(self, key):
        del self._parameters[key]

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters)

    def __contains__(self, key):
        return key in self._parameters

    def keys(self):
        return self._parameters.keys()

    def values(self):
        return self._parameters.values()

    def items(self):
        return self._parameters.items()

    def pop(self, key):
        value = self._parameters[key]
        del self[key]
        return value

    def update(self, parameters):
        pairs = parameters.items() if hasattr(parameters, "items") else parameters
        for key, value in pairs:
            self[key] = value

    def extra_repr(self):
        return "\n".join(f"({key}): {_parameter_summary(p)}" for key, p in self.items())


def _as_parameter(value):
    return value if isinstance(value, Parameter) or value is None else Parameter(value)


def _parameter_summary(param):
    """PyTorch's one-line description: "Parameter containing: [torch.float32 of size 2x3]"."""
    size = "x".join(str(n) for n in param.shape)
    return f"Parameter containing: [minidl.{param.dtype} of size {size}]"
