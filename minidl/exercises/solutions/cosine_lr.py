"""Exercise cosine_lr: the learning rate of cosine annealing.

``optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max, eta_min=0)`` lowers the learning rate
from its initial value ``base_lr`` to ``eta_min`` along half a cosine over ``T_max`` epochs:

    lr(t) = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2

so lr(0) = base_lr, lr(T_max / 2) is halfway, lr(T_max) = eta_min. Beyond T_max the cosine
keeps going and the rate rises again (PyTorch's closed form does the same).

Check with:  python -m minidl.exercises check cosine_lr
"""
import math


def cosine_lr(epoch, base_lr, T_max, eta_min=0.0):
    """The learning rate at ``epoch`` (0-based) under cosine annealing."""
    # BEGIN SOLUTION
    return eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * epoch / T_max)) / 2
    # END SOLUTION
