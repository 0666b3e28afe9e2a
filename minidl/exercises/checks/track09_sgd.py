"""Tests of track step 9: SGD with and without momentum, PyTorch's formulas."""
import numpy as np

from ..framework import earlier_step, expect_close


def _run(mod, momentum, steps=4):
    Tensor = earlier_step(mod, "track04_tensor").Tensor
    p = Tensor(np.array([1.0, -2.0]))
    optimizer = mod.SGD([p], lr=0.1, momentum=momentum)
    grads = [np.array([0.5, 1.0]), np.array([0.5, -1.0]), np.array([1.0, 0.0]),
             np.array([-0.5, 2.0])]
    for g in grads[:steps]:
        optimizer.zero_grad()
        p.grad = p.grad + g
        optimizer.step()
    return p.data


def _expected(momentum, steps=4):
    p, velocity = np.array([1.0, -2.0]), None
    grads = [np.array([0.5, 1.0]), np.array([0.5, -1.0]), np.array([1.0, 0.0]),
             np.array([-0.5, 2.0])]
    for g in grads[:steps]:
        velocity = g.copy() if velocity is None or not momentum else momentum * velocity + g
        p = p - 0.1 * velocity
    return p


def test_plain_gradient_descent(mod):
    expect_close(_run(mod, 0.0), _expected(0.0), "the parameter after 4 steps, momentum 0",
                 "p.data -= lr * p.grad, in place")


def test_first_momentum_step(mod):
    hint = "the velocity starts as the first gradient itself, so step 1 equals plain SGD"
    expect_close(_run(mod, 0.9, steps=1), _expected(0.9, steps=1),
                 "the parameter after 1 step, momentum 0.9", hint)


def test_momentum(mod):
    got = _run(mod, 0.9)
    hint = "velocity = momentum * velocity + grad, then p -= lr * velocity"
    damped = np.array([1.0, -2.0])
    velocity = None
    for g in [np.array([0.5, 1.0]), np.array([0.5, -1.0]), np.array([1.0, 0.0]),
              np.array([-0.5, 2.0])]:
        velocity = g if velocity is None else 0.9 * velocity + 0.1 * g
        damped = damped - 0.1 * velocity
    if np.allclose(got, damped):
        hint = ("you averaged (momentum * v + (1 - momentum) * g): PyTorch sums, without the "
                "(1 - momentum), so the velocity grows to about 1/(1 - momentum) gradients")
    expect_close(got, _expected(0.9), "the parameter after 4 steps, momentum 0.9", hint)


TESTS = [test_plain_gradient_descent, test_first_momentum_step, test_momentum]
