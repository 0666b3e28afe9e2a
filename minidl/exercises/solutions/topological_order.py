"""Exercise topological_order: the order in which backward visits the graph.

Every Tensor made by an op while grad mode is on has ``t.grad_fn``, the graph Node of that op,
and ``t.grad_fn.inputs`` are the op's inputs (Tensors, or constants such as Python numbers).
Leaves (tensors you created) have ``grad_fn = None``.

Backward may process a tensor only once every tensor built from it has passed its gradient
back. So it needs the tensors ordered "root first, and each tensor before every tensor it was
built from": the reverse of a topological order.

Write ``topological_order(root)``: a list of the distinct Tensors reachable from ``root``
through ``grad_fn.inputs`` that require grad (``t.requires_grad``), root first, each one
appearing before all of its inputs. Graphs can be 10,000 ops deep, deeper than Python's
recursion limit: use an explicit stack instead of recursion. Tensors can be reached by several
paths (x used twice): list each once; compare them by identity (``id(t)``), since ``==`` on
tensors is elementwise.

Check with:  python -m minidl.exercises check topological_order
"""
from minidl import Tensor


def topological_order(root):
    """Tensors reachable from ``root`` that require grad, each before the tensors it was built from."""
    # BEGIN SOLUTION
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        tensor, inputs_done = stack.pop()
        if inputs_done:  # every input is already in ``order``: this tensor can follow them
            order.append(tensor)
            continue
        if id(tensor) in visited:
            continue
        visited.add(id(tensor))
        stack.append((tensor, True))
        if tensor.grad_fn is not None:
            for x in tensor.grad_fn.inputs:
                if isinstance(x, Tensor) and x.requires_grad and id(x) not in visited:
                    stack.append((x, False))
    order.reverse()  # inputs came first; backward wants the root first
    return order
    # END SOLUTION
