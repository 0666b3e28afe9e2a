"""Containers: Sequential (modules applied one after another) and ModuleList (a list whose
modules are registered, so their parameters are found). Children are named "0", "1"...,
so parameters are named "0.weight", "0.bias"... as in PyTorch."""
from collections import OrderedDict

from .module import Module


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

    def __init__(self, modules=()):
        super().__init__()
        for module in modules:
            self.append(module)

    def _slice(self, index):
        return ModuleList(self._as_list()[index])

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self
