"""Exercise momentum_step: one step of SGD with momentum, PyTorch's way.

Plain gradient descent moves against the gradient: p = p - lr * g. Momentum keeps a velocity
``buf``, a running sum of past gradients that decays by ``momentum`` each step, so that
consistent directions build up speed and oscillating ones cancel:

    buf = momentum * buf + g         (PyTorch starts buf at g on the very first step, not at 0)
    p   = p - lr * buf

Nesterov momentum "looks ahead": it steps along the velocity the parameter *would* have after
one more update with the same gradient g. Write that velocity in terms of g and the freshly
updated buf (apply the buf update once more, on paper), and step along it instead of buf.
The checks compare both variants with PyTorch's ``torch.optim.SGD`` formulas.

Write ``momentum_step`` for NumPy arrays, updating ``param`` and ``buf`` **in place**
(``param -= ...``, ``buf[...] = ...``): the optimizer's state lives in those arrays.
``first_step`` tells you whether buf holds anything yet.

Check with:  python -m minidl.exercises check momentum_step
"""


def momentum_step(param, grad, buf, lr, momentum, nesterov=False, first_step=False):
    """Update ``param`` and the velocity ``buf`` in place; return nothing."""
    # BEGIN SOLUTION
    if first_step:
        buf[...] = grad
    else:
        buf[...] = momentum * buf + grad
    update = grad + momentum * buf if nesterov else buf
    param -= lr * update
    # END SOLUTION
