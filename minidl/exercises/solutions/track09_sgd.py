"""Track step 9: SGD with momentum, an optimizer for your parameters.

An optimizer holds the list of parameters and, in ``step()``, moves each one using its
``grad``. With momentum it also keeps a velocity per parameter (a NumPy array of the
parameter's shape), a running sum of past gradients that decays by ``momentum`` each step;
the parameter moves against the velocity, scaled by lr. Follow PyTorch: the velocity starts
as the first gradient itself (not zeros), and lr stays outside it. With ``momentum=0`` this
must be plain gradient descent.

Update ``p.data`` in place (``p.data -= ...``): the model holds the same arrays.
``zero_grad()`` sets every parameter's grad to zeros.

Check with:  python -m minidl.exercises check track09_sgd
"""
import numpy as np


class SGD:
    def __init__(self, parameters, lr, momentum=0.0):
        self.parameters = list(parameters)
        self.lr, self.momentum = lr, momentum
        self.velocities = [None] * len(self.parameters)

    def zero_grad(self):
        for p in self.parameters:
            p.grad = np.zeros_like(p.data)

    def step(self):
        # BEGIN SOLUTION SGD.step with momentum (PyTorch's form)
        for i, p in enumerate(self.parameters):
            if self.momentum:
                if self.velocities[i] is None:
                    self.velocities[i] = p.grad.copy()
                else:
                    self.velocities[i] = self.momentum * self.velocities[i] + p.grad
                p.data -= self.lr * self.velocities[i]
            else:
                p.data -= self.lr * p.grad
        # END SOLUTION
