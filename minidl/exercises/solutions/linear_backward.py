"""Exercise linear_backward: the gradients of a linear layer, by hand.

A linear layer (``nn.Linear``, PyTorch's layout) computes, for a batch x of shape (N, in),

    out = x @ weight.T + bias          weight (out, in), bias (out,), out (N, out)

Given grad_out = dL/d(out), shape (N, out), the chain rule gives

    dL/dx      = grad_out @ weight          shape (N, in)
    dL/dweight = grad_out.T @ x             shape (out, in): each weight meets every sample
    dL/dbias   = grad_out summed over N     shape (out,): the bias was broadcast over rows

A shape check is the quickest way to get these right: the only way to combine (N, out) and
(N, in) into (out, in) is grad_out.T @ x.

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
