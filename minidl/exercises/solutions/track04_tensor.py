"""Track step 4: a Tensor, and the gradient of broadcasting.

Scalars are too slow for real networks: one Python object per number. A Tensor holds a whole
NumPy array in ``data`` (float64) and its gradient, an array of the same shape, in ``grad``
(zeros to start). The graph works exactly as for Values (``_prev``, ``_backward``), so your
``backward`` of step 2 drives it unchanged.

The new problem is broadcasting. ``a + b`` with ``a`` of shape (3, 1) and ``b`` of shape (4,)
gives a (3, 4) result: NumPy stretched ``a`` along axis 1 and ``b`` along a new axis 0. Each
element of ``a`` was *used* 4 times, so its gradient gathers 4 contributions. Write
``unbroadcast(grad, shape)``, which turns the gradient of the result back into the gradient
of an input of ``shape``: which axes must be summed over, and which must be kept with size
1? (Compare the two shapes, aligned on the right.)

Then finish ``__add__`` and ``__mul__`` with it. ``__neg__``, ``__sub__`` and the reflected
operators are given (they reuse add and mul).

Check with:  python -m minidl.exercises check track04_tensor
"""
import numpy as np


def unbroadcast(grad, shape):
    """Sum ``grad`` (the shape of a broadcast result) back to an input's ``shape``."""
    # BEGIN SOLUTION unbroadcast(grad, shape): sum the added and the stretched axes
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad
    # END SOLUTION


class Tensor:
    """An array in a computation graph."""

    def __init__(self, data, _prev=(), _op=""):
        self.data = np.array(data, dtype=np.float64)
        self.grad = np.zeros_like(self.data)
        self._prev = tuple(_prev)
        self._op = _op
        self._backward = lambda: None

    @property
    def shape(self):
        return self.data.shape

    def __repr__(self):
        return f"Tensor(shape={self.shape}, data={np.array2string(self.data, precision=4)})"

    def __add__(self, other):
        other = other if isinstance(other, Tensor) else Tensor(other)
        out = Tensor(self.data + other.data, (self, other), "+")
        # BEGIN SOLUTION the backward of a + b, with broadcasting
        def _backward():
            self.grad += unbroadcast(out.grad, self.shape)
            other.grad += unbroadcast(out.grad, other.shape)
        out._backward = _backward
        # END SOLUTION
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Tensor) else Tensor(other)
        out = Tensor(self.data * other.data, (self, other), "*")
        # BEGIN SOLUTION the backward of a * b (elementwise), with broadcasting
        def _backward():
            self.grad += unbroadcast(other.data * out.grad, self.shape)
            other.grad += unbroadcast(self.data * out.grad, other.shape)
        out._backward = _backward
        # END SOLUTION
        return out

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-other if isinstance(other, Tensor) else Tensor(-np.asarray(other)))

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return Tensor(other) - self
