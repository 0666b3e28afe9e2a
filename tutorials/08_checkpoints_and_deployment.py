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
# # 8. Checkpoints and deployment
#
# Training runs get interrupted (a time limit, a crash, a power cut), and a trained model is
# only useful once another program can load it. This tutorial covers:
#
# 1. what a checkpoint must contain to *resume* training exactly: model weights, optimizer
#    state, scheduler, epoch, and the data order;
# 2. `dl.save` / `dl.load`: a file format that runs no code on load, and atomic writes;
# 3. what loading checks (keys, shapes, damaged files);
# 4. inference in a fresh Python process that knows nothing of this one, via `subprocess`.
#
# Exercises: `atomic_save`, `check_state_dict`.
#
# What you should see: a resumed run ending with exactly the weights and losses of the run
# that never stopped (difference 0), a run resumed without the optimizer state drifting away
# from it (visible in the right-hand panel of the figure); a damaged and a truncated file
# both rejected with a message that says so; strict loading naming missing, unexpected and
# mis-shaped keys; a fresh process predicting exactly as this one (about 96% test accuracy in
# a full run).

# %%
import json
import subprocess
import sys
import textwrap
import time

import matplotlib.pyplot as plt
import numpy as np

import minidl as dl
import minidl.nn as nn
import minidl.nn.functional as F
import minidl.optim as optim
from minidl.data import DataLoader, TensorDataset

from tutorial_setup import OUT, QUICK, save_figure


results = {}
EPOCHS = 4 if QUICK else 20

# %% [markdown]
# ## What a checkpoint must hold
#
# To continue a run *exactly* as if it had never stopped, we need everything that the next
# step depends on:
#
# * the model's `state_dict()` (its parameters, by name);
# * the optimizer's `state_dict()`: Adam's running averages $m$, $v$ and its step count, and
#   the learning rate (forget them and Adam restarts with its bias-corrected first steps);
# * the scheduler's state, the epoch number, and the metric history;
# * the data order: here each epoch's shuffle is seeded with `seed + epoch`, so the order is a
#   function of the epoch number and needs no state of its own;
# * the architecture's settings (layer sizes), so a program that loads the file can rebuild
#   the model before loading the weights into it.

# %%
CONFIG = {"inputs": 64, "hidden": [128, 64], "classes": 10}


def build_model(config):
    layers, width = [], config["inputs"]
    for h in config["hidden"]:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    return nn.Sequential(*layers, nn.Linear(width, config["classes"]))


X, y = dl.datasets.load_digits()
order = np.random.default_rng(0).permutation(len(X))
train_idx, test_idx = order[:1400], order[1400:]
train_set = TensorDataset(dl.tensor(X[train_idx]), dl.tensor(y[train_idx]))
X_test, y_test = X[test_idx], y[test_idx]


def new_run(seed=0):
    dl.manual_seed(seed)
    model = build_model(CONFIG)
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=5, gamma=0.7)
    return model, optimizer, scheduler


def train_epochs(model, optimizer, scheduler, first_epoch, last_epoch, losses, seed=0,
                 checkpoint_path=None):
    for epoch in range(first_epoch, last_epoch):
        loader = DataLoader(train_set, batch_size=64, shuffle=True, seed=seed + epoch)
        total, count = 0.0, 0
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total, count = total + loss.item() * len(yb), count + len(yb)
        scheduler.step()
        losses.append(total / count)
        if checkpoint_path is not None:
            dl.save({"config": CONFIG, "epoch": epoch + 1, "model": model.state_dict(),
                     "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                     "losses": list(losses)}, checkpoint_path)
    return losses


checkpoint_path = OUT / "08_checkpoint.minidl"

# the uninterrupted run
model_a, optimizer_a, scheduler_a = new_run()
losses_a = train_epochs(model_a, optimizer_a, scheduler_a, 0, EPOCHS, [])

# an interrupted run: train half, checkpoint every epoch, then "crash"
model_b, optimizer_b, scheduler_b = new_run()
train_epochs(model_b, optimizer_b, scheduler_b, 0, EPOCHS // 2, [], checkpoint_path=checkpoint_path)
del model_b, optimizer_b, scheduler_b
print(f"checkpoint: {checkpoint_path.name}, {checkpoint_path.stat().st_size / 1024:.0f} KiB")

# %% [markdown]
# ## Resume training
#
# A new process would start here: build fresh objects, load the checkpoint into them, and
# continue from the saved epoch. The resumed run must end with exactly the weights of the run
# that never stopped. (Build the model *with different random weights* first, to be sure
# everything really comes from the file.)

# %%
checkpoint = dl.load(checkpoint_path)
print("checkpoint keys:", list(checkpoint), "| saved after epoch", checkpoint["epoch"])
print("optimizer state keys:", list(checkpoint["optimizer"]))
model_c, optimizer_c, scheduler_c = new_run(seed=123)  # deliberately different initial weights
model_c.load_state_dict(checkpoint["model"])
optimizer_c.load_state_dict(checkpoint["optimizer"])
scheduler_c.load_state_dict(checkpoint["scheduler"])
losses_c = train_epochs(model_c, optimizer_c, scheduler_c, checkpoint["epoch"], EPOCHS,
                        list(checkpoint["losses"]), checkpoint_path=checkpoint_path)

difference = max(np.abs(a.numpy() - c.numpy()).max()
                 for a, c in zip(model_a.parameters(), model_c.parameters()))
print(f"largest weight difference, resumed vs uninterrupted: {difference:.2e}")
results["resume_matches_uninterrupted"] = bool(difference < 1e-6)

# What if only the weights are restored? Adam restarts from m = v = 0 and step 1, and the
# schedule from its first epoch. (The first half is re-run with the same seed: the same weights.)
model_d, optimizer_d, scheduler_d = new_run()
losses_d = train_epochs(model_d, optimizer_d, scheduler_d, 0, EPOCHS // 2, [])
fresh_optimizer = optim.Adam(model_d.parameters(), lr=optimizer_d.param_groups[0]["lr"])
fresh_scheduler = optim.lr_scheduler.StepLR(fresh_optimizer, step_size=5, gamma=0.7)
losses_d = train_epochs(model_d, fresh_optimizer, fresh_scheduler, EPOCHS // 2, EPOCHS, losses_d)

fig, (ax, ax_diff) = plt.subplots(1, 2, figsize=(13, 4))
epochs_axis = np.arange(1, EPOCHS + 1)
ax.plot(epochs_axis, losses_a, "o-", label="uninterrupted", lw=3, alpha=0.4)
ax.plot(epochs_axis, losses_c, "x--", label="checkpoint + resume (model, optimizer, scheduler)")
ax.plot(epochs_axis, losses_d, "s:", mfc="none", color="tab:red",
        label="resume without the optimizer state")
for axis in (ax, ax_diff):
    axis.axvline(EPOCHS // 2 + 0.5, color="grey", ls="--", lw=1)
ax.text(EPOCHS // 2 + 0.6, max(losses_a) * 0.9, "interrupted here", color="grey")
ax.set(xlabel="epoch", ylabel="training loss", yscale="log", title="resuming from a checkpoint")
ax.legend(fontsize=8, loc="lower left")
# On a log scale the curves differ by a few percent at most: plot the differences themselves.
ax_diff.plot(epochs_axis, np.array(losses_c) - np.array(losses_a), "x--", color="tab:orange",
             label="checkpoint + resume - uninterrupted (exactly 0)")
ax_diff.plot(epochs_axis, np.array(losses_d) - np.array(losses_a), "s:", mfc="none",
             color="tab:red", label="without optimizer state - uninterrupted")
ax_diff.axhline(0, color="k", lw=0.5)
ax_diff.set(xlabel="epoch", ylabel="difference in training loss",
            title="the same runs, minus the uninterrupted one")
ax_diff.legend(fontsize=8)
without_state_gap = float(np.max(np.abs(np.array(losses_d) - np.array(losses_a))))
print(f"largest loss difference from the uninterrupted run: resumed "
      f"{np.max(np.abs(np.array(losses_c) - np.array(losses_a))):.1e}, "
      f"without the optimizer state {without_state_gap:.1e}")
results["without_optimizer_state_differs"] = without_state_gap > 1e-6
save_figure(fig, "08_resume.png")

# %% [markdown]
# ## Atomic writes
#
# Checkpoints are written while training runs, so a crash *during* a write is likely over a
# long run. Writing straight into `checkpoint.minidl` truncates the old file first: a crash
# then leaves neither the old nor the new checkpoint. `dl.save` writes to a temporary file in
# the same folder, flushes it to disk (`fsync`) and renames it over the target with
# `os.replace`, which is atomic: readers see the old file or the new one, never half of one.
# (Exercise `atomic_save`.) And it never pickles: `dl.load` reads a JSON header and raw array
# bytes, so loading a file from someone else cannot run their code, unlike `pickle.load`.
# A CRC-32 checksum at the end catches damaged files:

# %%
raw = bytearray(checkpoint_path.read_bytes())
damaged = OUT / "08_damaged.minidl"
raw[len(raw) // 2] ^= 0xFF  # flip the bits of one byte in the middle
damaged.write_bytes(bytes(raw))
try:
    dl.load(damaged)
    corrupt_rejected = False
except ValueError as error:
    print("damaged file:", error)
    corrupt_rejected = True
truncated = OUT / "08_truncated.minidl"
truncated.write_bytes(checkpoint_path.read_bytes()[:1000])
try:
    dl.load(truncated)
except ValueError as error:
    print("truncated file:", error)
else:
    corrupt_rejected = False
damaged.unlink()
truncated.unlink()
results["corrupt_file_rejected"] = corrupt_rejected

# %% [markdown]
# ## Loading: strict key and shape checks
#
# `load_state_dict(strict=True)` (the default) refuses a state dict whose keys or shapes do not
# match the model, naming the culprits, before it changes any weight. The usual causes: the
# architecture changed (another hidden size), or the names did (a wrapper module adds a
# prefix). (Exercise `check_state_dict`.)

# %%
wider = build_model({"inputs": 64, "hidden": [256, 64], "classes": 10})
try:
    wider.load_state_dict(checkpoint["model"])
except (RuntimeError, ValueError, KeyError) as error:
    print(f"{type(error).__name__}: {error}")
renamed = {"module." + key: value for key, value in checkpoint["model"].items()}
try:
    build_model(CONFIG).load_state_dict(renamed)
except (RuntimeError, ValueError, KeyError) as error:
    print(f"{type(error).__name__}: {str(error)[:300]}")

# %% [markdown]
# ## Inference in a fresh process
#
# A deployed model runs in another program. We write a small, self-contained prediction script
# that imports minidl, rebuilds the model from the config stored in the checkpoint, loads the
# weights, switches to `eval()` mode, and classifies images read from a file. Then we run it
# with `subprocess` in a brand-new Python interpreter and compare its predictions with the
# ones made here.

# %%
script = OUT / "08_predict.py"
script.write_text(textwrap.dedent('''
    """Classify digits with a minidl checkpoint: python 08_predict.py CHECKPOINT INPUTS OUTPUT"""
    import sys
    import time

    start = time.perf_counter()
    import minidl as dl
    import minidl.nn as nn


    def build_model(config):
        layers, width = [], config["inputs"]
        for h in config["hidden"]:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        return nn.Sequential(*layers, nn.Linear(width, config["classes"]))


    checkpoint_path, inputs_path, output_path = sys.argv[1:4]
    checkpoint = dl.load(checkpoint_path)
    model = build_model(checkpoint["config"])
    model.load_state_dict(checkpoint["model"])
    model.eval()
    images = dl.load(inputs_path)["images"]
    with dl.no_grad():
        logits = model(dl.tensor(images))
    predictions = logits.argmax(dim=1).numpy()
    dl.save({"predictions": predictions, "logits": logits.numpy()}, output_path)
    print(f"predicted {len(predictions)} images in {time.perf_counter() - start:.2f} s "
          "(including import minidl)")
'''))
inputs_path, output_path = OUT / "08_inputs.minidl", OUT / "08_predictions.minidl"
dl.save({"images": X_test}, inputs_path)

start = time.perf_counter()
completed = subprocess.run([sys.executable, str(script), str(checkpoint_path), str(inputs_path),
                            str(output_path)], capture_output=True, text=True, timeout=120)
print(completed.stdout.strip() or completed.stderr[-2000:])
print(f"the whole subprocess, interpreter start-up included: {time.perf_counter() - start:.2f} s")
assert completed.returncode == 0, completed.stderr

served = dl.load(output_path)
model_c.eval()
with dl.no_grad():
    local_logits = model_c(dl.tensor(X_test)).numpy()
same_predictions = bool((served["predictions"] == local_logits.argmax(axis=1)).all())
logit_difference = float(np.abs(served["logits"] - local_logits).max())
accuracy = dl.metrics.accuracy(served["predictions"], y_test)
print(f"fresh process vs this one: same predictions {same_predictions}, "
      f"max logit difference {logit_difference:.1e}; test accuracy {accuracy:.3f}")
results.update(fresh_process_matches=same_predictions and logit_difference < 1e-5,
               served_test_accuracy=accuracy)

# %% [markdown]
# ## What you have seen
#
# * Resuming exactly needs the optimizer's and scheduler's state and a reproducible data
#   order, not just the weights.
# * Writes are atomic and loads run no code; damaged files and mismatched state dicts are
#   refused with a message that says why.
# * A checkpoint that carries its config is all a fresh process needs to serve predictions.

# %%
assert results["resume_matches_uninterrupted"] and results["corrupt_file_rejected"]
assert results["fresh_process_matches"]
print("RESULT " + json.dumps(results))
