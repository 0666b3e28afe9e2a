"""Exercise adam_step: one step of Adam, with bias correction.

Adam keeps two running averages per parameter, both starting at zero:

    m = beta1 * m + (1 - beta1) * g          the mean of the gradient (first moment)
    v = beta2 * v + (1 - beta2) * g^2        the mean of its square (second moment)

and moves each parameter by lr times (mean gradient) / (root mean square gradient + eps), so
every parameter gets a step of about lr whatever its gradient's scale.

Because m and v start at zero, they are too small during the first steps. Derive by how much:
suppose every gradient so far was the same g and unroll m after t steps; the sum is a geometric
series. Do the same for v. Dividing those factors out is the *bias correction*; call the
results m_hat and v_hat, and use them in the step. Check yourself: on the very first step
(t = 1) the corrected step must be exactly lr * g / (|g| + eps) in every element.

``step`` is t, counted from 1 for the first update. Update ``param``, ``m`` and ``v`` in place
(``param -= ...``, ``m[...] = ...``): the optimizer's state lives in those arrays.
Check with:  python -m minidl.exercises check adam_step
"""
import numpy as np


def adam_step(param, grad, m, v, step, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam update of ``param`` (in place), with state ``m``, ``v`` and 1-based ``step``."""
    # BEGIN SOLUTION
    m[...] = beta1 * m + (1 - beta1) * grad
    v[...] = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**step)
    v_hat = v / (1 - beta2**step)
    param -= lr * m_hat / (np.sqrt(v_hat) + eps)
    # END SOLUTION
