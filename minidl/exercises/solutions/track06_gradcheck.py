"""Track step 6: trust, but verify. A gradient checker for your Tensors.

Every backward you write from now on can be tested against the definition of a derivative:
nudge one input element by a small eps and watch the output. Central differences,
(f(x + eps) - f(x - eps)) / (2 eps), are far more accurate than the one-sided kind; work out
why from a Taylor expansion if you like (the error of the central one is O(eps^2)).

- ``numerical_gradient(f, inputs, eps)``: ``f`` takes the list ``inputs`` of Tensors and
  returns a one-element Tensor; return one array per input, d f / d input, computed element
  by element by changing ``inputs[i].data`` in place and restoring it afterwards.
- ``gradcheck(f, inputs, eps=1e-6, atol=1e-6, rtol=1e-4)``: run f and your ``backward`` (reset
  each input's grad to zeros first), compare every input's ``grad`` with the numerical one;
  return True if they all agree (``np.allclose``), False otherwise.

Check with:  python -m minidl.exercises check track06_gradcheck
"""
import numpy as np

from track02_backward import backward


def numerical_gradient(f, inputs, eps=1e-6):
    """Central-difference gradients of the one-element output of f(inputs), one per input."""
    grads = []
    # BEGIN SOLUTION numerical_gradient: one element at a time, central differences
    for tensor in inputs:
        grad = np.zeros_like(tensor.data)
        for index in np.ndindex(*tensor.shape):
            original = tensor.data[index]
            tensor.data[index] = original + eps
            plus = float(f(inputs).data)
            tensor.data[index] = original - eps
            minus = float(f(inputs).data)
            tensor.data[index] = original
            grad[index] = (plus - minus) / (2 * eps)
        grads.append(grad)
    # END SOLUTION
    return grads


def gradcheck(f, inputs, eps=1e-6, atol=1e-6, rtol=1e-4):
    """True when backward's gradients of f(inputs) match central differences."""
    # BEGIN SOLUTION gradcheck: backward's grads against numerical_gradient
    for tensor in inputs:
        tensor.grad = np.zeros_like(tensor.data)
    backward(f(inputs))
    expected = numerical_gradient(f, inputs, eps)
    return all(np.allclose(t.grad, e, atol=atol, rtol=rtol) for t, e in zip(inputs, expected))
    # END SOLUTION
