"""Tests of the exercise attention_backward (against the reference kernel, then gradcheck)."""
import numpy as np

import minidl as dl
from minidl.autograd import ArrayFunction
from minidl.kernels import reference

from ..framework import ExerciseFailure, expect_close


def _inputs(seed=0, b=2, length=4, s=5, e=3, ev=2):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((b, length, e)), rng.standard_normal((b, s, e)),
            rng.standard_normal((b, s, ev)), rng.standard_normal((b, length, ev)))


def _grads(mod, q, k, v, go, scale):
    o, p = mod.attention_forward(q, k, v, scale)
    result = mod.attention_backward(q, k, v, p, go, scale)
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        raise ExerciseFailure("a tuple (dQ, dK, dV)", repr(result)[:80])
    return result, o


def _expected(q, k, v, go, scale):
    o, lse = reference.attention_forward(q, k, v, None, scale, False)
    return reference.attention_backward(q, k, v, o, lse, go, None, scale, False)


def test_grad_v(mod):
    q, k, v, go = _inputs()
    (_, _, gv), _ = _grads(mod, q, k, v, go, 0.5)
    expect_close(gv, _expected(q, k, v, go, 0.5)[2], "dV = P^T dO (B, S, Ev)",
                 "transpose P's last two axes: p.transpose(0, 2, 1) @ go")


def test_grad_q(mod):
    q, k, v, go = _inputs(1)
    (gq, _, _), _ = _grads(mod, q, k, v, go, 0.5)
    expected = _expected(q, k, v, go, 0.5)[0]
    hint = "dS = P * (dP - rowsum(dP * P)), then dQ = scale * dS K"
    if gq is not None and np.shape(gq) == expected.shape and np.allclose(gq, 2 * expected):
        hint = "multiply by scale (0.5 here): S = scale * Q K^T"
    expect_close(gq, expected, "dQ (B, L, E)", hint)


def test_grad_k(mod):
    q, k, v, go = _inputs(2)
    (_, gk, _), _ = _grads(mod, q, k, v, go, 0.5)
    expect_close(gk, _expected(q, k, v, go, 0.5)[1], "dK = scale * dS^T Q (B, S, E)",
                 "dK needs the transpose of dS: gs.transpose(0, 2, 1) @ q")


def test_gradcheck_through_the_engine(mod):
    class Attention(ArrayFunction):
        @staticmethod
        def forward(ctx, q, k, v):
            ctx.q, ctx.k, ctx.v = q, k, v
            o, ctx.p = mod.attention_forward(q, k, v, 0.7)
            return o

        @staticmethod
        def backward(ctx, grad):
            return tuple(mod.attention_backward(ctx.q, ctx.k, ctx.v, ctx.p, grad, 0.7))

    q, k, v, _ = _inputs(3, b=1, length=3, s=4, e=2, ev=2)
    tensors = [dl.tensor(a, requires_grad=True) for a in (q, k, v)]
    try:
        dl.gradcheck(Attention.apply, tensors)
    except dl.GradcheckError as error:
        raise ExerciseFailure("dQ, dK, dV agree with central differences", str(error)) from None


TESTS = [test_grad_v, test_grad_q, test_grad_k, test_gradcheck_through_the_engine]
