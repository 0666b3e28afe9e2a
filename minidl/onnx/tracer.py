"""Tracing: run a model once and read back the graph of ops it ran.

The engine already records a graph for backward: every op's output tensor has a ``grad_fn``
node that knows its op class (``node.function``), its inputs (``node.inputs``: tensors and
constants such as shapes or axes) and whatever its forward stored on it (``ctx.dim``...). For
export the tracer sets ``autograd._record_every_op``, so that ops whose output needs no
gradient (a mask ``ids == pad``, the int64 ids themselves) are recorded too, runs the model,
and walks the nodes back from the outputs. What it returns lists each op once, after the ops
that made its inputs.
"""
from dataclasses import dataclass

from .. import autograd
from ..autograd import no_grad
from ..tensor import Tensor


@dataclass
class TracedOp:
    """One op application: ``output = function(*inputs)``; ``node`` holds its options."""

    function: type
    node: object
    inputs: tuple
    output: Tensor


@dataclass
class Trace:
    """The ops of one run, in an order where every op comes after those making its inputs."""

    inputs: tuple  # the tensors the model was called with
    ops: list
    outputs: tuple


def trace(model, args):
    """Run ``model(*args)`` recording every op (under no_grad: nothing is kept for backward)."""
    args = tuple(args)
    for i, arg in enumerate(args):
        if not isinstance(arg, Tensor):
            raise TypeError(f"onnx.export: argument {i} is a {type(arg).__name__}, "
                            "expected a Tensor")
    previous = autograd._record_every_op
    autograd._record_every_op = True
    try:
        with no_grad():
            outputs = model(*args)
    finally:
        autograd._record_every_op = previous
    outputs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
    for i, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            raise TypeError(f"onnx.export: output {i} of the model is a "
                            f"{type(out).__name__}; only Tensor outputs can be exported")
    return Trace(args, _ops_in_order(outputs), tuple(outputs))


def _ops_in_order(outputs):
    """Iterative depth-first walk from the outputs over ``grad_fn.inputs`` (a recursive one
    would overflow Python's stack on a deep model)."""
    ops, visited = [], set()
    stack = [(out, False) for out in reversed(outputs)]
    while stack:
        tensor, inputs_done = stack.pop()
        node = tensor.grad_fn
        if inputs_done:
            ops.append(TracedOp(node.function, node, tuple(node.inputs), tensor))
            continue
        if id(tensor) in visited or node is None:
            continue
        visited.add(id(tensor))
        stack.append((tensor, True))
        for x in reversed(node.inputs):
            if isinstance(x, Tensor) and id(x) not in visited:
                stack.append((x, False))
    return ops
