"""gradcheck: compare the analytic gradient (backward) with central differences.

For an output y = f(x) and a random upstream gradient v, backward gives g = J^T v. The numeric
estimate of each element is  (v . f(x + eps e_i) - v . f(x - eps e_i)) / (2 eps).  A random v
checks every row of the Jacobian at once (a mistake in any row changes v . f almost surely), at
the cost of one backward and two forwards per input element. Use float64: with float32 the
rounding error of the difference quotient swamps eps.
"""
import warnings

import numpy as np

from .autograd import no_grad
from .tensor import Tensor


class GradcheckError(RuntimeError):
    """The analytic and numeric gradients disagree."""


def _outputs(result):
    outputs = result if isinstance(result, (tuple, list)) else (result,)
    return [y for y in outputs if isinstance(y, Tensor) and y.dtype.kind == "f"]


def gradcheck(func, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, seed=0):
    """Check ``func(*inputs)``'s gradients with respect to every input that requires grad.

    Returns True when every element satisfies |analytic - numeric| <= atol + rtol * |numeric|.
    Otherwise raises ``GradcheckError`` naming the input, the element and both values (or
    returns False when ``raise_exception=False``).
    """
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad")
    for i in checked:
        if inputs[i].dtype != np.float64:
            warnings.warn(
                f"gradcheck: input {i} is {inputs[i].dtype}; central differences need float64 "
                "to be accurate",
                stacklevel=2,
            )

    outputs = _outputs(func(*inputs))
    rng = np.random.default_rng(seed)
    upstream = [rng.standard_normal(y.shape) for y in outputs]

    def projected(result):
        """v . f(x): the scalar whose gradient backward computes."""
        return sum(float(np.sum(y.numpy() * v)) for y, v in zip(_outputs(result), upstream))

    saved_grads = [x.grad for x in inputs if isinstance(x, Tensor)]
    for x in inputs:
        if isinstance(x, Tensor):
            x.grad = None
    total = None
    for y, v in zip(outputs, upstream):
        if y.requires_grad:
            term = (y * Tensor._wrap(y._backend.asarray(v, dtype=y.dtype))).sum()
            total = term if total is None else total + term
    if total is not None:
        total.backward()
    analytic = {
        i: (inputs[i].grad.numpy() if inputs[i].grad is not None else np.zeros(inputs[i].shape))
        for i in checked
    }
    for x, grad in zip((x for x in inputs if isinstance(x, Tensor)), saved_grads):
        x.grad = grad

    for i in checked:
        x = inputs[i]
        data = x._data
        numeric = np.zeros(x.shape)
        with no_grad():
            for index in np.ndindex(*x.shape):
                original = data[index].item()
                data[index] = original + eps
                plus = projected(func(*inputs))
                data[index] = original - eps
                minus = projected(func(*inputs))
                data[index] = original
                numeric[index] = (plus - minus) / (2 * eps)
        bad = np.abs(analytic[i] - numeric) > atol + rtol * np.abs(numeric)
        if bad.any():
            where = tuple(int(k) for k in np.argwhere(bad)[0])
            message = (
                f"gradcheck: gradient mismatch for input {i} (shape {x.shape}) at element "
                f"{where}: analytic (backward) {analytic[i][where]:.8g}, numeric (central "
                f"differences) {numeric[where]:.8g}; {int(bad.sum())} of {bad.size} elements "
                f"differ beyond atol={atol}, rtol={rtol}"
            )
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True
