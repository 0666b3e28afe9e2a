"""Exercise activation_backward: the derivatives of ReLU, sigmoid and tanh.

Each backward receives ``gy`` = dL/dy (the gradient arriving from above, same shape as the
activation's output) and returns dL/dx = gy * dy/dx, elementwise. Derive each dy/dx:

- relu:    y = max(x, 0)          two cases (take the derivative at 0 to be 0, as PyTorch);
- sigmoid: y = 1 / (1 + e^-x)     differentiate, then write the result with y alone;
- tanh:    y = tanh(x)            differentiate sinh/cosh, then write the result with y alone.

Why with y? The forward already computed it, so the backward then costs no extra exp, and
needs to keep only the output. All arrays are NumPy arrays; return a new array of gy's shape
and dtype. Compare with minidl/kernels/reference.py (``kernels/reference.py``) once done.

Check with:  python -m minidl.exercises check activation_backward
"""
import numpy as np


def relu_backward(x, gy):
    """dL/dx for y = relu(x), given x and gy = dL/dy."""
    # BEGIN SOLUTION relu_backward(x, gy)
    return np.where(x > 0, gy, 0).astype(gy.dtype)
    # END SOLUTION


def sigmoid_backward(y, gy):
    """dL/dx for y = sigmoid(x), given the output y and gy = dL/dy."""
    # BEGIN SOLUTION sigmoid_backward(y, gy)
    return gy * y * (1 - y)
    # END SOLUTION


def tanh_backward(y, gy):
    """dL/dx for y = tanh(x), given the output y and gy = dL/dy."""
    # BEGIN SOLUTION tanh_backward(y, gy)
    return gy * (1 - y * y)
    # END SOLUTION
