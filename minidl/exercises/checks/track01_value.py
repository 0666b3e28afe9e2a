"""Tests of track step 1: each op of Value, its value and its local backward."""
import math

from ..framework import ExerciseFailure, expect_close


def _local_grads(mod, make, *values, upstream=2.0):
    """Run one op on fresh Values, set out.grad, call out._backward once: the inputs' grads."""
    inputs = [mod.Value(v) for v in values]
    out = make(*inputs)
    if not isinstance(out, mod.Value):
        raise ExerciseFailure("the op returns a new Value", repr(out)[:80],
                              "build the result with Value(..., (inputs), op) and return it")
    out.grad = upstream
    out._backward()
    return out, [x.grad for x in inputs]


def test_add(mod):
    out, (ga, gb) = _local_grads(mod, lambda a, b: a + b, 2.0, -3.0)
    expect_close(out.data, -1.0, "(2 + -3).data")
    expect_close([ga, gb], [2.0, 2.0], "the grads of a and b after out.grad = 2, out._backward()",
                 "out changes one for one with a and with b: each input's grad gains 1 * out.grad"
                 " (did you set out._backward = _backward?)")


def test_mul(mod):
    out, (ga, gb) = _local_grads(mod, lambda a, b: a * b, 2.0, -3.0)
    hint = "nudge a by 1 and out = a * b moves by b: a's grad gains b * out.grad, and vice versa"
    if math.isclose(ga, 2 * 2.0) and math.isclose(gb, 2 * -3.0):
        hint = "the two inputs are swapped: d(a * b)/da is b, not a"
    expect_close([ga, gb], [-6.0, 4.0], "the grads of a = 2 and b = -3 for a * b, out.grad = 2",
                 hint)


def test_a_value_used_twice_gathers_both_shares(mod):
    for what, make, expected in [("a + a", lambda a: a + a, 2.0), ("a * a", lambda a: a * a, 6.0)]:
        a = mod.Value(3.0)
        out = make(a)
        out.grad = 1.0
        out._backward()
        hint = (f"d({what})/da = {expected:g} at a = 3: each use of a adds its share, so add "
                "with +=, never assign with =")
        expect_close(a.grad, expected, f"a.grad for {what} at a = 3", hint)


def test_pow_exp_tanh_relu(mod):
    cases = [("a ** 3 at a = 2", lambda a: a**3, 2.0, 3 * 4.0,
              "d(a^k)/da = k a^(k-1)"),
             ("a.exp() at a = 0.5", lambda a: a.exp(), 0.5, math.exp(0.5),
              "exp is its own derivative (out.data holds it)"),
             ("a.tanh() at a = 0.5", lambda a: a.tanh(), 0.5, 1 - math.tanh(0.5) ** 2,
              "differentiate tanh = sinh / cosh, and write the result with tanh itself"),
             ("a.relu() at a = -1", lambda a: a.relu(), -1.0, 0.0,
              "relu passes the gradient only where its input is positive"),
             ("a.relu() at a = 2", lambda a: a.relu(), 2.0, 1.0,
              "relu passes the gradient only where its input is positive")]
    for what, make, value, derivative, hint in cases:
        _, (grad,) = _local_grads(mod, make, value, upstream=1.0)
        expect_close(grad, derivative, f"d/da of {what}", hint)


def test_graph_is_recorded(mod):
    a, b = mod.Value(1.0), mod.Value(2.0)
    out = a * b + a
    parents = getattr(out, "_prev", ())
    if len(parents) != 2 or not any(p is a for p in parents):
        raise ExerciseFailure("out._prev holds the two Values it was made from", repr(parents),
                              "pass (self, other) as _prev when you build the result")


TESTS = [test_add, test_mul, test_a_value_used_twice_gathers_both_shares,
         test_pow_exp_tanh_relu, test_graph_is_recorded]
