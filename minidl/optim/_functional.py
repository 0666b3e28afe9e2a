"""The update formulas of RMSprop and Adagrad, on tensors, in place (as PyTorch's
``torch.optim._functional``): the op layer between the optimizer classes, which manage groups
and state, and the arrays, which only ops and backends touch.

Each function takes one parameter, its gradient and its state tensors, and writes the new
values into them with the device's array module, in the parameter's dtype. They run outside
autograd: an optimizer step is not part of any graph.
"""


def _arrays(*tensors):
    return [None if t is None else t._data for t in tensors]


def _scalar(value, like):
    """A hyper-parameter as a scalar of the parameter's dtype (float32 math stays float32)."""
    return like.dtype.type(value)


def rmsprop_update(param, grad, square_avg, grad_avg, momentum_buffer, *, lr, alpha, eps,
                   weight_decay, momentum, centered):
    """One RMSprop step (Hinton's lecture 6e; PyTorch's formulas)::

        g = grad + weight_decay * p
        v = alpha * v + (1 - alpha) * g^2                 (running mean of squared gradients)
        centered: m = alpha * m + (1 - alpha) * g,  denominator = sqrt(v - m^2) + eps
        else:     denominator = sqrt(v) + eps
        momentum: b = momentum * b + g / denominator,  p = p - lr * b
        else:     p = p - lr * g / denominator
    """
    p, g, v, m, b = _arrays(param, grad, square_avg, grad_avg, momentum_buffer)
    xp = param._backend.xp
    if weight_decay:
        g = g + _scalar(weight_decay, p) * p
    a = _scalar(alpha, p)
    v *= a
    v += (1 - a) * g * g
    if centered:
        m *= a
        m += (1 - a) * g
        denominator = xp.sqrt(v - m * m) + _scalar(eps, p)
    else:
        denominator = xp.sqrt(v) + _scalar(eps, p)
    if momentum:
        b *= _scalar(momentum, p)
        b += g / denominator
        p -= _scalar(lr, p) * b
    else:
        p -= _scalar(lr, p) * g / denominator


def adagrad_update(param, grad, state_sum, *, step, lr, lr_decay, weight_decay, eps):
    """One Adagrad step (Duchi et al., 2011; PyTorch's formulas), ``step`` counting from 1::

        g = grad + weight_decay * p
        s = s + g^2                                        (sum of every squared gradient)
        p = p - lr / (1 + (step - 1) * lr_decay) * g / (sqrt(s) + eps)
    """
    p, g, s = _arrays(param, grad, state_sum)
    xp = param._backend.xp
    if weight_decay:
        g = g + _scalar(weight_decay, p) * p
    s += g * g
    step_size = lr / (1 + (step - 1) * lr_decay)
    p -= _scalar(step_size, p) * g / (xp.sqrt(s) + _scalar(eps, p))
