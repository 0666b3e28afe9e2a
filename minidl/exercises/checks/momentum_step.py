"""Tests of the exercise momentum_step, against minidl's reference kernel ``sgd_step``."""
import numpy as np

from minidl.kernels import reference

from ..framework import ExerciseFailure, expect_close


def _run(step_function, nesterov, steps=4, seed=0):
    rng = np.random.default_rng(seed)
    param = rng.standard_normal(5)
    buf = np.zeros(5)
    for i in range(steps):
        grad = rng.standard_normal(5) + 0.5 * param
        step_function(param, grad, buf, i == 0)
    return param, buf


def _mine(mod, nesterov):
    def step(param, grad, buf, first):
        mod.momentum_step(param, grad, buf, lr=0.1, momentum=0.9, nesterov=nesterov,
                          first_step=first)
    return step


def _reference(nesterov):
    def step(param, grad, buf, first):
        reference.sgd_step([param], [grad], [buf], lr=0.1, momentum=0.9, dampening=0,
                           weight_decay=0, nesterov=nesterov, first_step=first)
    return step


def test_first_step(mod):
    param, grad, buf = np.array([1.0, -2.0]), np.array([0.5, 0.25]), np.zeros(2)
    mod.momentum_step(param, grad, buf, lr=0.1, momentum=0.9, first_step=True)
    expect_close(buf, grad, "buf equal to the gradient after the first step",
                 "PyTorch initialises the velocity with the first gradient")
    expect_close(param, [0.95, -2.025], "param - lr * grad after the first step",
                 "update param in place: param -= lr * buf")


def test_heavy_ball_four_steps(mod):
    got_param, got_buf = _run(_mine(mod, False), False)
    want_param, want_buf = _run(_reference(False), False)
    expect_close(got_buf, want_buf, "the velocity after 4 steps",
                 "buf = momentum * buf + grad (no (1 - momentum) factor: that would be dampening)")
    expect_close(got_param, want_param, "the parameters after 4 steps (momentum 0.9, lr 0.1)")


def test_nesterov_four_steps(mod):
    got_param, _ = _run(_mine(mod, True), True)
    want_param, _ = _run(_reference(True), True)
    plain_param, _ = _run(_reference(False), False)
    hint = ("with nesterov=True, step along the velocity you would have after one more update "
            "with the same gradient: apply buf's update rule once more, on paper, to the "
            "updated buf")
    if np.allclose(got_param, plain_param):
        hint = "nesterov=True gave the same result as plain momentum: " + hint
    expect_close(got_param, want_param, "the parameters after 4 Nesterov steps", hint)


def test_updates_in_place(mod):
    param, grad, buf = np.ones(3), np.ones(3), np.zeros(3)
    param_id, buf_id = id(param), id(buf)
    result = mod.momentum_step(param, grad, buf, lr=0.5, momentum=0.9, first_step=True)
    if result is not None and not np.allclose(param, 0.5):
        raise ExerciseFailure("param changed in place (the function returns nothing)",
                              "a returned value, with param unchanged",
                              "write param -= lr * update and buf[...] = ..., not param = ...")
    if not np.allclose(param, 0.5) or not np.allclose(buf, 1.0):
        raise ExerciseFailure("param and buf updated in place", f"param {param}, buf {buf}",
                              "param = param - ... makes a new local array; use param -= ...")
    assert id(param) == param_id and id(buf) == buf_id


TESTS = [test_first_step, test_heavy_ball_four_steps, test_nesterov_four_steps,
         test_updates_in_place]
