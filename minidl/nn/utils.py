"""nn.utils: gradient clipping (by norm or by value); pruning in nn.utils.prune (minidl/nn/prune.py)."""
import math

from ..autograd import no_grad
from ..tensor import Tensor, tensor
from . import prune  # noqa: F401 (nn.utils.prune, as in PyTorch)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0):
    """Scale all gradients together so that their joint norm is at most ``max_norm``.

    total = (sum over every gradient element of |g|^p)^(1/p) (the largest |g| for p = inf);
    each gradient is multiplied by min(1, max_norm / (total + 1e-6)), so the direction of the
    update is kept and only its length is capped (a NaN or inf gradient makes every gradient
    NaN, loudly, as PyTorch's default does). Returns the total norm before clipping.
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return tensor(0.0)
    norm_type = float(norm_type)
    norms = [float(g._backend.xp.linalg.norm(g._data.reshape(-1), ord=norm_type)) for g in grads]
    if math.isinf(norm_type):
        total = max(norms)
    else:
        total = sum(n**norm_type for n in norms) ** (1 / norm_type)
    scale = max_norm / (total + 1e-6)
    if scale >= 1.0:  # not when NaN: a NaN norm makes every gradient NaN, as in PyTorch
        scale = 1.0
    for g in grads:
        g._data *= g.dtype.type(scale)
    return tensor(total, dtype=grads[0].dtype, device=grads[0].device)


def clip_grad_value_(parameters, clip_value):
    """Clamp every gradient element to [-clip_value, clip_value], in place."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    clip_value = float(clip_value)
    with no_grad():
        for param in parameters:
            if param.grad is not None:
                param.grad[...] = param.grad.clamp(-clip_value, clip_value)
