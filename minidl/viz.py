"""Draw a computation graph with every tensor's value and gradient (matplotlib, no graphviz).

    loss = ((x @ w + b).relu() ** 2).mean()
    fig = minidl.viz.draw_graph(loss, names={"x": x, "w": w, "b": b})
    fig.savefig("graph.png")

Each box is a tensor that requires grad: a leaf shows its name (or its shape), any other tensor
the op that made it; under it, its value and d(root)/d(tensor). Arrows point the way the forward
pass went; backward walks them in reverse. Call ``draw_graph`` *before* ``root.backward()`` (or
after ``backward(retain_graph=True)``): it runs its own backward pass over the graph, without
touching any ``.grad``, to get the gradient of every tensor, not only of the leaves.
"""
import numpy as np

from .autograd import gather_output_grad, reduce_broadcast_grad, topological_order
from .tensor import Tensor


def node_gradients(root):
    """``{id(tensor): d(root)/d(tensor)}`` (NumPy arrays) for every tensor of root's graph.

    The same walk as ``autograd.backward`` (reverse topological order, each op's backward,
    broadcast gradients summed back to their input's shape), but keeping the gradient of every
    tensor instead of accumulating only into the leaves. ``root`` must have one element.
    """
    if root.numel() != 1:
        raise ValueError(f"draw_graph: the root must have one element (a loss), got shape "
                         f"{root.shape}")
    grads = {id(root): np.ones(root.shape, dtype=np.float64)}
    for tensor in topological_order(root):
        node = tensor.grad_fn
        grad = grads.get(id(tensor))
        if node is None or grad is None:
            continue
        if node.freed:
            raise RuntimeError("draw_graph: the graph was freed by backward(); call draw_graph "
                               "before backward(), or use backward(retain_graph=True)")
        if node.output_index is not None:  # one output of several: see MultiOutputFunction
            gather_output_grad(node, grad, grads)
            continue
        xp = node.backend.xp
        if isinstance(grad, list):  # the gradients of a multi-output op's outputs, gathered
            del grads[id(tensor)]  # (its hidden tensor shows none: the outputs show theirs)
            upstream = [None if g is None else xp.asarray(g, tensor.dtype) for g in grad]
        else:
            upstream = xp.asarray(grad, dtype=tensor.dtype)
        input_grads = node.function.backward(node, upstream)
        if not isinstance(input_grads, tuple):
            input_grads = (input_grads,)
        for x, g in zip(node.inputs, input_grads):
            if g is None or not isinstance(x, Tensor) or not x.requires_grad:
                continue
            g = node.backend.to_host(reduce_broadcast_grad(g, tuple(x.shape)))
            grads[id(x)] = grads.get(id(x), 0) + np.asarray(g, dtype=np.float64)
    return grads


def _summary(array, limit):
    """A short text for an array: the number itself, or its first few values."""
    array = np.asarray(array, dtype=np.float64)
    if array.size == 1:
        return f"{array.item():.4g}"
    shown = ", ".join(f"{v:.3g}" for v in array.ravel()[:limit])
    return f"[{shown}{', ...' if array.size > limit else ''}]"


def graph_layout(root, names=None):
    """Boxes and arrows of the graph below ``root``: ``(nodes, edges, column, row, labels)``.

    ``nodes`` maps id(tensor) to the tensor, ``edges`` lists (input id, output id) pairs, and
    ``column``/``row`` place each tensor (the column is the longest path from a leaf; a leaf sits
    just left of its first use; rows spread the tensors of one column), ``labels`` name it.
    """
    names = {id(tensor): name for name, tensor in (names or {}).items()}
    order = topological_order(root)  # root first, every tensor before its inputs
    nodes = {id(t): t for t in order}
    edges = [(id(x), id(t)) for t in order if t.grad_fn is not None
             for x in t.grad_fn.inputs if isinstance(x, Tensor) and id(x) in nodes]
    column = {}
    for tensor in reversed(order):  # inputs before outputs
        inputs = [a for a, b in edges if b == id(tensor)]
        column[id(tensor)] = 1 + max((column[i] for i in inputs), default=-1)
    for tensor in order:
        users = [column[b] for a, b in edges if a == id(tensor)]
        if tensor.grad_fn is None and users:
            column[id(tensor)] = min(users) - 1
    by_column = {}
    for key in nodes:
        by_column.setdefault(column[key], []).append(key)
    row = {key: (len(keys) - 1) / 2 - i for keys in by_column.values()
           for i, key in enumerate(keys)}
    labels = {}
    for key, tensor in nodes.items():
        op = tensor.grad_fn.name().removesuffix("Backward") if tensor.grad_fn else None
        name = names.get(key)
        labels[key] = f"{name} = {op}" if name and op else name or op or "leaf"
    return nodes, edges, column, row, labels


def draw_graph(root, names=None, ax=None, values=2, show_grad=True):
    """Draw the graph below ``root`` with each tensor's value and gradient; returns the Figure.

    ``names``: ``{"w": w, ...}`` labels for tensors (leaves are otherwise labelled "leaf");
    ``ax``: a matplotlib Axes to draw on (a new figure otherwise); ``values``: how many numbers
    of each array to show; ``show_grad``: also run the backward pass and show d(root)/d(tensor).
    """
    nodes, edges, column, row, labels = graph_layout(root, names)
    grads = node_gradients(root) if show_grad else {}
    if ax is None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        width = 3.0 * (max(column.values()) - min(column.values()) + 1)
        height = 1.3 * max(sum(1 for c in column.values() if c == k) for k in set(column.values()))
        fig = Figure(figsize=(max(width, 5), max(height, 2.5)))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
    fig = ax.figure
    boxes = {}
    for key, tensor in nodes.items():
        lines = [f"{labels[key]}  {tuple(tensor.shape)}",
                 f"data {_summary(tensor.numpy(), values)}"]
        if show_grad:
            lines.append(f"grad {_summary(grads[key], values)}" if key in grads else "grad -")
        leaf = tensor.grad_fn is None
        boxes[key] = ax.text(column[key], row[key], "\n".join(lines), ha="center", va="center",
                             fontsize=7, family="monospace", zorder=1,
                             bbox=dict(boxstyle="round", fc="#cde4ff" if leaf else "#ffe9c9",
                                       ec="grey"))
    for source, target in edges:  # drawn after the boxes, clipped at their edges
        ax.annotate("", xy=(column[target], row[target]), xytext=(column[source], row[source]),
                    zorder=2, arrowprops=dict(arrowstyle="-|>", color="grey",
                                              patchA=boxes[source].get_bbox_patch(),
                                              patchB=boxes[target].get_bbox_patch()))
    ax.set_xlim(min(column.values()) - 0.7, max(column.values()) + 0.7)
    ax.set_ylim(min(row.values()) - 0.7, max(row.values()) + 0.7)
    ax.axis("off")
    return fig
