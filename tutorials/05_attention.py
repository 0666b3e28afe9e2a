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
# # 5. Attention
#
# An MLP mixes the features *within* one input. Attention mixes information *between* the
# positions of a sequence: every position (a *query*) takes a weighted average of all
# positions' *values*, with weights given by how well its query matches each position's
# *key*. In this tutorial you will:
#
# 1. compute scaled dot-product attention (SDPA) by hand and check it against
#    `F.scaled_dot_product_attention`, forward and backward;
# 2. use masks (causal, padding) and see why a fully masked row must give zeros, not NaN;
# 3. build multi-head attention from its pieces and match `nn.MultiheadAttention`;
# 4. look at layer norm, the other ingredient of a Transformer layer;
# 5. train a tiny Transformer that learns to sort digits, and look at what it attends to.
#
# Exercises: `masked_softmax`, `attention_backward`, `layer_norm_backward`.
#
# What you should see (full run): attention by hand equal to
# `F.scaled_dot_product_attention` to about 1e-15, forward and backward, and to
# `nn.MultiheadAttention` exactly; attention maps in which the causal mask empties the upper
# triangle and the padding mask the padded keys' columns (each panel with its own colour
# bar); the sorting Transformer's held-out token accuracy passing 95% within about 200 steps
# and reaching 100% (whole sequences too) by the end of the 1,200 steps; quick mode stops
# near 95% of tokens.

# %%
import json
import math
import time

import matplotlib.pyplot as plt
import numpy as np

import minidl as dl
import minidl.nn as nn
import minidl.nn.functional as F
import minidl.optim as optim
from minidl.examples.sort_transformer import SortingTransformer
from minidl.text import make_sort_task

from tutorial_setup import QUICK, save_figure


dl.manual_seed(0)
rng = np.random.default_rng(0)
results = {}

# %% [markdown]
# ## Scaled dot-product attention by hand
#
# With queries $Q$ (L, E), keys $K$ (S, E) and values $V$ (S, Ev):
#
# $$ \text{Attention}(Q, K, V) = \text{softmax}\!\left(\frac{Q K^\top}{\sqrt{E}}\right) V . $$
#
# Row $i$ of the score matrix holds query $i$'s dot product with every key; the softmax turns
# the row into weights that sum to 1; the output row $i$ is the weighted average of the value
# rows. Why divide by $\sqrt{E}$? For random unit-variance vectors, $q\cdot k$ has variance
# $E$; without the scale, large $E$ gives large scores, a nearly one-hot softmax and vanishing
# gradients.

# %%
def attention_by_hand(q, k, v, mask=None):
    """softmax(Q K^T / sqrt(E)) V from differentiable primitives; mask: bool, True = take part."""
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        masked_out = dl.tensor(~mask.numpy())  # masked_fill fills where its mask is True
        scores = scores.masked_fill(masked_out, float("-inf"))
    weights = scores.softmax(dim=-1)
    return weights @ v, weights


B, L, S, E = 2, 5, 6, 8
q = dl.tensor(rng.standard_normal((B, L, E)), requires_grad=True)
k = dl.tensor(rng.standard_normal((B, S, E)), requires_grad=True)
v = dl.tensor(rng.standard_normal((B, S, E)), requires_grad=True)
out_by_hand, weights = attention_by_hand(q, k, v)
out_fused = F.scaled_dot_product_attention(q, k, v)
sdpa_error = float(np.abs(out_by_hand.numpy() - out_fused.numpy()).max())
print(f"by hand vs F.scaled_dot_product_attention: max difference {sdpa_error:.1e}")
print("each row of the attention weights sums to 1:", np.allclose(weights.numpy().sum(-1), 1))

for e in (4, 64, 1024):
    a, b = rng.standard_normal((2, 10000, e))
    dots = (a * b).sum(1)
    print(f"E = {e:4d}: std of q.k = {dots.std():6.2f}, of q.k / sqrt(E) = {(dots / math.sqrt(e)).std():.2f}")

# %% [markdown]
# ## Masks
#
# A mask decides which keys each query may look at. `F.scaled_dot_product_attention` takes a
# bool `attn_mask` where **True marks the positions that take part** (or a float mask added to
# the scores), and `is_causal=True` for the lower-triangular mask of a language model (query
# $i$ sees keys $j \le i$). Under the hood a masked score becomes $-\infty$, so its weight
# $e^{-\infty} = 0$. Padding masks hide the filler tokens of sequences shorter than the batch's
# longest. (`nn.MultiheadAttention` follows PyTorch's opposite convention: there True means
# *masked out*.)
#
# One trap: a query row with **every** key masked out has scores all $-\infty$, and a naive
# softmax computes $-\infty - (-\infty) = $ NaN, which then spreads through every later layer.
# minidl defines that row's output (and gradient) as zeros. (Exercise `masked_softmax`.)

# %%
causal_np = np.tril(np.ones((L, S), dtype=bool))
causal = dl.tensor(causal_np)
padding = np.ones((B, 1, S), dtype=bool)
padding[1, :, 4:] = False  # the second sequence has only 4 real keys
both = dl.tensor(padding & causal_np)  # (B, L, S): a key takes part if both masks allow it
masked_by_hand, masked_weights = attention_by_hand(q, k, v, mask=both)
masked_fused = F.scaled_dot_product_attention(q, k, v, attn_mask=both)
causal_fused = F.scaled_dot_product_attention(q, k, v, is_causal=True)
causal_by_hand, causal_weights = attention_by_hand(q, k, v, mask=causal)
mask_error = max(np.abs(masked_by_hand.numpy() - masked_fused.numpy()).max(),
                 np.abs(causal_by_hand.numpy() - causal_fused.numpy()).max())
print(f"masked attention, by hand vs fused: max difference {mask_error:.1e}")

row_mask = dl.tensor(np.array([[True] * S] * (L - 1) + [[False] * S]))  # the last query sees nothing
safe = F.scaled_dot_product_attention(q, k, v, attn_mask=row_mask)
print("fully masked query row gives:", safe.numpy()[0, -1, :4], "| any NaN:", bool(np.isnan(safe.numpy()).any()))
with np.errstate(invalid="ignore"):  # -inf - (-inf) is NaN: that is the point
    naive = np.exp(np.full(3, -np.inf) - np.max(np.full(3, -np.inf)))
print("a naive softmax of an all -inf row:", naive / naive.sum())

# %% [markdown]
# ## The backward pass of attention
#
# Through $S = QK^\top/\sqrt{E}$, $P = \text{softmax}(S)$, $O = PV$, the chain rule gives
# $\bar V = P^\top \bar O$, $\bar P = \bar O V^\top$, then the softmax Jacobian row by row,
# $\bar S = P \odot (\bar P - \text{rowsum}(\bar P \odot P))$, and finally
# $\bar Q = \bar S K/\sqrt{E}$, $\bar K = \bar S^\top Q/\sqrt{E}$. The by-hand version gets
# this from the engine, op by op; the fused op (`minidl/ops/attention.py`) calls one kernel
# that recomputes $P$ from the saved log-sum-exp of each row instead of storing it. Both must
# agree. (Exercise `attention_backward`.)

# %%
grad_out = dl.tensor(rng.standard_normal((B, L, E)))
grads = {}
for name, function in [("by hand", lambda: attention_by_hand(q, k, v, mask=causal)[0]),
                       ("fused", lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True))]:
    for t in (q, k, v):
        t.grad = None
    function().backward(grad_out)
    grads[name] = [t.grad.numpy() for t in (q, k, v)]
backward_error = max(np.abs(a - b).max() for a, b in zip(grads["by hand"], grads["fused"]))
print(f"dQ, dK, dV: by hand vs fused, max difference {backward_error:.1e}")
small = [dl.tensor(rng.standard_normal(shape), requires_grad=True) for shape in [(1, 3, 4), (1, 4, 4), (1, 4, 2)]]
print("gradcheck of the fused op:", dl.gradcheck(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, is_causal=True), small))
results["sdpa_max_error"] = float(max(sdpa_error, mask_error, backward_error))

# %% [markdown]
# ## Multi-head attention
#
# One attention head computes one weighting of the positions. **Multi-head** attention
# projects the input into $H$ smaller query/key/value spaces (E/H features each), attends in
# each independently (one head might track the previous token, another the same symbol
# elsewhere), concatenates the heads and mixes them with an output projection. Below we
# rebuild `nn.MultiheadAttention`'s forward from its parameters: `in_proj_weight` stacks
# $W_q, W_k, W_v$ (each (E, E)), and `out_proj` is a Linear.

# %%
E, H, T = 16, 4, 7
mha = nn.MultiheadAttention(E, H)
x = dl.tensor(rng.standard_normal((2, T, E)).astype(np.float32))
module_out, module_weights = mha(x, x, x, need_weights=True, average_attn_weights=False)


def split_heads(t):  # (N, T, E) -> (N, H, T, E/H)
    return t.reshape(t.shape[0], t.shape[1], H, E // H).transpose(1, 2)


W, b = mha.in_proj_weight, mha.in_proj_bias
q_h, k_h, v_h = (split_heads(x @ W[i * E:(i + 1) * E].T + b[i * E:(i + 1) * E]) for i in range(3))
heads, head_weights = attention_by_hand(q_h, k_h, v_h)
merged = heads.transpose(1, 2).reshape(2, T, E)
by_hand = mha.out_proj(merged)
mha_error = float(max(np.abs(by_hand.numpy() - module_out.numpy()).max(),
                      np.abs(head_weights.numpy() - module_weights.numpy()).max()))
print(f"multi-head attention by hand vs nn.MultiheadAttention: max difference {mha_error:.1e}")
results["mha_max_error"] = mha_error

fig, axes = plt.subplots(1, 4, figsize=(18, 3.8), layout="constrained")
panels = [(weights.numpy()[0], "one head, no mask"),
          (causal_weights.numpy()[0], "causal mask"),
          (masked_weights.numpy()[1], "causal + padding (keys 4, 5)"),
          (module_weights.numpy()[0].mean(0), f"nn.MultiheadAttention, {H} heads averaged")]
for ax, (matrix, title) in zip(axes, panels):
    # each panel gets its own colour range (the averaged heads are flatter), so its own bar
    image = ax.imshow(matrix, cmap="viridis", vmin=0, vmax=max(0.5, matrix.max()))
    ax.set(title=title, xlabel="key position", ylabel="query position")
    fig.colorbar(image, ax=ax, shrink=0.8, label="attention weight")
save_figure(fig, "05_attention_maps.png")

# %% [markdown]
# ## Layer norm
#
# A Transformer layer wraps attention and a small MLP in residual connections, each with a
# **layer norm**: every token's feature vector is normalised to mean 0 and variance 1, then
# scaled and shifted by learned `weight` and `bias`. Unlike batch norm it uses no statistics
# of other samples, so it behaves identically in training and evaluation. Its backward is the
# instructive part: mean and variance depend on every feature of the row, so each input's
# gradient feels every output's. (Exercise `layer_norm_backward`.)

# %%
x = dl.tensor(rng.standard_normal((4, 10)) * 3 + 2, requires_grad=True)
weight = dl.tensor(rng.standard_normal(10), requires_grad=True)
bias = dl.tensor(rng.standard_normal(10), requires_grad=True)
fused = F.layer_norm(x, (10,), weight, bias)
mean = x.mean(dim=-1, keepdim=True)
var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
manual = (x - mean) / (var + 1e-5).sqrt() * weight + bias
print("layer norm, by hand vs F.layer_norm: max difference",
      f"{np.abs(manual.numpy() - fused.numpy()).max():.1e}")
print("gradcheck of F.layer_norm:", dl.gradcheck(lambda a, w, c: F.layer_norm(a, (10,), w, c), (x, weight, bias)))

# %% [markdown]
# ## A tiny Transformer that learns to sort
#
# Task: read 8 digits, output them sorted, all positions at once. Output position $i$ must
# find the $i$-th smallest input digit, which requires comparing every token with every other:
# exactly what self-attention does. The model (`minidl/examples/sort_transformer.py`):
# token embedding + learned positional encoding → 2 pre-norm `TransformerEncoderLayer`s →
# a linear classifier over the 10 digits at every position. Fresh random sequences each step,
# so there is nothing to overfit; we report token accuracy on held-out sequences.

# %%
LENGTH = 8
steps = 200 if QUICK else 1200
dl.manual_seed(0)
model = SortingTransformer(LENGTH)
print(model)
print("parameters:", sum(p.numel() for p in model.parameters()))
optimizer = optim.Adam(model.parameters(), lr=2e-3)
schedule = optim.lr_scheduler.LambdaLR(
    optimizer, lambda step: min(1.0, (step + 1) / 100) * 0.5 * (1 + math.cos(math.pi * step / steps)))
test_inputs, test_targets = make_sort_task(1000, LENGTH, seed=1)
batch_rng = np.random.default_rng(2)


def token_accuracy():
    model.eval()
    with dl.no_grad():
        predictions = model(dl.tensor(test_inputs)).argmax(dim=-1).numpy()
    model.train()
    return float((predictions == test_targets).mean()), predictions


curve_steps, curve_loss, curve_acc = [], [], []
start = time.perf_counter()
for step in range(steps):
    inputs, targets = make_sort_task(64, LENGTH, seed=int(batch_rng.integers(2**31)))
    logits = model(dl.tensor(inputs))
    loss = F.cross_entropy(logits.reshape(-1, 10), dl.tensor(targets.reshape(-1)))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    schedule.step()
    if (step + 1) % max(1, steps // 15) == 0 or step == steps - 1:
        accuracy, _ = token_accuracy()
        curve_steps.append(step + 1)
        curve_loss.append(loss.item())
        curve_acc.append(accuracy)
        print(f"step {step + 1:5d}  loss {loss.item():.3f}  held-out token accuracy {accuracy:.3f}")
print(f"{steps} steps in {time.perf_counter() - start:.1f} s")
final_accuracy, predictions = token_accuracy()
print("example:", test_inputs[0], "->", predictions[0], "(target", test_targets[0], ")")
results["sort_token_accuracy"] = final_accuracy
results["sort_sequence_accuracy"] = float((predictions == test_targets).all(axis=1).mean())

fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(curve_steps, curve_loss, "o-", label="training loss")
ax.set(xlabel="step", ylabel="cross-entropy", yscale="log", title="learning to sort")
ax2 = ax.twinx()
ax2.plot(curve_steps, curve_acc, "s-", color="C1", label="held-out token accuracy")
ax2.set(ylabel="token accuracy", ylim=(0, 1.02))
fig.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2)  # below: clear of both axes
save_figure(fig, "05_sort_curves.png")

# %% [markdown]
# What does the trained model attend to? We run one held-out sequence through the layers and
# ask each layer's self-attention for its weights per head. Reading a row: output position $i$
# (a query) and how much it draws from each input position (the keys). Heads that have learned
# to sort tend to attend to the input tokens holding the digit that belongs at position $i$.

# %%
sample = dl.tensor(test_inputs[:1])
model.eval()
maps = []
with dl.no_grad():
    h = model.position(model.embedding(sample))
    for layer in model.encoder.layers:
        normed = layer.norm1(h) if layer.norm_first else h
        _, w = layer.self_attn(normed, normed, normed, need_weights=True, average_attn_weights=False)
        maps.append(w.numpy()[0])
        h = layer(h)
num_layers, num_heads = len(maps), maps[0].shape[0]
fig, axes = plt.subplots(num_layers, num_heads, figsize=(3 * num_heads, 3 * num_layers), squeeze=False)
labels = [str(d) for d in test_inputs[0]]
for li in range(num_layers):
    for hi in range(num_heads):
        ax = axes[li, hi]
        ax.imshow(maps[li][hi], cmap="viridis", vmin=0, vmax=1)
        ax.set_title(f"layer {li}, head {hi}", fontsize=9)
        ax.set_xticks(range(LENGTH), labels, fontsize=8)
        ax.set_yticks(range(LENGTH), [f"out {i}" for i in range(LENGTH)], fontsize=7)
fig.suptitle(f"input {test_inputs[0].tolist()} -> sorted {predictions[0].tolist()}")
fig.tight_layout()
save_figure(fig, "05_sort_attention.png")

# %% [markdown]
# ## What you have seen
#
# * Attention is a softmax-weighted average whose weights come from query-key dot products,
#   scaled by $1/\sqrt{E}$.
# * Masks are $-\infty$ scores; fully masked rows need care.
# * The fused kernel and the op-by-op version agree, forward and backward.
# * Multi-head attention is reshapes around the same computation.
# * A two-layer Transformer learns to sort within a few hundred steps.
#
# Next: `06_pretraining_finetuning.py`: pretraining a tiny BERT.

# %%
assert results["sdpa_max_error"] < 1e-5 and results["mha_max_error"] < 1e-5
assert results["sort_token_accuracy"] > (0.5 if QUICK else 0.9)
print("RESULT " + json.dumps(results))
