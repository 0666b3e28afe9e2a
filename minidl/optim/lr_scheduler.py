"""Learning-rate schedules: set each parameter group's "lr" from the epoch (or step) count.

Call ``scheduler.step()`` once per epoch, after ``optimizer.step()``. Creating a scheduler
records each group's starting lr as "initial_lr" (the base lr) and sets epoch 0. Each schedule
here is a closed form of the epoch count t = ``last_epoch``:

    StepLR:             lr_t = base_lr * gamma^floor(t / step_size)
    CosineAnnealingLR:  lr_t = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2
    LambdaLR:           lr_t = base_lr * lr_lambda(t)

(PyTorch computes StepLR and CosineAnnealingLR step by step from the current lr; without
other changes to the lr both give these values, up to rounding.)
"""
import math


class LRScheduler:
    """Base class: subclasses define ``get_lr()``, the lrs for epoch ``self.last_epoch``."""

    def __init__(self, optimizer, last_epoch=-1):
        self.optimizer = optimizer
        for index, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(f"param 'initial_lr' is not specified in param_groups[{index}] "
                               "when resuming an optimizer")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()

    def get_lr(self):
        raise NotImplementedError

    def step(self):
        """Advance one epoch and write the new lr into every parameter group."""
        self.last_epoch += 1
        self._last_lr = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, self._last_lr):
            group["lr"] = lr

    def get_last_lr(self):
        """The lrs set by the latest ``step()``, one per parameter group."""
        return list(self._last_lr)

    def state_dict(self):
        """Everything but the optimizer (and, in LambdaLR, the functions)."""
        return {key: value for key, value in self.__dict__.items()
                if key not in ("optimizer", "lr_lambdas")}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)


class StepLR(LRScheduler):
    """Multiply the lr by ``gamma`` every ``step_size`` epochs."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size)
                for base_lr in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Follow half a cosine from the base lr down to ``eta_min`` over ``T_max`` epochs."""

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):  # noqa: N803 (PyTorch's name)
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        cosine = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
        return [self.eta_min + (base_lr - self.eta_min) * cosine for base_lr in self.base_lrs]


class LambdaLR(LRScheduler):
    """lr = base_lr * lr_lambda(epoch); ``lr_lambda`` is a function or one per group."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        groups = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != groups:
                raise ValueError(f"LambdaLR: expected {groups} lr_lambdas, got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * groups
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base_lr * lr_lambda(self.last_epoch)
                for base_lr, lr_lambda in zip(self.base_lrs, self.lr_lambdas)]
