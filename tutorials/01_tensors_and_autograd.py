# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 1. Tensors and autograd
#
# A neural network is a long composition of simple functions, and training it needs the
# derivative of one number (the loss) with respect to millions of parameters. *Automatic
# differentiation* gets all of those derivatives for the price of about one extra forward pass,
# by applying the chain rule backwards over a recorded graph of operations.
#
# In this tutorial you will:
#
# 1. make tensors and see how broadcasting works;
# 2. differentiate a small expression **by hand**, node by node, with the chain rule;
# 3. let minidl's engine do the same and compare;
# 4. look inside the engine: the graph of `Node`s, the topological order, a custom op;
# 5. check gradients numerically with `dl.gradcheck`, and see how its step size matters;
# 6. draw the computation graph.
#
# Everything here uses only the engine: `minidl/tensor.py`, `minidl/autograd.py`,
# `minidl/ops/` and `minidl/gradcheck.py`. Keep `minidl/autograd.py` open beside this file: it
# is short, and every step below points into it.
#
# Exercises for this tutorial: `python -m minidl.exercises list` (div_function,
# reduce_broadcast_grad, topological_order, numerical_gradient).

# %%
import json

import matplotlib.pyplot as plt
import numpy as np

import minidl as dl
from minidl.autograd import ArrayFunction, topological_order

from tutorial_setup import QUICK, save_figure


dl.manual_seed(0)
results = {}

# %% [markdown]
# ## Tensors
#
# A `Tensor` wraps one NumPy array (on `"cpu"`) together with what autograd needs: `.grad`,
# `.requires_grad` and `.grad_fn`, the graph node of the op that made it. Python floats give
# `float32` tensors and Python ints `int64`, as in PyTorch.

# %%
a = dl.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
print(a, a.shape, a.dtype, a.device)
print("sum over rows:", a.sum(dim=0), " mean of everything:", a.mean().item())
print("matrix product a @ a.T:\n", a @ a.T)

# %% [markdown]
# **Broadcasting** lines shapes up from the right; an axis of size 1 (or a missing leading
# axis) is stretched to match. Here a column `(2, 1)` and a row `(3,)` make a `(2, 3)` table.

# %%
column = dl.tensor([[10.0], [20.0]])  # (2, 1)
row = dl.tensor([1.0, 2.0, 3.0])  # (3,)
print((column + row).shape)
print(column + row)

# %% [markdown]
# ## The chain rule on a graph
#
# Take one neuron with a squared-error loss:
#
# $$ z = w x + b, \qquad h = \tanh(z), \qquad L = (h - t)^2 . $$
#
# The forward pass computes the intermediate values left to right. The backward pass walks
# right to left, multiplying *local* derivatives, each of which only looks at one node:
#
# | node | local derivative | gradient arriving |
# |---|---|---|
# | $L = (h-t)^2$ | $\partial L/\partial h = 2(h-t)$ | $\bar h = 2(h-t)$ |
# | $h = \tanh z$ | $\partial h/\partial z = 1-h^2$ | $\bar z = \bar h\,(1-h^2)$ |
# | $z = wx + b$ | $\partial z/\partial w = x$, $\partial z/\partial b = 1$ | $\bar w = \bar z\,x$, $\bar b = \bar z$ |
#
# ($\bar v$ is shorthand for $\partial L/\partial v$.) Let us do it with plain floats.

# %%
x_val, t_val, w_val, b_val = 1.5, 0.2, -0.8, 0.3

# forward, by hand
z_val = w_val * x_val + b_val
h_val = np.tanh(z_val)
L_val = (h_val - t_val) ** 2

# backward, by hand: one local derivative per node, multiplied along the path
h_bar = 2 * (h_val - t_val)
z_bar = h_bar * (1 - h_val**2)
w_bar = z_bar * x_val
b_bar = z_bar * 1.0
print(f"by hand:  L = {L_val:.6f}   dL/dw = {w_bar:.6f}   dL/db = {b_bar:.6f}")

# %% [markdown]
# ## Backward by hand vs the engine
#
# Now the same expression with tensors. `requires_grad=True` asks minidl to record every op
# that uses `w` or `b`; `L.backward()` runs the chain rule from `L` back to them and leaves
# the results in `.grad`.

# %%
x = dl.tensor(x_val, dtype=dl.float64)
t = dl.tensor(t_val, dtype=dl.float64)
w = dl.tensor(w_val, dtype=dl.float64, requires_grad=True)
b = dl.tensor(b_val, dtype=dl.float64, requires_grad=True)

z = w * x + b
h = z.tanh()
L = (h - t) ** 2
L.backward()
print(f"engine:   L = {L.item():.6f}   dL/dw = {w.grad.item():.6f}   dL/db = {b.grad.item():.6f}")
scalar_error = max(abs(w.grad.item() - w_bar), abs(b.grad.item() - b_bar))
print("largest difference:", scalar_error)
assert scalar_error < 1e-12

# %% [markdown]
# The same works for whole arrays. A layer $H = \tanh(XW + b)$ with loss
# $L = \tfrac12\sum H^2$: by hand, $\bar H = H$, $\bar Z = \bar H \odot (1 - H^2)$,
# $\bar W = X^\top \bar Z$ (a matrix product: each weight is used once per row of $X$) and
# $\bar b = \sum_{\text{rows}} \bar Z$ (the bias was *broadcast* over the rows, so its gradient
# sums over them; more on that in a moment).

# %%
rng = np.random.default_rng(0)
X_np, W_np, b_np = rng.standard_normal((5, 3)), rng.standard_normal((3, 4)), rng.standard_normal(4)

Z_np = X_np @ W_np + b_np
H_np = np.tanh(Z_np)
H_bar = H_np
Z_bar = H_bar * (1 - H_np**2)
W_bar, b_bar_vec = X_np.T @ Z_bar, Z_bar.sum(axis=0)

X = dl.tensor(X_np)
W = dl.tensor(W_np, requires_grad=True)
bias = dl.tensor(b_np, requires_grad=True)
L = 0.5 * ((X @ W + bias).tanh() ** 2).sum()
L.backward()
matrix_error = max(np.abs(W.grad.numpy() - W_bar).max(), np.abs(bias.grad.numpy() - b_bar_vec).max())
print("largest difference between the hand-written and the engine's gradients:", matrix_error)
assert matrix_error < 1e-12
results["hand_vs_engine_error"] = float(max(scalar_error, matrix_error))

# %% [markdown]
# ## Broadcasting and its gradient
#
# If `bias` of shape `(4,)` is added to a `(5, 4)` matrix, each bias element is used in all 5
# rows; each use passes back its own gradient, so the bias gradient is the **sum** over the
# rows. In general the engine sums the output gradient over every axis that broadcasting
# prepended, and (keeping the axis) over every axis where the input had size 1. That is
# `reduce_broadcast_grad` in `minidl/autograd.py`; you will write it in the exercise
# `reduce_broadcast_grad`.

# %%
from minidl.autograd import reduce_broadcast_grad

g = np.arange(24.0).reshape(2, 3, 4)
for shape in [(3, 4), (3, 1), (1, 1, 4), ()]:
    print(f"grad (2, 3, 4) -> input {shape}: shape {reduce_broadcast_grad(g, shape).shape}")

col = dl.tensor(np.ones((3, 1)), requires_grad=True)
(col * dl.tensor(np.arange(24.0).reshape(2, 3, 4))).sum().backward()
print("gradient of a (3, 1) input broadcast to (2, 3, 4):", col.grad.numpy().ravel())

# %% [markdown]
# ## The graph that backward walks
#
# Each op applied while grad mode is on creates a `Node` (see `class Node` in
# `minidl/autograd.py`) and hangs it on its output as `.grad_fn`. A node knows its `function`
# (the op's class, e.g. `Mul`) and its `inputs` (the tensors and constants it was called
# with). Leaves, the tensors you made yourself, have `grad_fn = None`. So from the loss you
# can walk the whole graph backwards: that is all `backward()` needs.

# %%
w = dl.tensor(w_val, dtype=dl.float64, requires_grad=True)
b = dl.tensor(b_val, dtype=dl.float64, requires_grad=True)
L = ((w * x + b).tanh() - t) ** 2
node = L.grad_fn
print("L.grad_fn:", node, " its inputs:", node.inputs)
print("one step further back:", node.inputs[0].grad_fn, "->", node.inputs[0].grad_fn.inputs[0].grad_fn)
print("a leaf:", w.grad_fn, w.is_leaf)

# %% [markdown]
# ## The engine: topological order
#
# Backward may hand a node its gradient only when **every** path from the loss to that node
# has delivered its share (a tensor used twice gets two contributions that add up). Visiting
# tensors in reverse *topological order* (each tensor before the tensors it was built from)
# guarantees that. minidl's `topological_order` uses an explicit stack rather than recursion,
# because a recursive depth-first search overflows Python's stack on a graph 10,000 ops deep.
# (Exercise `topological_order`.)

# %%
y = dl.tensor([1.0, 2.0], requires_grad=True)
u = y * 2
v = y.exp()
out = (u * v).sum()  # y reaches out along two paths
for position, tensor_in_order in enumerate(topological_order(out)):
    label = tensor_in_order.grad_fn or "leaf y"
    print(position, label)

deep = dl.tensor([1.0], requires_grad=True)
chain = deep
for _ in range(1000 if QUICK else 10_000):
    chain = chain * 1.0001
chain.sum().backward()
print("a graph", len(topological_order(chain)), "tensors deep backpropagates: d/dx =", deep.grad.item())

# %% [markdown]
# ## Writing your own op
#
# Every op is an `ArrayFunction` with `forward(ctx, *arrays)` and `backward(ctx, grad)` side by
# side. `forward` works on plain NumPy arrays and keeps on `ctx` what the backward needs;
# `backward` gets $\partial L/\partial\text{out}$ and returns one gradient per input. Here is
# $\text{softplus}(x) = \log(1 + e^x)$, whose derivative is the sigmoid. In the exercise
# `div_function` you write `a / b` the same way.

# %%
class Softplus(ArrayFunction):
    """out = log(1 + e^x);  d/dx = sigmoid(x) = 1 / (1 + e^-x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.x = x
        return np.logaddexp(0, x)  # log(e^0 + e^x), computed without overflow

    @staticmethod
    def backward(ctx, grad):
        return grad / (1 + np.exp(-ctx.x))


s_in = dl.tensor(np.linspace(-3, 3, 7), requires_grad=True)
Softplus.apply(s_in).sum().backward()
print("softplus'(x) =", s_in.grad.numpy().round(4))
print("sigmoid(x)   =", (1 / (1 + np.exp(-np.linspace(-3, 3, 7)))).round(4))

# %% [markdown]
# ## Gradcheck: trust, but verify
#
# A wrong backward does not crash: it silently trains badly. `dl.gradcheck` compares the
# analytic gradient with **central differences**
#
# $$ \frac{\partial f}{\partial x_i} \approx \frac{f(x + \varepsilon e_i) - f(x - \varepsilon e_i)}{2\varepsilon}, $$
#
# in float64, for every input element (exercise `numerical_gradient`). Below it accepts our
# softplus and catches a plausible bug: a backward that forgot the minus sign in $e^{-x}$.

# %%
x64 = dl.tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
print("Softplus passes gradcheck:", dl.gradcheck(Softplus.apply, (x64,)))


class BuggySoftplus(Softplus):
    @staticmethod
    def backward(ctx, grad):
        return grad / (1 + np.exp(ctx.x))  # bug: should be exp(-x)


caught = not dl.gradcheck(BuggySoftplus.apply, (x64,), raise_exception=False)
print("the bug is caught:", caught)
try:
    dl.gradcheck(BuggySoftplus.apply, (x64,))
except dl.GradcheckError as error:
    print(error)
results["gradcheck_catches_bug"] = caught
results["gradcheck_passes"] = bool(dl.gradcheck(Softplus.apply, (x64,)))

# %% [markdown]
# Why central differences, and why float64? The error of a difference quotient has two parts:
# the *truncation* error of the formula (order $\varepsilon$ for the one-sided
# $(f(x+\varepsilon) - f(x))/\varepsilon$, order $\varepsilon^2$ for the central one) and the
# *rounding* error of subtracting two nearly equal numbers (order
# $\text{machine epsilon}/\varepsilon$). The plot shows both for $f = \exp$ at $x = 1$: the
# V-shapes bottom out where the two errors balance, and float32's bottom is far higher.

# %%
eps_values = np.logspace(-12, -1, 45)
x0 = 1.0
errors = {}
for dtype in (np.float64, np.float32):
    xd, exact = dtype(x0), np.exp(x0)
    for kind in ("one-sided", "central"):
        values = []
        for eps in eps_values:
            e = dtype(eps)
            if kind == "one-sided":
                estimate = (np.exp(xd + e) - np.exp(xd)) / e
            else:
                estimate = (np.exp(xd + e) - np.exp(xd - e)) / (2 * e)
            values.append(abs(float(estimate) - exact) + 1e-17)
        errors[(np.dtype(dtype).name, kind)] = values

fig, ax = plt.subplots(figsize=(6.5, 4.2))
for (dtype_name, kind), values in errors.items():
    ax.loglog(eps_values, values, label=f"{kind}, {dtype_name}",
              linestyle="-" if dtype_name == "float64" else "--")
ax.axvline(1e-6, color="grey", lw=0.8)
ax.text(1.3e-6, 0.02, "gradcheck's eps", color="grey", transform=ax.get_xaxis_transform())
ax.set(xlabel="step eps", ylabel="|estimate - exp'(1)|", title="Finite-difference error vs step size")
ax.legend()
save_figure(fig, "01_finite_difference_error.png")
best_central = min(errors[("float64", "central")])
results["best_central_error_float64"] = best_central

# %% [markdown]
# ## Drawing the computation graph
#
# Finally, let us draw the graph of a two-layer network's loss by walking `grad_fn` and
# `inputs` from the loss down to the leaves, exactly as backward does. Each box is a tensor:
# leaves are named, the others are labelled with the op that produced them. The arrows show
# the forward direction; backward follows them in reverse.

# %%
def graph_of(root, names):
    """Nodes (id -> label, depth) and edges (input id, output id) of the graph below ``root``."""
    labels, edges, depth = {}, [], {}
    order = topological_order(root)  # root first, every tensor before its inputs
    for tensor_ in order:
        if tensor_.grad_fn is None:
            labels[id(tensor_)] = names.get(id(tensor_), f"leaf {tensor_.shape}")
        else:
            labels[id(tensor_)] = tensor_.grad_fn.name().removesuffix("Backward") + f"\n{tensor_.shape}"
            for inp in tensor_.grad_fn.inputs:
                if isinstance(inp, dl.Tensor) and inp.requires_grad:
                    edges.append((id(inp), id(tensor_)))
    for tensor_ in reversed(order):  # inputs before outputs: depth = longest path from a leaf
        inputs = [e[0] for e in edges if e[1] == id(tensor_)]
        depth[id(tensor_)] = 1 + max((depth[i] for i in inputs), default=-1)
    for tensor_ in order:  # draw each leaf just left of the first op that uses it
        if tensor_.grad_fn is None and tensor_ is not root:
            depth[id(tensor_)] = min(depth[e[1]] for e in edges if e[0] == id(tensor_)) - 1
    return labels, edges, depth


def draw_graph(root, names, ax):
    labels, edges, depth = graph_of(root, names)
    columns = {}
    for key in labels:
        columns.setdefault(depth[key], []).append(key)
    position = {}
    for d, keys in columns.items():
        for i, key in enumerate(keys):
            position[key] = (d, (len(keys) - 1) / 2 - i)
    for source, target in edges:
        ax.annotate("", xy=position[target], xytext=position[source],
                    arrowprops=dict(arrowstyle="->", color="grey", shrinkA=22, shrinkB=22))
    for key, (px, py) in position.items():
        leaf = "\n" not in labels[key]
        ax.text(px, py, labels[key], ha="center", va="center", fontsize=8,
                bbox=dict(boxstyle="round", fc="#cde4ff" if leaf else "#ffe9c9", ec="grey"))
    ax.set_xlim(-0.6, max(depth.values()) + 0.6)
    ax.set_ylim(min(p[1] for p in position.values()) - 0.7, max(p[1] for p in position.values()) + 0.7)
    ax.axis("off")
    return len(labels), len(edges)


X = dl.tensor(rng.standard_normal((8, 4)))
W1 = dl.tensor(rng.standard_normal((4, 5)), requires_grad=True)
b1 = dl.tensor(np.zeros(5), requires_grad=True)
W2 = dl.tensor(rng.standard_normal((5, 1)), requires_grad=True)
target = dl.tensor(rng.standard_normal((8, 1)))
loss = (((X @ W1 + b1).relu() @ W2 - target) ** 2).mean()
names = {id(W1): "W1", id(b1): "b1", id(W2): "W2"}

fig, ax = plt.subplots(figsize=(11, 3.8))
num_nodes, num_edges = draw_graph(loss, names, ax)
ax.set_title("loss = mean((relu(X W1 + b1) W2 - target)^2): tensors that require grad")
save_figure(fig, "01_computation_graph.png")
results["graph_nodes"] = num_nodes
print(f"{num_nodes} tensors and {num_edges} edges in the graph")

# %% [markdown]
# ## What you have seen
#
# * The chain rule turns a global derivative into a product of local ones, one per node.
# * The engine records a `Node` per op, orders the graph topologically and runs each op's
#   `backward`, summing broadcast gradients back to their input's shape.
# * A custom op is a forward and a backward side by side; `gradcheck` tells you whether the
#   backward is right, and needs float64 and central differences to be trustworthy.
#
# Next: `02_mlp_forward_backward.py` builds a multi-layer perceptron from these pieces.

# %%
assert results["hand_vs_engine_error"] < 1e-10
assert results["gradcheck_passes"] and results["gradcheck_catches_bug"]
assert results["best_central_error_float64"] < 1e-9
print("RESULT " + json.dumps(results))
