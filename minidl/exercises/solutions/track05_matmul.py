"""Track step 5: matrix product and sum, the ops a linear layer is made of.

``matmul(a, b)`` for 2-D Tensors a (n, k) and b (k, m) gives (n, m). Its backward needs
d(loss)/da and d(loss)/db from g = d(loss)/d(out), of shape (n, m). Derive them from one
element: out[i, j] = sum_k a[i, k] b[k, j], so how does out[i, j] change with a[i, k]? Sum
those contributions over j, and write the result as a matrix product. Then check the shapes:
each gradient has its input's shape, which tells you where the transposes go.

``tensor_sum(a, axis=None, keepdims=False)`` sums like ``np.sum``. Every summed element
contributed with weight 1, so the gradient of each is the gradient of the sum it went into:
spread g back over the summed axes (``np.expand_dims`` where ``keepdims=False`` removed an
axis, then broadcast to ``a``'s shape). ``mean(a)`` (over everything) is given: sum, times a
constant.

Check with:  python -m minidl.exercises check track05_matmul
"""
import numpy as np

from track04_tensor import Tensor


def matmul(a, b):
    """a @ b for 2-D Tensors."""
    out = Tensor(a.data @ b.data, (a, b), "@")
    # BEGIN SOLUTION the backward of a @ b
    def _backward():
        a.grad += out.grad @ b.data.T
        b.grad += a.data.T @ out.grad
    out._backward = _backward
    # END SOLUTION
    return out


def tensor_sum(a, axis=None, keepdims=False):
    """The sum of ``a`` over ``axis`` (all axes when None), as ``np.sum``."""
    out = Tensor(a.data.sum(axis=axis, keepdims=keepdims), (a,), "sum")
    # BEGIN SOLUTION the backward of a sum: spread out.grad back over the summed axes
    def _backward():
        grad = out.grad
        if axis is not None and not keepdims:
            grad = np.expand_dims(grad, axis)
        a.grad += np.broadcast_to(grad, a.shape)
    out._backward = _backward
    # END SOLUTION
    return out


def mean(a):
    """The mean of all elements of ``a``."""
    return tensor_sum(a) * (1.0 / a.data.size)
