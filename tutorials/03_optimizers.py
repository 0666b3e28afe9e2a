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
# # 3. Optimizers
#
# Backward gives the gradient; the optimizer decides what to do with it. This tutorial builds
# the common optimizers up one idea at a time, on a 2-D loss surface where you can *see* the
# path each one takes, then races them on the digits MLP of tutorial 2.
#
# * gradient descent: step against the gradient;
# * momentum and Nesterov: remember the previous steps;
# * Adam: a per-parameter step size from running averages of the gradient and its square,
#   with bias correction (derived below), and the formula mistakes people make;
# * learning-rate schedules.
#
# `minidl.optim` implements PyTorch's exact update formulas; every optimizer below is also
# written out by hand and compared with it.
#
# Exercises: `momentum_step`, `adam_step`, `cosine_lr`.

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
from minidl.data import DataLoader, TensorDataset

from tutorial_setup import QUICK, exercise_solution, save_figure


results = {}

# %% [markdown]
# ## Gradient descent on a 2-D loss surface
#
# Our test surface is a long, narrow, slightly curved valley (a scaled Rosenbrock-like
# function), the shape that makes plain gradient descent struggle: the gradient points mostly
# *across* the valley, so a step size small enough not to bounce between the walls crawls
# along its floor.
#
# $$ f(x, y) = (x - 1)^2 / 10 + 2\,(y - x^2 / 4)^2 $$
#
# The minimum is at $(1, 1/4)$. Each optimizer starts at $(-2, 1.5)$ and gets the same number
# of steps.
#
# What you should see (150 steps; quick mode runs 60): every optimizer ends near the minimum,
# but at very different losses: plain gradient descent about 4e-5 after bouncing between the
# valley's walls, momentum about 1e-6 and Nesterov about 6e-7 after overshooting and coming
# back, Adam about 1e-7 on a path that heads almost straight along the valley.

# %%
def surface(x, y):
    """Works on floats, NumPy arrays and minidl tensors alike."""
    return (x - 1) ** 2 / 10 + 2 * (y - x**2 / 4) ** 2


START, MINIMUM = (-2.0, 1.5), (1.0, 0.25)
STEPS = 60 if QUICK else 150


def trajectory(make_optimizer, steps=STEPS):
    point = dl.tensor(START, dtype=dl.float64, requires_grad=True)
    optimizer = make_optimizer([point])
    path = [point.numpy().copy()]
    for _ in range(steps):
        loss = surface(point[0], point[1])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        path.append(point.numpy().copy())
    path = np.array(path)
    return path, float(surface(*path[-1]))


optimizers = {
    "gradient descent (lr 0.2)": lambda p: optim.SGD(p, lr=0.2),
    "momentum 0.9 (lr 0.02)": lambda p: optim.SGD(p, lr=0.02, momentum=0.9),
    "Nesterov 0.9 (lr 0.02)": lambda p: optim.SGD(p, lr=0.02, momentum=0.9, nesterov=True),
    "Adam (lr 0.1)": lambda p: optim.Adam(p, lr=0.1),
}
paths = {}
for name, make in optimizers.items():
    paths[name], final = trajectory(make)
    print(f"{name:28s} loss after {STEPS} steps: {final:.2e}")

gx, gy = np.meshgrid(np.linspace(-2.5, 2, 300), np.linspace(-0.5, 2, 300))
fig, ax = plt.subplots(figsize=(8, 5))
ax.contour(gx, gy, np.log10(surface(gx, gy) + 1e-3), levels=25, cmap="Greys", linewidths=0.7)
for name, path in paths.items():
    ax.plot(path[:, 0], path[:, 1], ".-", ms=3, lw=1, label=name)
ax.plot(*MINIMUM, "r*", ms=14, label="minimum")
ax.plot(*START, "ko", label="start")
ax.set(xlabel="x", ylabel="y", title=f"{STEPS} steps of each optimizer on a curved valley")
ax.legend(fontsize=8)
save_figure(fig, "03_trajectories.png")
final_losses = {name: float(surface(*path[-1])) for name, path in paths.items()}
results["momentum_beats_plain_gd"] = final_losses["momentum 0.9 (lr 0.02)"] < final_losses["gradient descent (lr 0.2)"]
results["final_losses"] = final_losses

# %% [markdown]
# ## Momentum and Nesterov
#
# Momentum keeps a velocity $b$, a decaying sum of past gradients, and steps along it:
#
# $$ b_t = \mu\, b_{t-1} + g_t \quad (b_1 = g_1), \qquad \theta_t = \theta_{t-1} - \eta\, b_t . $$
#
# Along the valley floor successive gradients agree: if every gradient were the same $g$, what
# would $b_t$ tend to as $t$ grows? (Sum the geometric series.) Across the valley they
# alternate in sign: what happens to their sum? **Nesterov** momentum steps "one velocity
# ahead", which damps the overshoot; PyTorch writes it without a second gradient evaluation,
# using only $g_t$ and the freshly updated $b_t$. Work out that form in the exercise
# `momentum_step` (its checks tell you when you have PyTorch's formula). PyTorch keeps the
# learning rate *outside* the velocity, unlike the textbook $v = \mu v - \eta g$; the two
# differ as soon as the learning rate changes during training.
#
# **Exercise break.** Do `python -m minidl.exercises start momentum_step` now. The next cell
# replays the valley with *your* `momentum_step` once it passes its checks (with minidl's
# reference solution until then, without showing it) and compares it with `optim.SGD`.
#
# What you should see: a maximum difference below 1e-9 for both momentum and Nesterov.

# %%
momentum_exercise = exercise_solution("momentum_step")


def valley_gradient(theta):
    x, y = theta
    return np.array([(x - 1) / 5 + 4 * (y - x**2 / 4) * (-x / 2), 4 * (y - x**2 / 4)])


def momentum_replay(steps, lr=0.02, mu=0.9, nesterov=False):
    theta, velocity = np.array(START), np.zeros(2)
    for step in range(steps):
        momentum_exercise.momentum_step(theta, valley_gradient(theta), velocity, lr, mu,
                                        nesterov=nesterov, first_step=step == 0)
    return theta


for nesterov, name in [(False, "momentum 0.9 (lr 0.02)"), (True, "Nesterov 0.9 (lr 0.02)")]:
    difference = np.abs(momentum_replay(STEPS, nesterov=nesterov) - paths[name][-1]).max()
    print(f"{name}: momentum_step vs optim.SGD, max difference {difference:.1e}")
    assert difference < 1e-9
results["momentum_step_matches_sgd"] = True

# %% [markdown]
# ## Adam, derived step by step
#
# Adam gives every parameter its own step size. It keeps exponential moving averages of the
# gradient and of its square, both starting at zero:
#
# $$ m_t = \beta_1 m_{t-1} + (1-\beta_1)\, g_t, \qquad v_t = \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2 . $$
#
# **Why bias correction?** Unroll $m_t = (1-\beta_1)\sum_{i=1}^{t} \beta_1^{t-i} g_i$. If the
# gradient were constant, $g_i = g$, the sum is a geometric series:
# $m_t = (1-\beta_1)\,\frac{1-\beta_1^t}{1-\beta_1}\, g = (1-\beta_1^t)\, g$. So $m_t$
# underestimates $g$ by the factor $1-\beta_1^t$ (0.1 at $t=1$ with $\beta_1 = 0.9$), and
# $v_t$ underestimates $g^2$ by $1-\beta_2^t$ (0.001 at $t = 1$ with $\beta_2 = 0.999$!).
# Dividing those factors out gives unbiased estimates, and the update
#
# $$ \hat m_t = \frac{m_t}{1-\beta_1^t}, \quad \hat v_t = \frac{v_t}{1-\beta_2^t}, \quad
#    \theta_t = \theta_{t-1} - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon} . $$
#
# At $t = 1$, $\hat m_1 / \sqrt{\hat v_1} = g/|g|$: the very first step has size $\eta$ in
# every coordinate, whatever the gradient's scale. Without the correction, a constant gradient
# gives steps $(1-\beta_1^t)/\sqrt{1-\beta_2^t}$ times too large: $0.1/\sqrt{0.001} \approx 3.16$
# at $t = 1$, rising to about 6.6 around $t = 12$ (the numerator recovers faster than the
# denominator), then falling slowly back towards 1 (still 3.2 at $t = 100$, 1.26 at
# $t = 1000$). The steps are too *large* throughout, never too small. The cell below plots
# this ratio next to the steps of a real run.
#
# **Common mistakes** (the exercise `adam_step` recognises each):
#
# 1. forgetting the bias correction (early steps up to 6.6 times too large, as above);
# 2. counting $t$ from 0: $1 - \beta^0 = 0$, a division by zero;
# 3. $\epsilon$ inside the square root, $\sqrt{\hat v + \epsilon}$: a different, much larger
#    floor (a different optimizer, in effect);
# 4. $v$ accumulating $g$ instead of $g^2$;
# 5. adding weight decay to the gradient and calling it AdamW: that is Adam with L2; AdamW
#    shrinks the weights directly, $\theta \leftarrow \theta (1 - \eta\lambda)$ (tutorial 4).
#
# **Exercise break.** Do `python -m minidl.exercises start adam_step` now: write one Adam step
# from the two averages and the bias correction above. The next cell runs your `adam_step`
# (or minidl's reference until yours passes) for 200 steps on a noisy gradient, against
# `optim.Adam`, and against the same step with the correction left out.
#
# What you should see: a difference below 1e-9 from `optim.Adam`; in the right-hand figure the
# uncorrected steps start at 3.16 × lr, climb to about 6.6 × lr near step 12 and stay above the
# corrected ones, following the dashed ratio curve.

# %%
adam_exercise = exercise_solution("adam_step")


def adam_replay(grads, lr=0.1, correct_bias=True):
    """Parameter values after each step; without correction, pretend t is huge (1 - beta^t = 1)."""
    theta, m, v, thetas = np.zeros(1), np.zeros(1), np.zeros(1), []
    for t, g in enumerate(grads, start=1):
        if correct_bias:
            adam_exercise.adam_step(theta, np.array([g]), m, v, t, lr=lr)
        else:
            adam_exercise.adam_step(theta, np.array([g]), m, v, 10**9, lr=lr)
        thetas.append(theta[0])
    return np.array(thetas)


rng = np.random.default_rng(0)
gradients = 1.0 + 0.5 * rng.standard_normal(200)  # a noisy gradient with mean 1

parameter = dl.tensor([0.0], dtype=dl.float64, requires_grad=True)
adam = optim.Adam([parameter], lr=0.1)
from_optim = []
for g in gradients:
    adam.zero_grad()
    (parameter * float(g)).sum().backward()  # d/dθ (g θ) = g
    adam.step()
    from_optim.append(parameter.item())
adam_difference = np.abs(adam_replay(gradients) - np.array(from_optim)).max()
print(f"adam_step vs optim.Adam over 200 steps: max difference {adam_difference:.1e}")
results["adam_matches_formula"] = bool(adam_difference < 1e-9)

beta1, beta2, t = 0.9, 0.999, np.arange(1, 201)
m_raw = np.zeros(200)
v_raw = np.zeros(200)
m, v = 0.0, 0.0
for i, g in enumerate(gradients):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_raw[i], v_raw[i] = m, v
fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
axes[0].plot(t, gradients, ".", color="lightgrey", label="gradient g_t")
axes[0].plot(t, m_raw, label="m_t (raw)")
axes[0].plot(t, m_raw / (1 - beta1**t), label="m_t / (1 - beta1^t)")
axes[0].plot(t, np.sqrt(v_raw), label="sqrt(v_t) (raw)")
axes[0].plot(t, np.sqrt(v_raw / (1 - beta2**t)), label="sqrt(v_t / (1 - beta2^t))")
axes[0].set(xlabel="step t", title="moment estimates: raw vs bias-corrected")
axes[0].legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2)
steps_corrected = np.abs(np.diff(np.concatenate([[0], adam_replay(gradients)])))
steps_raw = np.abs(np.diff(np.concatenate([[0], adam_replay(gradients, correct_bias=False)])))
axes[1].plot(t, steps_corrected, label="with bias correction")
axes[1].plot(t, steps_raw, label="without (mistake 1)")
ratio = (1 - beta1**t) / np.sqrt(1 - beta2**t)
axes[1].plot(t, 0.1 * ratio, "k--", lw=1, label="lr * (1 - beta1^t) / sqrt(1 - beta2^t)")
axes[1].axhline(0.1, color="grey", ls=":", label="lr")
axes[1].set(xlabel="step t", ylabel="|step|", title="Adam's step size (lr = 0.1)")
axes[1].legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2)
save_figure(fig, "03_bias_correction.png")
peak = int(t[np.argmax(ratio)])
print(f"first step: {steps_corrected[0]:.3f} with correction, {steps_raw[0]:.3f} without; "
      f"the uncorrected/corrected ratio peaks at {ratio.max():.2f} at step {peak}")
results["uncorrected_first_step"] = float(steps_raw[0])
results["uncorrected_ratio_peak"] = [float(ratio.max()), peak]

# %% [markdown]
# ## Learning-rate schedules
#
# A large learning rate makes fast progress early; a small one settles into a minimum late.
# Schedulers change the optimizer's `lr` once per epoch (`scheduler.step()`): `StepLR`
# multiplies it by `gamma` every `step_size` epochs; `CosineAnnealingLR` follows half a cosine
# from the initial rate down to `eta_min` over `T_max` epochs (exercise `cosine_lr`);
# `LambdaLR` multiplies the initial rate by any function of the epoch, e.g. a warm-up.

# %%
schedules = {}
for name, make in [
    ("StepLR(step_size=10, gamma=0.5)", lambda o: optim.lr_scheduler.StepLR(o, step_size=10, gamma=0.5)),
    ("CosineAnnealingLR(T_max=40)", lambda o: optim.lr_scheduler.CosineAnnealingLR(o, T_max=40)),
    ("LambdaLR(warm-up 5, then 1/sqrt)", lambda o: optim.lr_scheduler.LambdaLR(
        o, lambda e: min((e + 1) / 5, 1 / math.sqrt(max(e - 3, 1))))),
]:
    opt = optim.SGD([dl.zeros(1, requires_grad=True)], lr=0.1)
    scheduler = make(opt)
    rates = []
    for epoch in range(40):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    schedules[name] = rates
    print(f"{name:34s} lr at epochs 0, 10, 20, 39: {[round(rates[e], 4) for e in (0, 10, 20, 39)]}")

# %% [markdown]
# ## A race on the digits MLP
#
# Finally the same MLP (64-128-64-10, ReLU), the same initial weights and the same batches,
# trained with each optimizer at a typical learning rate for it. Watch the validation loss per
# epoch; the table reports time per epoch too (the optimizer's own cost is small next to the
# forward and backward passes).
#
# What you should see (25 epochs): momentum, Nesterov, Adam and AdamW at 97-99% validation
# accuracy, plain SGD clearly behind (about 94%, with a validation loss several times
# higher); Adam and AdamW exactly on top of each other (decoupled decay of 1e-2 at lr 1e-3
# shrinks the weights by 1e-5 per step, invisible in 25 epochs), drawn with different markers
# so both stay visible.

# %%
X, y = dl.datasets.load_digits()
order = np.random.default_rng(0).permutation(len(X))
train_idx, val_idx = order[:1400], order[1400:]
epochs = 3 if QUICK else 25


def make_mlp():
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                         nn.Linear(64, 10))


dl.manual_seed(0)
initial_state = make_mlp().state_dict()
race = {
    "SGD lr 0.05": lambda p: optim.SGD(p, lr=0.05),
    "SGD momentum 0.9 lr 0.05": lambda p: optim.SGD(p, lr=0.05, momentum=0.9),
    "Nesterov 0.9 lr 0.05": lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
    "Adam lr 1e-3": lambda p: optim.Adam(p, lr=1e-3),
    "AdamW lr 1e-3": lambda p: optim.AdamW(p, lr=1e-3, weight_decay=1e-2),
}
race_results = {}
X_val, y_val = dl.tensor(X[val_idx]), y[val_idx]
for name, make in race.items():
    model = make_mlp()
    model.load_state_dict(initial_state)
    optimizer = make(model.parameters())
    loader = DataLoader(TensorDataset(dl.tensor(X[train_idx]), dl.tensor(y[train_idx])),
                        batch_size=64, shuffle=True, seed=0)
    losses, accuracies, start = [], [], time.perf_counter()
    for epoch in range(epochs):
        model.train()
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with dl.no_grad():
            logits = model(X_val)
            losses.append(F.cross_entropy(logits, dl.tensor(y_val)).item())
            accuracies.append(dl.metrics.accuracy(logits, y_val))
    seconds = (time.perf_counter() - start) / epochs
    race_results[name] = {"val_loss": losses, "val_acc": accuracies, "seconds_per_epoch": seconds}
    print(f"{name:26s} final validation loss {losses[-1]:.3f}, accuracy {accuracies[-1]:.3f}, "
          f"{1e3 * seconds:.0f} ms/epoch")

fig, axes = plt.subplots(1, 2, figsize=(12, 4))
# Adam and AdamW (decay 1e-2) take nearly identical paths on this short run: different line
# styles and markers keep the one underneath visible.
styles = ["-o", "-s", "-^", "-D", "--x"]
for (name, r), style in zip(race_results.items(), styles):
    axes[0].plot(range(1, epochs + 1), r["val_loss"], style, ms=4, mfc="none", label=name)
    axes[1].plot(range(1, epochs + 1), r["val_acc"], style, ms=4, mfc="none", label=name)
axes[0].set(xlabel="epoch", ylabel="validation loss", yscale="log", title="the race: validation loss")
axes[1].set(xlabel="epoch", ylabel="validation accuracy", title="validation accuracy")
axes[1].legend(fontsize=8, loc="lower right")
save_figure(fig, "03_race.png")
results["best_race_accuracy"] = max(r["val_acc"][-1] for r in race_results.values())
results["race_final_accuracy"] = {name: r["val_acc"][-1] for name, r in race_results.items()}

# %% [markdown]
# ## What you have seen
#
# * Momentum accumulates agreeing gradients and cancels oscillating ones; Nesterov damps the
#   overshoot.
# * Adam's bias correction follows from a geometric series; without it the first steps are
#   the wrong size.
# * On a small MLP, momentum and Adam reach in a few epochs what plain SGD needs many for.
#
# Next: `04_regularisation.py`: what to do when training goes *too* well.

# %%
assert results["adam_matches_formula"] and results["momentum_beats_plain_gd"]
assert results["best_race_accuracy"] > (0.8 if QUICK else 0.95)
print("RESULT " + json.dumps(results))
