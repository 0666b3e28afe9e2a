"""Stochastic gradient descent, with momentum, dampening, Nesterov momentum and weight decay.

PyTorch's formulas, for a parameter p with gradient g (the kernels ``sgd_step`` apply them)::

    g = g + weight_decay * p
    buf = g on the first step, else momentum * buf + (1 - dampening) * g
    g = g + momentum * buf  (Nesterov)   or   g = buf  (classic momentum)
    p = p - lr * g

Momentum keeps a running velocity, so steps along a consistent direction grow and noisy
directions cancel out. Nesterov's version looks one step ahead along that velocity.
"""
from .. import zeros_like
from ._options import reject_negative, reject_unsupported
from .optimizer import Optimizer


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False, foreach=None, differentiable=False, fused=None):
        reject_unsupported("SGD", maximize=maximize, differentiable=differentiable, fused=fused)
        reject_negative("SGD", ("learning rate", lr), ("momentum value", momentum),
                        ("weight_decay value", weight_decay))
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov)
        super().__init__(params, defaults)

    def _update_group(self, group, params):
        momentum = group["momentum"]
        first_step = set()
        if momentum != 0:
            for param in params:
                if "momentum_buffer" not in self.state.setdefault(param, {}):
                    self.state[param]["momentum_buffer"] = zeros_like(param)
                    first_step.add(id(param))
        batches = self._batches(params, key=lambda param: id(param) in first_step)
        for (backend, is_first_step), batch in batches.items():
            buffers = ([self.state[p]["momentum_buffer"]._data for p in batch]
                       if momentum != 0 else None)
            backend.kernels.sgd_step(
                [p._data for p in batch], [p.grad._data for p in batch], buffers,
                lr=group["lr"], momentum=momentum, dampening=group["dampening"],
                weight_decay=group["weight_decay"], nesterov=group["nesterov"],
                first_step=is_first_step,
            )
