"""Adam and AdamW: per-parameter step sizes from running averages of the gradient and of its
square (Kingma & Ba, 2015; Loshchilov & Hutter, 2019 for AdamW).

PyTorch's formulas, at step t for a parameter p with gradient g (the kernels ``adam_step``)::

    Adam:  g = g + weight_decay * p          AdamW:  p = p * (1 - lr * weight_decay)
    m = beta1 * m + (1 - beta1) * g                    (first moment: a smoothed gradient)
    v = beta2 * v + (1 - beta2) * g^2                  (second moment: its typical size)
    p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

m and v start at zero, so early averages are too small; dividing by (1 - beta^t) corrects that
"bias". AdamW decays the weights directly instead of adding the decay to the gradient, where
Adam's normalisation would shrink it for parameters with large gradients.
"""
from .. import zeros_like
from ._options import reject_negative, reject_unsupported
from .optimizer import Optimizer


class Adam(Optimizer):
    decoupled_weight_decay = False  # True in AdamW

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        name = type(self).__name__
        if decoupled_weight_decay:  # Adam(decoupled_weight_decay=True) is AdamW, as in PyTorch
            self.decoupled_weight_decay = True
        reject_unsupported(name, amsgrad=amsgrad, maximize=maximize, capturable=capturable,
                           differentiable=differentiable, fused=fused)
        reject_negative(name, ("learning rate", lr), ("epsilon value", eps))
        for index, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"{name}: invalid beta parameter at index {index}: {beta}")
        reject_negative(name, ("weight_decay value", weight_decay))
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay)
        super().__init__(params, defaults)

    def _update_group(self, group, params):
        for param in params:
            state = self.state.setdefault(param, {})
            if not state:
                state.update(step=0, exp_avg=zeros_like(param), exp_avg_sq=zeros_like(param))
            state["step"] += 1
        beta1, beta2 = group["betas"]
        # one kernel call per device and step count (parameters that missed a step lag behind)
        batches = self._batches(params, key=lambda param: self.state[param]["step"])
        for (backend, step), batch in batches.items():
            states = [self.state[p] for p in batch]
            backend.kernels.adam_step(
                [p._data for p in batch], [p.grad._data for p in batch],
                [s["exp_avg"]._data for s in states], [s["exp_avg_sq"]._data for s in states],
                step=step, lr=group["lr"], beta1=beta1, beta2=beta2, eps=group["eps"],
                weight_decay=group["weight_decay"], decoupled=self.decoupled_weight_decay,
            )


class AdamW(Adam):
    """Adam with decoupled weight decay (default 1e-2)."""

    decoupled_weight_decay = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused)
