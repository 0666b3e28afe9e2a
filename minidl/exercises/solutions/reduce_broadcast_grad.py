"""Exercise reduce_broadcast_grad: sum a gradient back to the shape of a broadcast input.

When x of shape (3, 1) is added to y of shape (2, 3, 4), NumPy broadcasting uses each element
of x 2 * 4 = 8 times. Each use contributes to the loss, so x's gradient is the *sum* of the
output gradient over every place the element was copied to:

- over the leading axes that broadcasting prepended (here axis 0, of size 2), and
- over the axes where x had size 1 but the output did not (here the last axis, of size 4),
  keeping those axes (keepdims) so the result has x's shape (3, 1).

Write ``reduce_broadcast_grad(grad, shape)`` for NumPy arrays: ``grad`` has the output's shape,
the result has ``shape``. Check with:  python -m minidl.exercises check reduce_broadcast_grad
"""
import numpy as np


def reduce_broadcast_grad(grad, shape):
    """Sum ``grad`` over the axes that broadcasting stretched, so that it has ``shape``."""
    shape = tuple(shape)
    # BEGIN SOLUTION
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return np.asarray(grad).reshape(shape)
    # END SOLUTION
