"""Track step 8: Module, Linear and Sequential, so that a network knows its parameters.

An optimizer needs every parameter of a network, however deeply it is nested. PyTorch's
answer, and yours: a ``Module`` base class whose ``parameters()`` looks through the object's
attributes (``vars(self)``) and collects every Tensor it finds, every Tensor of every Module
it finds (by asking that Module), and the same inside lists. Return each parameter once.

- ``Module.parameters()``: as above; ``Module.zero_grad()``: every parameter's grad to zeros;
  ``Module.__call__`` calls ``forward``.
- ``Linear(in_features, out_features, rng)``: ``weight`` (out, in) and ``bias`` (out,), as in
  PyTorch, both drawn uniformly from [-k, k] with ``rng.uniform``; PyTorch takes
  k = 1/sqrt(in_features), so that the outputs start with about the inputs' scale. Forward is
  x W^T + b, made of your ``matmul`` and ``+`` and the ``transpose`` op given below (its
  backward transposes the gradient back).
- ``ReLU`` (a Module around your relu) and ``Sequential(*modules)`` (calls them in order).

Check with:  python -m minidl.exercises check track08_module
"""
import numpy as np

from track04_tensor import Tensor
from track05_matmul import matmul
from track07_functional import relu


def transpose(a):
    """a.T for a 2-D Tensor; its gradient is the upstream gradient transposed back."""
    out = Tensor(a.data.T, (a,), "T")

    def _backward():
        a.grad += out.grad.T
    out._backward = _backward
    return out


class Module:
    def parameters(self):
        """Every Tensor in this module's attributes, its sub-modules' and lists', once each."""
        found = []
        # BEGIN SOLUTION Module.parameters: walk vars(self), sub-modules and lists
        def collect(value):
            if isinstance(value, Tensor):
                if all(value is not p for p in found):
                    found.append(value)
            elif isinstance(value, Module):
                for p in value.parameters():
                    collect(p)
            elif isinstance(value, (list, tuple)):
                for item in value:
                    collect(item)
        for value in vars(self).values():
            collect(value)
        # END SOLUTION
        return found

    def zero_grad(self):
        # BEGIN SOLUTION Module.zero_grad
        for p in self.parameters():
            p.grad = np.zeros_like(p.data)
        # END SOLUTION

    def __call__(self, *args):
        return self.forward(*args)

    def forward(self, *args):
        raise NotImplementedError(f"{type(self).__name__} must define forward")


class Linear(Module):
    def __init__(self, in_features, out_features, rng):
        # BEGIN SOLUTION Linear.__init__: weight (out, in) and bias (out,), uniform in [-k, k]
        bound = 1 / np.sqrt(in_features)
        self.weight = Tensor(rng.uniform(-bound, bound, (out_features, in_features)))
        self.bias = Tensor(rng.uniform(-bound, bound, out_features))
        # END SOLUTION

    def forward(self, x):
        # BEGIN SOLUTION Linear.forward: x W^T + b
        return matmul(x, transpose(self.weight)) + self.bias
        # END SOLUTION


class ReLU(Module):
    def forward(self, x):
        return relu(x)


class Sequential(Module):
    def __init__(self, *modules):
        self.modules = list(modules)

    def forward(self, x):
        # BEGIN SOLUTION Sequential.forward
        for module in self.modules:
            x = module(x)
        return x
        # END SOLUTION
