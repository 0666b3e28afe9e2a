"""Exercise module_parameters: how a Module finds its parameters, and how freezing works.

``model.parameters()`` is what you hand to an optimizer; ``model.named_parameters()`` gives the
names that ``state_dict()`` uses ("encoder.layers.1.linear1.weight"). Neither is magic: every
Module keeps two ordered dicts, filled by ``__setattr__`` as ``__init__`` assigns attributes:

    self._parameters   name -> Parameter      (self.weight = Parameter(...))
    self._modules      name -> child Module   (self.encoder = Encoder(...))

The ``Module`` below is a tiny version of minidl/nn/module.py with that bookkeeping done for
you. Implement

- ``Module.named_parameters(prefix="")``: yield (name, parameter) pairs: first this module's
  own parameters, named ``prefix + name``, then, in order, each child's, with the prefix
  ``prefix + child_name + "."``. A parameter shared by two modules (the same object) is yielded
  once, under the first name met (PyTorch does the same; the optimizer must not step it twice).
- ``freeze(module)``: make every parameter of ``module`` stop requiring grad
  (``p.requires_grad_(False)``) and return how many tensors were frozen. Fine-tuning with a
  frozen encoder trains only the parameters that still require grad.

Check with:  python -m minidl.exercises check module_parameters
"""
import minidl as dl


class Parameter(dl.Tensor):
    """A tensor that a Module registers as trainable (requires grad by default)."""

    def __init__(self, data, requires_grad=True):
        super().__init__(data, requires_grad=requires_grad)


class Module:
    def __init__(self):
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})

    def __setattr__(self, name, value):
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        object.__setattr__(self, name, value)

    def named_parameters(self, prefix=""):
        """Yield (dotted name, parameter) for this module and every module below it, once each."""
        # BEGIN SOLUTION Module.named_parameters (walk _parameters, then each child in _modules)
        seen = set()
        stack = [(prefix, self)]
        while stack:
            module_prefix, module = stack.pop()
            for name, parameter in module._parameters.items():
                if id(parameter) not in seen:
                    seen.add(id(parameter))
                    yield module_prefix + name, parameter
            children = list(module._modules.items())
            for child_name, child in reversed(children):  # reversed: the stack pops the first
                stack.append((f"{module_prefix}{child_name}.", child))
        # END SOLUTION

    def parameters(self):
        for _, parameter in self.named_parameters():
            yield parameter


def freeze(module):
    """Stop every parameter of ``module`` from requiring grad; return how many were frozen."""
    # BEGIN SOLUTION freeze(module)
    count = 0
    for parameter in module.parameters():
        parameter.requires_grad_(False)
        count += 1
    return count
    # END SOLUTION
