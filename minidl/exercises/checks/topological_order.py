"""Tests of the exercise topological_order."""
import numpy as np

import minidl as dl
from minidl import Tensor

from ..framework import ExerciseFailure, expect_close


def _check_order(order, root, what):
    if not isinstance(order, (list, tuple)):
        raise ExerciseFailure(f"{what}: a list of tensors", f"{type(order).__name__}")
    ids = [id(t) for t in order]
    if len(set(ids)) != len(ids):
        raise ExerciseFailure(f"{what}: each tensor once", "some tensor appears twice",
                              "keep a set of the ids of the tensors you have visited")
    if not order or order[0] is not root:
        raise ExerciseFailure(f"{what}: the root first", "another tensor first (or an empty list)",
                              "reverse the post-order at the end")
    position = {id(t): i for i, t in enumerate(order)}
    for t in order:
        if t.grad_fn is None:
            continue
        for x in t.grad_fn.inputs:
            if isinstance(x, Tensor) and x.requires_grad:
                if id(x) not in position:
                    raise ExerciseFailure(f"{what}: every tensor reachable from the root",
                                          f"an input of {t.grad_fn!r} is missing")
                if position[id(x)] < position[id(t)]:
                    raise ExerciseFailure(
                        f"{what}: every tensor before its inputs",
                        f"an input of {t.grad_fn!r} comes before the tensor built from it",
                        "append a tensor only after all its inputs are done, then reverse")


def test_diamond(mod):
    x = dl.tensor([1.0, 2.0], requires_grad=True)
    a = x * 2
    b = x.exp()
    y = (a + b).sum()
    order = mod.topological_order(y)
    _check_order(order, y, "x -> (a, b) -> y (x reached by two paths)")
    if len(order) != 5:
        raise ExerciseFailure("5 tensors: y, a + b, a, b, x", f"{len(order)} tensors")


def test_skips_constants_and_no_grad_tensors(mod):
    x = dl.tensor([1.0, 2.0], requires_grad=True)
    c = dl.tensor([3.0, 4.0])  # no grad
    y = ((x * c) + 1.5).sum()
    order = mod.topological_order(y)
    _check_order(order, y, "a graph with a constant tensor and a Python number")
    if any(not t.requires_grad for t in order) or len(order) != 4:
        raise ExerciseFailure("only the 4 tensors that require grad (y, x*c+1.5, x*c, x)",
                              f"{len(order)} tensors",
                              "skip inputs that are not Tensors or do not require grad")


def test_drives_a_correct_backward(mod):
    """Run the chain rule in the learner's order; it must give the engine's gradients."""
    rng = np.random.default_rng(0)
    w = dl.tensor(rng.standard_normal((3, 3)), requires_grad=True)
    x = dl.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    h = (x @ w).tanh()
    y = ((h * h + h) @ w).sum()
    order = mod.topological_order(y)
    _check_order(order, y, "a small MLP-like graph")
    grads = {id(y): np.ones(())}
    for t in order:
        grad = grads.pop(id(t), None)
        if grad is None or t.grad_fn is None:
            grads[id(t)] = grad
            continue
        node = t.grad_fn
        results = node.function.backward(node, grad)
        results = results if isinstance(results, tuple) else (results,)
        for inp, g in zip(node.inputs, results):
            if isinstance(inp, Tensor) and inp.requires_grad and g is not None:
                grads[id(inp)] = grads.get(id(inp), 0) + g
    got_w = grads.get(id(w))
    y2 = ((((x @ w).tanh() ** 2) + (x @ w).tanh()) @ w).sum()
    y2.backward()
    expect_close(got_w, w.grad.numpy(), "dy/dw from a backward pass run in your order",
                 "a tensor must come after every tensor built from it", atol=1e-4)


def test_deep_chain_without_recursion(mod):
    x = dl.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0
    try:
        order = mod.topological_order(y)
    except RecursionError:
        raise ExerciseFailure("a 10,000-op chain is ordered", "RecursionError",
                              "use a list as an explicit stack instead of a recursive function") \
            from None
    if len(order) != 10_001:
        raise ExerciseFailure("10,001 tensors", f"{len(order)}")


TESTS = [test_diamond, test_skips_constants_and_no_grad_tensors, test_drives_a_correct_backward,
         test_deep_chain_without_recursion]
