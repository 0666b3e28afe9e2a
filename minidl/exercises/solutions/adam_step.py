"""Exercise adam_step: one step of Adam, with bias correction.

Adam keeps two running averages per parameter, starting at zero:

    m = beta1 * m + (1 - beta1) * g          the mean of the gradient (first moment)
    v = beta2 * v + (1 - beta2) * g^2        the mean of its square (second moment)

Because they start at zero, after t steps m and v are too small by the factors
(1 - beta1^t) and (1 - beta2^t) (for a constant gradient, m = (1 - beta1^t) g). Dividing
those out is the *bias correction*:

    m_hat = m / (1 - beta1^t)      v_hat = v / (1 - beta2^t)
    p     = p - lr * m_hat / (sqrt(v_hat) + eps)

``step`` is t, counted from 1 for the first update. Common mistakes the checks recognise:
forgetting the correction, counting t from 0 (1 - beta^0 = 0 divides by zero), putting eps
inside the square root, and using g instead of g^2 for v.

Update ``param``, ``m`` and ``v`` in place (``param -= ...``, ``m[...] = ...``).
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
