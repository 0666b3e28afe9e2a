"""Optimizer updates, compiled with Numba: twins of ``reference.py``'s, in place.

Python loops over the parameter list; for each parameter one fused loop reads the parameter,
its gradient and its state once and writes them back once (the reference makes a temporary
array per term). Parameters are usually small, and a parallel launch costs more than it saves
there, so each loop is compiled serial and parallel (``parallel.py``) and the parallel one runs
only for large parameters.

The scalars (lr, betas...) are cast to the parameter's dtype before the loop, as PyTorch and the
reference do, so a float32 parameter is updated in float32 arithmetic. With Python floats the
loop would run in float64: Adam on a 784 x 128 weight took 208 us instead of 64 us (serial,
2-core machine), since LLVM vectorises a float32 sqrt and division over twice as many lanes.
"""

import math

import numpy as np
from numba import prange

from .parallel import serial_and_parallel


@serial_and_parallel(cost=2)
def _sgd_update(param, grad, buffer, lr, momentum, one_minus_dampening, weight_decay, nesterov,
                first_step):
    """reference.sgd_step for one parameter (buffer is ignored when momentum == 0)."""
    for i in prange(param.size):
        update = grad[i] + weight_decay * param[i] if weight_decay != 0 else grad[i]  # 0 * inf
        if momentum != 0:
            if first_step:
                velocity = update
            else:
                velocity = momentum * buffer[i] + one_minus_dampening * update
            buffer[i] = velocity
            update = update + momentum * velocity if nesterov else velocity
        param[i] -= lr * update


@serial_and_parallel(cost=2)
def _adam_update(param, grad, exp_avg, exp_avg_sq, beta1, one_minus_beta1, beta2,
                 one_minus_beta2, eps, weight_decay, decay_factor, step_size,
                 bias_correction2_sqrt):
    """reference.adam_step for one parameter; step_size = lr / (1 - beta1^step), decay_factor =
    1 - lr * weight_decay for AdamW (decoupled decay) and 1 for Adam."""
    for i in prange(param.size):
        g = grad[i] + weight_decay * param[i] if weight_decay != 0 else grad[i]  # 0 for AdamW
        m = beta1 * exp_avg[i] + one_minus_beta1 * g
        v = beta2 * exp_avg_sq[i] + one_minus_beta2 * g * g
        exp_avg[i] = m
        exp_avg_sq[i] = v
        param[i] = decay_factor * param[i] - step_size * m / (math.sqrt(v) / bias_correction2_sqrt
                                                               + eps)


class _WorkingCopies:
    """A flat, C-contiguous working array for each array the loop updates in place: the array
    itself (flattened) when it is contiguous and not float16, else a copy (float16 is copied to
    float32, which Numba computes in), written back on exit. Kernels trust their inputs
    otherwise: the optimizer checked shapes, dtypes and devices."""

    def __init__(self, *arrays):
        self.arrays = arrays
        self.flat = [_flat_for_numba(a) for a in arrays]

    def __enter__(self):
        return self.flat

    def __exit__(self, *exc_info):
        for array, flat in zip(self.arrays, self.flat):
            if not np.may_share_memory(array, flat):  # a copy (new memory): write it back
                array[...] = flat.reshape(array.shape)


def _flat_for_numba(array):
    """array as a flat contiguous array in a dtype Numba computes in (float16 -> float32)."""
    if array.dtype == np.float16:
        return array.astype(np.float32).reshape(-1)
    return array.ravel()  # a view when contiguous, else a contiguous copy


def sgd_step(params, grads, momentum_buffers, lr, momentum, dampening, weight_decay, nesterov,
             first_step):
    for index, (param, grad) in enumerate(zip(params, grads)):
        in_place = (param, momentum_buffers[index]) if momentum != 0 else (param,)
        with _WorkingCopies(*in_place) as flat:
            flat_param, buffer = flat[0], flat[-1]  # buffer is ignored when momentum == 0
            scalar = flat_param.dtype.type
            _sgd_update.pick(param.size)(
                flat_param, _flat_for_numba(grad), buffer, scalar(lr), scalar(momentum),
                scalar(1 - dampening), scalar(weight_decay), bool(nesterov), bool(first_step))


def adam_step(params, grads, exp_avgs, exp_avg_sqs, step, lr, beta1, beta2, eps, weight_decay,
              decoupled):
    step_size = lr / (1 - beta1**step)
    bias_correction2_sqrt = math.sqrt(1 - beta2**step)
    decay_factor, coupled_decay = (1 - lr * weight_decay, 0) if decoupled else (1, weight_decay)
    for param, grad, exp_avg, exp_avg_sq in zip(params, grads, exp_avgs, exp_avg_sqs):
        with _WorkingCopies(param, exp_avg, exp_avg_sq) as (flat_param, flat_avg, flat_avg_sq):
            scalar = flat_param.dtype.type
            _adam_update.pick(param.size)(
                flat_param, _flat_for_numba(grad), flat_avg, flat_avg_sq, scalar(beta1),
                scalar(1 - beta1), scalar(beta2), scalar(1 - beta2), scalar(eps),
                scalar(coupled_decay), scalar(decay_factor), scalar(step_size),
                scalar(bias_correction2_sqrt))
