"""Track step 10: Adam.

Adam keeps, per parameter, running averages of the gradient and of its square, both starting
at zero: m = beta1 m + (1 - beta1) g and v = beta2 v + (1 - beta2) g^2, and moves each
element by lr * (mean gradient) / (root mean square gradient + eps).

m and v start at zero, so early on they are too small. By how much? Assume the gradient was
the same g at every step and unroll m after t steps: a geometric series. Divide that factor
out of m, and the matching one out of v (the *bias correction*). Count t from 1 at the first
step. Check yourself: the corrected first step is lr * g / (|g| + eps), about lr for every
element whatever the gradient's size.

Keep the state in NumPy arrays; update ``p.data`` in place. Your SGD of step 9 shows the shape
of an optimizer: ``zero_grad`` is inherited from it.

Check with:  python -m minidl.exercises check track10_adam
"""
import numpy as np

from track09_sgd import SGD


class Adam(SGD):
    def __init__(self, parameters, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.parameters = list(parameters)
        self.lr, (self.beta1, self.beta2), self.eps = lr, betas, eps
        self.m = [np.zeros_like(p.data) for p in self.parameters]
        self.v = [np.zeros_like(p.data) for p in self.parameters]
        self.t = 0

    def step(self):
        # BEGIN SOLUTION Adam.step with bias correction
        self.t += 1
        for p, m, v in zip(self.parameters, self.m, self.v):
            m[...] = self.beta1 * m + (1 - self.beta1) * p.grad
            v[...] = self.beta2 * v + (1 - self.beta2) * p.grad**2
            m_hat = m / (1 - self.beta1**self.t)
            v_hat = v / (1 - self.beta2**self.t)
            p.data -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
        # END SOLUTION
