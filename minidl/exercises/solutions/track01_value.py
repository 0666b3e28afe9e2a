"""Track step 1: a scalar Value that remembers how it was made.

You are building your own small autograd framework, one step per file, in this folder; later
steps import the earlier ones (``from track01_value import Value``). Here is the first brick,
a number that records the graph (micrograd's idea, written from scratch):

- ``data``: the number; ``grad``: d(final result)/d(this value), 0.0 until backward fills it;
- ``_prev``: the Values this one was computed from; ``_op``: a label for drawings;
- ``_backward``: a function with no arguments that, once ``out.grad`` is known, adds this op's
  share of it to the inputs' ``grad`` (the chain rule, one op at a time).

For every op below, work out the local derivative d(out)/d(input) on paper (for ``a * b``, how
much does ``out`` change per unit change of ``a``?), then let ``_backward`` add
``local derivative * out.grad`` to each input's grad. Add with ``+=``, never ``=``: a Value
used twice (``a * a``) receives a share from each use. Return the new Value.

Check with:  python -m minidl.exercises check track01_value
"""
import math


class Value:
    """A scalar in a computation graph."""

    def __init__(self, data, _prev=(), _op=""):
        self.data = float(data)
        self.grad = 0.0
        self._prev = tuple(_prev)
        self._op = _op
        self._backward = lambda: None

    def __repr__(self):
        return f"Value(data={self.data:.4g}, grad={self.grad:.4g})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")
        # BEGIN SOLUTION the backward of a + b (what does each input's grad gain?)
        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        # END SOLUTION
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")
        # BEGIN SOLUTION the backward of a * b
        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        # END SOLUTION
        return out

    def __pow__(self, exponent):
        """``self ** exponent`` for a plain number ``exponent`` (not a Value)."""
        out = Value(self.data**exponent, (self,), f"**{exponent}")
        # BEGIN SOLUTION the backward of a ** k, for a constant k
        def _backward():
            self.grad += exponent * self.data ** (exponent - 1) * out.grad
        out._backward = _backward
        # END SOLUTION
        return out

    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")
        # BEGIN SOLUTION the backward of exp(a) (you may reuse out.data)
        def _backward():
            self.grad += out.data * out.grad
        out._backward = _backward
        # END SOLUTION
        return out

    def tanh(self):
        out = Value(math.tanh(self.data), (self,), "tanh")
        # BEGIN SOLUTION the backward of tanh(a), written with out.data
        def _backward():
            self.grad += (1 - out.data**2) * out.grad
        out._backward = _backward
        # END SOLUTION
        return out

    def relu(self):
        out = Value(max(self.data, 0.0), (self,), "relu")
        # BEGIN SOLUTION the backward of relu(a) (take the derivative at 0 to be 0)
        def _backward():
            self.grad += (self.data > 0) * out.grad
        out._backward = _backward
        # END SOLUTION
        return out

    # The rest follow from the ops above: no new derivatives to work out.
    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __truediv__(self, other):
        return self * (other if isinstance(other, Value) else Value(other)) ** -1

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return Value(other) - self

    def __rtruediv__(self, other):
        return Value(other) / self
