"""RMSprop: divide each gradient by a running root-mean-square of its recent values, so that
every parameter moves at a similar pace whatever the scale of its gradients. The formulas are
in ``_functional.rmsprop_update``."""
from ..creation import zeros_like
from ._functional import rmsprop_update
from ._options import reject_negative, reject_unsupported
from .optimizer import Optimizer


class RMSprop(Optimizer):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        reject_unsupported("RMSprop", capturable=capturable, maximize=maximize,
                           differentiable=differentiable)
        reject_negative("RMSprop", ("learning rate", lr), ("epsilon value", eps),
                        ("momentum value", momentum), ("weight_decay value", weight_decay),
                        ("alpha value", alpha))
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                        momentum=momentum, centered=centered)
        super().__init__(params, defaults)

    def _update_group(self, group, params):
        for param in params:
            state = self.state.setdefault(param, {})
            if not state:
                state["step"] = 0
                state["square_avg"] = zeros_like(param)
                if group["momentum"] > 0:
                    state["momentum_buffer"] = zeros_like(param)
                if group["centered"]:
                    state["grad_avg"] = zeros_like(param)
            state["step"] += 1
            rmsprop_update(
                param, param.grad, state["square_avg"], state.get("grad_avg"),
                state.get("momentum_buffer"), lr=group["lr"], alpha=group["alpha"],
                eps=group["eps"], weight_decay=group["weight_decay"],
                momentum=group["momentum"], centered=group["centered"],
            )
