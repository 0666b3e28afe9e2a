"""Exercise linear_backward: the gradients of a linear layer, by hand.

A linear layer (``nn.Linear``, PyTorch's layout) computes, for a batch x of shape (N, in),

    out = x @ weight.T + bias          weight (out, in), bias (out,), out (N, out)

Given grad_out = dL/d(out), shape (N, out), find dL/dx (N, in), dL/dweight (out, in) and
dL/dbias (out,). Derive them from one element: out[n, o] = sum_i x[n, i] weight[o, i] +
bias[o]. How does out[n, o] change with x[n, i]? With weight[o, i]? Which of the indices n, o
must you then sum over, and how is that sum written as a matrix product? The shapes are a
check: there is only one way to combine (N, out) with (N, in) into (out, in). And the bias was
broadcast over the N rows (tutorial 1: what does broadcasting do to a gradient?).

Check with:  python -m minidl.exercises check linear_backward
"""


def linear_forward(x, weight, bias):
    """out = x @ weight.T + bias (NumPy arrays)."""
    return x @ weight.T + bias


def linear_backward(x, weight, grad_out):
    """Return (grad_x, grad_weight, grad_bias) for out = x @ weight.T + bias."""
    # BEGIN SOLUTION
    grad_x = grad_out @ weight
    grad_weight = grad_out.T @ x
    grad_bias = grad_out.sum(axis=0)
    return grad_x, grad_weight, grad_bias
    # END SOLUTION
