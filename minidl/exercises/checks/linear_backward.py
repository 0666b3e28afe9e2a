"""Tests of the exercise linear_backward."""
import numpy as np

import minidl as dl

from ..framework import ExerciseFailure, expect_close


def _setup(seed=0, n=5, fan_in=3, fan_out=4):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, fan_in)), rng.standard_normal((fan_out, fan_in)),
            rng.standard_normal(fan_out), rng.standard_normal((n, fan_out)))


def _engine_grads(x, weight, bias, grad_out):
    tx, tw, tb = (dl.tensor(a, requires_grad=True) for a in (x, weight, bias))
    (tx @ tw.T + tb).backward(dl.tensor(grad_out))
    return tx.grad.numpy(), tw.grad.numpy(), tb.grad.numpy()


def _result(mod, x, weight, grad_out):
    result = mod.linear_backward(x, weight, grad_out)
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        raise ExerciseFailure("a tuple (grad_x, grad_weight, grad_bias)", repr(result)[:80])
    return result


def test_grad_x(mod):
    x, weight, bias, grad_out = _setup()
    gx, _, _ = _result(mod, x, weight, grad_out)
    expect_close(gx, _engine_grads(x, weight, bias, grad_out)[0], "grad_x (N, in)",
                 "grad_out (N, out) @ weight (out, in) has the shape (N, in) of x")


def test_grad_weight(mod):
    x, weight, bias, grad_out = _setup(1)
    _, gw, _ = _result(mod, x, weight, grad_out)
    expected = _engine_grads(x, weight, bias, grad_out)[1]
    hint = "grad_out.T (out, N) @ x (N, in) has the shape (out, in) of weight"
    if gw is not None and np.shape(gw) == expected.T.shape and np.allclose(gw, expected.T):
        hint = "you returned the transpose: weight is stored (out, in), as in PyTorch"
    expect_close(gw, expected, "grad_weight (out, in)", hint)


def test_grad_bias(mod):
    x, weight, bias, grad_out = _setup(2)
    _, _, gb = _result(mod, x, weight, grad_out)
    hint = "the bias was broadcast over the N rows: sum grad_out over axis 0"
    if gb is not None and np.allclose(gb, grad_out.mean(axis=0)):
        hint = "sum over the rows, do not average: each row's use of the bias adds its gradient"
    expect_close(gb, _engine_grads(x, weight, bias, grad_out)[2], "grad_bias (out,)", hint)


def test_single_sample_and_square(mod):
    x, weight, bias, grad_out = _setup(3, n=1, fan_in=4, fan_out=4)
    got = _result(mod, x, weight, grad_out)
    for name, g, e in zip(("grad_x", "grad_weight", "grad_bias"), got,
                          _engine_grads(x, weight, bias, grad_out)):
        expect_close(g, e, f"{name} for a batch of one and a square weight",
                     "with in == out a transposed weight still has the right shape: check the "
                     "formulas, not just the shapes")


TESTS = [test_grad_x, test_grad_weight, test_grad_bias, test_single_sample_and_square]
