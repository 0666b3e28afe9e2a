"""Tests of the exercise adam_step, against the reference kernel, with mistakes recognised."""
import numpy as np

from minidl.kernels import reference

from ..framework import ExerciseFailure, expect_close

LR, BETA1, BETA2, EPS = 0.01, 0.9, 0.999, 1e-8


def _trajectory(step_function, steps=5, seed=0):
    rng = np.random.default_rng(seed)
    param = rng.standard_normal(4)
    m, v = np.zeros(4), np.zeros(4)
    for t in range(1, steps + 1):
        grad = rng.standard_normal(4) * 0.1 + param
        step_function(param, grad, m, v, t)
    return param, m, v


def _reference(param, grad, m, v, t):
    reference.adam_step([param], [grad], [m], [v], step=t, lr=LR, beta1=BETA1, beta2=BETA2,
                        eps=EPS, weight_decay=0, decoupled=False)


def _mistake(kind):
    def step(param, grad, m, v, t):
        m[...] = BETA1 * m + (1 - BETA1) * grad
        v[...] = BETA2 * v + (1 - BETA2) * (grad if kind == "g not g^2" else grad * grad)
        if kind == "no correction":
            m_hat, v_hat = m, v
        else:
            m_hat, v_hat = m / (1 - BETA1**t), v / (1 - BETA2**t)
        if kind == "eps inside sqrt":
            param -= LR * m_hat / np.sqrt(v_hat + EPS)
        elif kind == "g not g^2":
            param -= LR * m_hat / (np.sqrt(np.abs(v_hat)) + EPS)
        else:
            param -= LR * m_hat / (np.sqrt(v_hat) + EPS)
    return step


MISTAKES = {
    "no correction": "the bias correction is missing: m and v start at zero, so after t steps "
                     "they are too small by the factors (1 - beta1**t) and (1 - beta2**t); "
                     "without dividing those out the early steps are 3 to 6.6 times too large",
    "g not g^2": "the second moment averages the *square* of the gradient: (1 - beta2) * g * g",
    "eps inside sqrt": "eps goes outside the square root: sqrt(v_hat) + eps",
}


def _diagnose(got_param, start_seed=0):
    for kind, hint in MISTAKES.items():
        wrong, _, _ = _trajectory(_mistake(kind), seed=start_seed)
        if np.allclose(got_param, wrong, rtol=1e-7, atol=1e-12):
            return hint
    return None


def test_moments(mod):
    param, grad = np.array([1.0, -1.0]), np.array([0.5, -2.0])
    m, v = np.zeros(2), np.zeros(2)
    mod.adam_step(param, grad, m, v, step=1, lr=LR)
    expect_close(m, 0.1 * grad, "m = (1 - beta1) * g after one step from zero",
                 "m = beta1 * m + (1 - beta1) * g, written into m in place (m[...] = ...)")
    hint = "v = beta2 * v + (1 - beta2) * g * g, written into v in place"
    if np.allclose(v, 0.001 * np.abs(grad)) or np.allclose(v, 0.001 * grad):
        hint = MISTAKES["g not g^2"]
    expect_close(v, 0.001 * grad**2, "v = (1 - beta2) * g^2 after one step from zero", hint)


def test_first_step_moves_by_lr(mod):
    param, grad = np.array([1.0, -1.0, 3.0]), np.array([0.5, -2.0, 1e-3])
    m, v = np.zeros(3), np.zeros(3)
    mod.adam_step(param, grad, m, v, step=1, lr=LR)
    got = np.asarray(param, dtype=np.float64)
    if np.all(np.isnan(got)) or np.all(np.isinf(got)):
        raise ExerciseFailure("finite parameters after step=1", f"{got}",
                              "step counts from 1: 1 - beta**0 = 0 would divide by zero")
    hint = ("with bias correction, the first step is lr * g / |g| = lr * sign(g) for every "
            "element, whatever the gradient's size")
    if np.allclose(got, [1.0, -1.0, 3.0] - LR * 0.1 / np.sqrt(0.001) * np.sign(grad), rtol=1e-3):
        hint = MISTAKES["no correction"]
    elif np.allclose(got, [1.0, -1.0, 3.0] - LR * grad / np.sqrt(grad**2 + EPS), rtol=1e-9):
        hint = MISTAKES["eps inside sqrt"]
    expect_close(got, [1.0 - LR, -1.0 + LR, 3.0 - LR], "each parameter moved by lr * sign(g)",
                 hint, atol=1e-6)


def test_five_steps_match_reference(mod):
    want, want_m, want_v = _trajectory(_reference)
    got, _, _ = _trajectory(lambda p, g, m, v, t: mod.adam_step(p, g, m, v, t, lr=LR))
    if not np.allclose(got, want, rtol=1e-7, atol=1e-10):
        hint = _diagnose(got) or ("compare each line with the two averages in the docstring and the "
                                       "bias correction you derived")
        got = np.asarray(got, dtype=float)
        raise ExerciseFailure(f"parameters after 5 steps: {np.array2string(want, precision=12)}",
                              f"{np.array2string(got, precision=12)} (largest difference "
                              f"{np.abs(got - want).max():.3g})", hint)


def test_eps_position(mod):
    """With a tiny gradient, eps inside or outside the square root makes a visible difference."""
    param, grad = np.array([0.0]), np.array([1e-9])
    m, v = np.zeros(1), np.zeros(1)
    mod.adam_step(param, grad, m, v, step=1, lr=1.0, eps=1e-8)
    expected = -(1e-9 / (1e-9 + 1e-8))
    got = np.asarray(param, dtype=np.float64)
    inside = -(1e-9 / np.sqrt(1e-18 + 1e-8))
    hint = (MISTAKES["eps inside sqrt"] if got.shape == (1,) and np.isclose(got[0], inside, rtol=1e-6)
            else "with one step from zero and bias correction, m_hat = g and sqrt(v_hat) = |g|; "
                 "the step is lr * g / (|g| + eps)")
    expect_close(got, [expected], "p = -g / (|g| + eps) for g = 1e-9, lr = 1", hint,
                 atol=1e-12, rtol=1e-6)


TESTS = [test_moments, test_first_step_moves_by_lr, test_five_steps_match_reference,
         test_eps_position]
