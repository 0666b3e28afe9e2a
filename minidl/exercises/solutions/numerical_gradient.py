"""Exercise numerical_gradient: estimate a gradient with central differences.

For a scalar function f of an array x, the partial derivative along element i is

    df/dx_i ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)

where e_i is 1 at element i and 0 elsewhere. The central difference has an error of order
eps^2; the one-sided (f(x + eps e_i) - f(x)) / eps only of order eps. This is what
``dl.gradcheck`` compares backward against (see minidl/gradcheck.py).

Write ``numerical_gradient(f, x, eps)``: ``x`` is a float64 NumPy array of any shape, ``f(x)``
returns a Python float; return an array of x's shape. Nudge one element at a time
(``np.ndindex(*x.shape)`` walks every index of an n-d array), and put each element back
afterwards: the caller's ``x`` must be unchanged when you return.

Check with:  python -m minidl.exercises check numerical_gradient
"""
import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    """Central-difference estimate of the gradient of the scalar function ``f`` at ``x``."""
    grad = np.zeros(x.shape, dtype=np.float64)
    # BEGIN SOLUTION
    for index in np.ndindex(*x.shape):
        original = x[index]
        x[index] = original + eps
        plus = f(x)
        x[index] = original - eps
        minus = f(x)
        x[index] = original
        grad[index] = (plus - minus) / (2 * eps)
    # END SOLUTION
    return grad
