"""Track step 2: backward through the whole graph, in topological order.

Step 1 gave every op a ``_backward`` that passes ``out.grad`` on to its inputs. To get the
gradient of a final result ``root`` with respect to everything it was built from, call them
all, in an order where each node's ``_backward`` runs only once its own ``grad`` is complete,
that is, after the ``_backward`` of *every* node that used it. Which order of the graph
guarantees that? (Think of a node used twice, ``d = a * b + a``.)

- ``topological_order(root)``: every node reachable from ``root`` through ``_prev``, each
  listed once and *after* all the nodes it was built from (so ``root`` is last). Use an
  explicit stack, not recursion: a chain of 5,000 ops must work, and Python's recursion
  limit is about 1,000.
- ``backward(root)``: seed ``root.grad`` with d(root)/d(root) (one, of root's shape: use
  ``np.ones_like`` when ``root.data`` is an array), then run the ``_backward`` functions in
  the right order.

Only ``data``, ``grad``, ``_prev`` and ``_backward`` are used, so the same two functions will
drive your Tensor of step 4.

Check with:  python -m minidl.exercises check track02_backward
"""
import numpy as np


def topological_order(root):
    """The nodes of root's graph, each after every node in its ``_prev`` (root last)."""
    # BEGIN SOLUTION topological_order(root) with an explicit stack
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
        elif id(node) not in visited:
            visited.add(id(node))
            stack.append((node, True))
            stack.extend((parent, False) for parent in node._prev if id(parent) not in visited)
    return order
    # END SOLUTION


def backward(root):
    """Fill ``grad`` of every node of root's graph with d(root)/d(node)."""
    # BEGIN SOLUTION backward(root): seed root.grad, then each _backward in the right order
    root.grad = np.ones_like(root.data, dtype=float) if isinstance(root.data, np.ndarray) else 1.0
    for node in reversed(topological_order(root)):
        node._backward()
    # END SOLUTION
