"""Tests of track step 2: topological order and backward over the learner's Values."""
from ..framework import ExerciseFailure, earlier_step, expect_close


def _value(mod):
    return earlier_step(mod, "track01_value").Value


def test_order_puts_inputs_first(mod):
    Value = _value(mod)
    a, b = Value(2.0), Value(3.0)
    c = a * b
    d = c + a
    order = mod.topological_order(d)
    position = {id(node): i for i, node in enumerate(order)}
    if len(order) != 4 or len(position) != 4:
        raise ExerciseFailure("each of the 4 nodes of d = a*b + a exactly once",
                              f"{len(order)} entries, {len(position)} distinct",
                              "remember the nodes you have visited (a set of id(node))")
    for node, parent in [(c, a), (c, b), (d, c), (d, a)]:
        if position[id(parent)] > position[id(node)]:
            raise ExerciseFailure("every node after the nodes in its _prev (root last)",
                                  f"{parent} after {node}",
                                  "append a node only once all of its _prev have been appended")


def test_long_chain_without_recursion(mod):
    Value = _value(mod)
    x = Value(1.0)
    y = x
    for _ in range(5000):
        y = y * 1.0
    try:
        order = mod.topological_order(y)
    except RecursionError:
        raise ExerciseFailure("a 5,000-op chain ordered", "RecursionError",
                              "a recursive search goes one Python call deeper per node: keep "
                              "the nodes still to visit on a list used as a stack") from None
    expect_close(len(order), 10001, "the number of nodes (5,001 Values and 5,000 constants)")


def test_backward_through_shared_node(mod):
    Value = _value(mod)
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    d = c + a      # a is used twice, c once
    e = d * d      # d used twice by one op
    mod.backward(e)
    # e = (ab + a)^2: de/da = 2(ab + a)(b + 1), de/db = 2(ab + a) a
    hint = ("run each node's _backward once, root first and every node only after all the "
            "nodes that use it (the reverse of your topological order)")
    if abs(a.grad - 2 * (-4) * (-2)) > 1e-9 and e.grad != 1.0:
        hint = "seed the root: e.grad = 1 (d e / d e) before calling any _backward"
    expect_close([a.grad, b.grad], [16.0, -16.0], "a.grad and b.grad for e = (a*b + a)^2", hint)


def test_each_backward_runs_once(mod):
    Value = _value(mod)
    calls = []
    a = Value(1.0)
    b = a + a
    c = b * b
    original = b._backward

    def counted():
        calls.append(1)
        original()
    b._backward = counted
    mod.backward(c)
    if len(calls) != 1:
        raise ExerciseFailure("b._backward called once", f"{len(calls)} calls",
                              "visit every node once, even when several nodes use it")
    expect_close(a.grad, 8.0, "a.grad for c = (a + a)^2 at a = 1")


TESTS = [test_order_puts_inputs_first, test_long_chain_without_recursion,
         test_backward_through_shared_node, test_each_backward_runs_once]
