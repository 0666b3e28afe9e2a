"""Adagrad: each parameter's step shrinks with the sum of its squared gradients so far, so
rarely updated parameters (rare words' embeddings) keep large steps. The formulas are in
``_functional.adagrad_update``."""
from ..creation import full
from ._functional import adagrad_update
from ._options import reject_negative, reject_unsupported
from .optimizer import Optimizer


class Adagrad(Optimizer):
    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        reject_unsupported("Adagrad", maximize=maximize, differentiable=differentiable,
                           fused=fused)
        reject_negative("Adagrad", ("learning rate", lr), ("lr_decay value", lr_decay),
                        ("weight_decay value", weight_decay),
                        ("initial_accumulator_value value", initial_accumulator_value),
                        ("epsilon value", eps))
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps)
        super().__init__(params, defaults)

    def _update_group(self, group, params):
        for param in params:
            state = self.state.setdefault(param, {})
            if not state:
                state["step"] = 0
                state["sum"] = full(param.shape, group["initial_accumulator_value"],
                                    dtype=param.dtype, device=param.device)
            state["step"] += 1
            adagrad_update(param, param.grad, state["sum"], step=state["step"], lr=group["lr"],
                           lr_decay=group["lr_decay"], weight_decay=group["weight_decay"],
                           eps=group["eps"])
