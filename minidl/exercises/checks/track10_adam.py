"""Tests of track step 10: Adam with bias correction, and the mistakes it is known for."""
import numpy as np

from ..framework import earlier_step, expect_close


def _run(mod, grads, lr=0.01):
    Tensor = earlier_step(mod, "track04_tensor").Tensor
    p = Tensor(np.array([1.0, -1.0, 3.0]))
    optimizer = mod.Adam([p], lr=lr)
    trajectory = []
    for g in grads:
        optimizer.zero_grad()
        p.grad = p.grad + g
        optimizer.step()
        trajectory.append(p.data.copy())
    return np.array(trajectory)


def _expected(grads, lr=0.01, correct=True, eps_inside=False):
    p, m, v, out = np.array([1.0, -1.0, 3.0]), 0.0, 0.0, []
    for t, g in enumerate(grads, start=1):
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        m_hat, v_hat = (m / (1 - 0.9**t), v / (1 - 0.999**t)) if correct else (m, v)
        p = p - lr * (m_hat / np.sqrt(v_hat + 1e-8) if eps_inside
                      else m_hat / (np.sqrt(v_hat) + 1e-8))
        out.append(p)
    return np.array(out)


GRADS = [np.array([0.5, -2.0, 1e-3]), np.array([0.4, -1.0, 2e-3]), np.array([0.6, 1.0, 1e-3])]


def test_first_step_is_lr_times_sign(mod):
    got = _run(mod, GRADS[:1])[0]
    hint = ("derive the bias correction: with m and v starting at zero, what are they after one "
            "step, and what must you divide by to get g and g^2 back?")
    if np.allclose(got, _expected(GRADS[:1], correct=False)[0]):
        hint = ("the bias correction is missing: after t steps from zero, m and v are too small "
                "by (1 - beta1^t) and (1 - beta2^t); divide those out (the early steps are "
                "otherwise 3 to 6.6 times too large)")
    expect_close(got, [1.0 - 0.01, -1.0 + 0.01, 3.0 - 0.01 * 1e-3 / (1e-3 + 1e-8)],
                 "each element moved by about lr on the first step, whatever |g|", hint)


def test_three_steps(mod):
    got = _run(mod, GRADS)
    hint = "count t from 1 at the first step, and keep m, v and t between calls of step()"
    if np.allclose(got, _expected(GRADS, eps_inside=True)):
        hint = "eps goes outside the square root: sqrt(v_hat) + eps"
    expect_close(got, _expected(GRADS), "the parameter after each of 3 steps", hint, atol=1e-9)


TESTS = [test_first_step_is_lr_times_sign, test_three_steps]
