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
# # 10. Training on many machines
#
# One processor trains a model one batch at a time. To go faster we can give each of N
# processors (CPU processes, GPUs, machines) its own share of every batch: that is **data
# parallelism**, how most large models are trained. This tutorial covers:
#
# 1. why averaging the N shares' gradients gives exactly the gradient of the whole batch;
# 2. the all-reduce, the one collective that data parallelism needs, drawn step by step;
# 3. the ring algorithm, and what an all-reduce costs as N grows;
# 4. gradient accumulation (and DDP's `no_sync`);
# 5. large batches: the learning-rate scaling rule and warm-up;
# 6. the real thing: `minidl.distributed` and `DistributedDataParallel` under `mpiexec`.
#
# Exercise: `ring_allreduce`. Everything here runs in one process (the ranks are simulated),
# except the last cell, which starts 2 real MPI processes when `mpiexec` is installed
# (`pip install -e '.[distributed]'`).

# %%
import copy
import json
import os
import subprocess
import sys

import matplotlib.pyplot as plt
import numpy as np

import minidl as dl
import minidl.nn as nn
import minidl.nn.functional as F
import minidl.optim as optim
from minidl.examples.train_digits import SPLIT_SEED, standardize, stratified_split
from minidl.exercises.solutions.ring_allreduce import ring_allreduce

from tutorial_setup import OUT, QUICK, save_figure

results = {}
X, y = dl.datasets.load_digits()
train_idx, test_idx = stratified_split(y, test_fraction=0.2, seed=SPLIT_SEED)
X_train, X_test, _, _ = standardize(X[train_idx].astype(np.float64), X[test_idx])
X_test = X_test.astype(np.float64)
y_train, y_test = y[train_idx], y[test_idx]


def mlp(seed=0):
    dl.manual_seed(seed)
    return nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)).double()


def gradients(model, inputs, targets):
    """The gradient of the mean cross-entropy on (inputs, targets), one array per parameter."""
    model.zero_grad()
    F.cross_entropy(model(dl.tensor(inputs)), dl.tensor(targets)).backward()
    return [p.grad.numpy().copy() for p in model.parameters()]


# %% [markdown]
# ## Data parallelism: why averaging gradients is exact
#
# With a loss that is a **mean** over a batch of $B$ samples, split into $N$ equal shares
# $S_1 \dots S_N$ of $b = B/N$ samples,
#
# $$\nabla L = \frac{1}{B}\sum_{i=1}^{B} \nabla \ell_i
#   = \frac{1}{N}\sum_{k=1}^{N} g_k, \qquad
#   g_k = \frac{1}{b}\sum_{i \in S_k} \nabla \ell_i \text{ (rank } k\text{'s gradient)}.$$
#
# So N ranks, each holding a copy of the model and computing the gradient of its own share,
# get the whole batch's gradient by **averaging** their gradients. If every rank then takes
# the same optimizer step from the same weights, the copies stay identical, and the run is
# the run of one process with the big batch, only N times faster (ideally). Below: 4
# simulated ranks with 16 samples each against one batch of 64.

# %%
model = mlp()
batch_x, batch_y = X_train[:64], y_train[:64]
whole = gradients(model, batch_x, batch_y)
per_rank = [gradients(copy.deepcopy(model), batch_x[k::4], batch_y[k::4]) for k in range(4)]
averaged = [np.mean([g[i] for g in per_rank], axis=0) for i in range(len(whole))]
difference = max(float(np.abs(a - w).max()) for a, w in zip(averaged, whole))
print(f"largest difference, average of 4 shares vs the whole batch: {difference:.1e}")
results["shard_average_error"] = difference

# %% [markdown]
# (Samples of a share need not be consecutive: `minidl.data.DistributedSampler` deals the
# shuffled indices out like cards, rank k taking positions k, k + N, k + 2N, ...)
#
# ## The all-reduce, drawn step by step
#
# Averaging needs every rank to end up with the sum of every rank's vector: an
# **all-reduce**. The obvious way, sending everything to rank 0, which adds and sends the sum
# back, makes rank 0's link carry 2 (N - 1) whole vectors: it gets slower as N grows.
#
# The **ring** all-reduce cuts each vector into N chunks and lets every rank talk only to its
# right-hand neighbour, all at the same time:
#
# * **reduce-scatter**, N - 1 steps: in step s, rank r sends chunk (r - s) mod N to rank r + 1,
#   which adds it to its own copy. Each chunk travels round the ring collecting one more
#   rank's share per step; after N - 1 steps rank r holds the complete sum of chunk r + 1.
# * **all-gather**, N - 1 more steps: the complete chunks travel round the ring the same way,
#   and each receiver replaces its copy.
#
# The picture shows 4 ranks (rows) and their 4 chunks (columns); the number in a cell is how
# many ranks' values that chunk already contains, and the arrows are the messages of the step.
# (Exercise `ring_allreduce` asks you to write this; its solution draws the picture.)

# %%
N = 4
vectors = [np.full(N, 10.0 ** rank) for rank in range(N)]  # rank r holds 10^r: sums show who added
ring_results, log = ring_allreduce(vectors)
assert all(np.allclose(r, sum(vectors)) for r in ring_results)


def contributions(step_count):
    """How many ranks' values each (rank, chunk) holds after ``step_count`` steps of the log."""
    held = [[{rank} for _ in range(N)] for rank in range(N)]
    for step, messages in enumerate(log[:step_count]):
        sent = [set(held[sender][index]) for sender, _, index in messages]
        for (sender, receiver, index), payload in zip(messages, sent):
            held[receiver][index] = held[receiver][index] | payload if step < N - 1 else payload
    return np.array([[len(cell) for cell in row] for row in held])


fig, axes = plt.subplots(1, 2 * (N - 1) + 1, figsize=(17, 3.4))
for step, ax in enumerate(axes):
    counts = contributions(step)
    ax.imshow(counts, cmap="Blues", vmin=0, vmax=N + 1)
    for rank in range(N):
        for chunk in range(N):
            ax.text(chunk, rank, counts[rank, chunk], ha="center", va="center")
    if step < len(log):
        for sender, receiver, index in log[step]:
            ax.annotate("", xy=(index + 0.3, receiver), xytext=(index + 0.3, sender),
                        arrowprops={"arrowstyle": "->", "color": "crimson"})
    phase = "start" if step == 0 else ("reduce-scatter" if step <= N - 1 else "all-gather")
    ax.set_title(f"{phase}\nafter step {step}" if step else phase, fontsize=9)
    ax.set_xticks(range(N), [f"c{c}" for c in range(N)])
    ax.set_yticks(range(N), [f"rank {r}" for r in range(N)] if step == 0 else [])
fig.suptitle("ring all-reduce on 4 ranks: how many ranks' values each chunk holds "
             "(arrows: the messages of the next step)")
save_figure(fig, "10_ring_allreduce.png")
results["ring_steps"] = len(log)

# %% [markdown]
# ## What an all-reduce costs
#
# In every step each rank sends 1/N of the vector of S bytes, and there are 2 (N - 1) steps.
# With a link bandwidth $\beta$ (bytes/s) and a fixed cost $\alpha$ per message (latency):
#
# $$t_\text{ring}(N, S) = 2\,\frac{N-1}{N}\,\frac{S}{\beta} + 2\,(N-1)\,\alpha.$$
#
# The first term hardly grows with N: it tends to $2S/\beta$. The second does, which is why
# small messages (a tiny model's gradients) are latency-bound, and why libraries such as NCCL
# switch to trees for them. The naive "everyone sends to rank 0" costs
# $2(N-1)\,S/\beta$. Below, 400 MB of gradients (100M float32 parameters) over links of
# 45 GB/s with 8 µs per message, about one InfiniBand link per GPU (see
# `benchmarks/DISTRIBUTED.md` for the figures and for predictions for real models).

# %%
def ring_seconds(n, nbytes, bandwidth=45e9, alpha=8e-6):
    return 2 * (n - 1) / n * nbytes / bandwidth + 2 * (n - 1) * alpha


def naive_seconds(n, nbytes, bandwidth=45e9, alpha=8e-6):
    return 2 * (n - 1) * (nbytes / bandwidth + alpha)


ranks = np.array([2, 4, 8, 16, 32, 64, 128, 256])
fig, ax = plt.subplots(figsize=(6, 4))
for nbytes, style in ((400e6, "-"), (400e3, "--")):
    ax.plot(ranks, [ring_seconds(n, nbytes) * 1e3 for n in ranks], "o" + style,
            label=f"ring, {nbytes / 1e6:g} MB")
    ax.plot(ranks, [naive_seconds(n, nbytes) * 1e3 for n in ranks], "s" + style,
            label=f"via rank 0, {nbytes / 1e6:g} MB")
ax.set(xscale="log", yscale="log", xlabel="ranks N", ylabel="all-reduce time (ms)",
       title="all-reduce cost model (45 GB/s, 8 µs per message)")
ax.legend(fontsize=8)
save_figure(fig, "10_allreduce_cost.png")
results["ring_64_over_8"] = ring_seconds(64, 400e6) / ring_seconds(8, 400e6)
print(f"ring, 400 MB: {ring_seconds(8, 400e6) * 1e3:.1f} ms on 8 ranks, "
      f"{ring_seconds(64, 400e6) * 1e3:.1f} ms on 64 ranks")

# %% [markdown]
# `DistributedDataParallel` also hides much of this time: it packs the gradients into buckets
# and starts each bucket's all-reduce as soon as backward has produced all its gradients (the
# last layers' come first), so the messages travel while backward is still computing the first
# layers' gradients.
#
# ## Gradient accumulation
#
# When a batch does not fit in memory, split it into k micro-batches, run backward on each
# (gradients **add up** in `.grad`) with the loss divided by k, and step once: the same
# gradient as one big batch. Under DDP there is no need to all-reduce after every micro-batch:
# `with model.no_sync():` keeps the first k - 1 backward passes local, and the last one
# all-reduces the accumulated sum, once.

# %%
model = mlp()
k = 4
model.zero_grad()
for part in range(k):
    inputs, targets = batch_x[part * 16:(part + 1) * 16], batch_y[part * 16:(part + 1) * 16]
    (F.cross_entropy(model(dl.tensor(inputs)), dl.tensor(targets)) / k).backward()
accumulated = [p.grad.numpy().copy() for p in model.parameters()]
difference = max(float(np.abs(a - w).max()) for a, w in zip(accumulated, whole))
print(f"largest difference, 4 accumulated micro-batches vs one batch of 64: {difference:.1e}")
results["accumulation_error"] = difference

# %% [markdown]
# ## Large batches: scale the learning rate, warm up
#
# N ranks with b samples each train with a batch of N b: N times fewer steps per epoch. With
# the same learning rate the model moves N times less far per epoch. The **linear scaling
# rule** (Goyal et al., 2017, "Accurate, Large Minibatch SGD") multiplies the learning rate by
# N; since a large rate at the very start (random weights, large gradients) can blow up, it
# is reached by a **warm-up**, growing linearly over the first steps (here, the first epoch).
# The rule holds up to a limit (thousands of samples for ImageNet with SGD); Adam-style
# optimizers usually scale the rate more gently (about √N).
#
# Below, plain SGD on the digits: batch 16 at lr 0.02, then batch 128 (what 8 ranks of 16
# would use) at the same lr, and at 8 × 0.02 with warm-up.

# %%
EPOCHS = 4 if QUICK else 15


def train_sgd(batch_size, lr, warmup_epochs=0, seed=0):
    """Test accuracy after each epoch of SGD with a linear warm-up of the learning rate."""
    model = mlp(seed)
    optimizer = optim.SGD(model.parameters(), lr=lr)
    steps_per_epoch = len(X_train) // batch_size
    warmup_steps = warmup_epochs * steps_per_epoch
    schedule = optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / warmup_steps) if warmup_steps else 1.0)
    rng = np.random.default_rng(seed)
    accuracies = []
    for _ in range(EPOCHS):
        order = rng.permutation(len(X_train))
        for step in range(steps_per_epoch):
            rows = order[step * batch_size:(step + 1) * batch_size]
            loss = F.cross_entropy(model(dl.tensor(X_train[rows])), dl.tensor(y_train[rows]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
        with dl.no_grad():
            predicted = model(dl.tensor(X_test)).argmax(dim=1).numpy()
        accuracies.append(float((predicted == y_test).mean()))
    return accuracies


runs = {
    "batch 16, lr 0.02": train_sgd(16, 0.02),
    "batch 128, lr 0.02": train_sgd(128, 0.02),
    "batch 128, lr 0.16, warm-up": train_sgd(128, 0.16, warmup_epochs=1),
}
fig, ax = plt.subplots(figsize=(6, 4))
for label, accuracies in runs.items():
    ax.plot(range(1, EPOCHS + 1), accuracies, "o-", label=label)
ax.set(xlabel="epoch", ylabel="test accuracy", title="large batches need a larger learning rate")
ax.legend()
save_figure(fig, "10_lr_scaling.png")
for label, accuracies in runs.items():
    print(f"{label:30s} final test accuracy {accuracies[-1]:.3f}")
results["final_accuracy"] = {label: acc[-1] for label, acc in runs.items()}

# %% [markdown]
# ## The real thing: MPI processes and `DistributedDataParallel`
#
# `minidl.distributed` speaks MPI (through mpi4py, for CPU processes) and NCCL (through CuPy,
# for GPUs), with PyTorch's names. A training script needs four additions:
#
# ```python
# import minidl.distributed as dist
# dist.init_process_group("mpi")                         # rank and world size from mpiexec
# sampler = DistributedSampler(train_set)                # this rank's share of each epoch
# loader = DataLoader(train_set, batch_size=64 // dist.get_world_size(), sampler=sampler)
# model = nn.parallel.DistributedDataParallel(model)     # rank 0's weights everywhere
# for epoch in range(epochs):
#     sampler.set_epoch(epoch)                           # a new shuffle, the same on every rank
#     ...                                                # the usual loop; only rank 0 prints
# ```
#
# and it is started with `mpiexec -n 2 python -m minidl.examples.train_digits --distributed`.
# The next cell does that when `mpiexec` is installed.

# %%
try:
    from minidl.distributed.launch import mpiexec_command
    command = mpiexec_command(2, "-m", "minidl.examples.train_digits", "--distributed",
                              "--epochs", "2" if QUICK else "10", "--out", str(OUT / "10_ddp"))
except RuntimeError as missing:
    command = None
    print(f"skipped: {missing}")
if command is not None:
    completed = subprocess.run(command, capture_output=True, text=True, timeout=600,
                               env=dict(os.environ, NUMBA_NUM_THREADS="1"))
    print("\n".join(completed.stdout.splitlines()[-16:]))
    results["mpi_run_ok"] = completed.returncode == 0 and "test accuracy" in completed.stdout
    if completed.returncode != 0:
        print(completed.stderr[-2000:], file=sys.stderr)
else:
    results["mpi_run_ok"] = None

# %%
print("RESULT " + json.dumps(results))
