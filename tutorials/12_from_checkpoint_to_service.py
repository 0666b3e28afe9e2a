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
# # 9. From checkpoint to service
#
# Tutorial 8 ended with a checkpoint that only minidl can read. A model's life goes on: other
# tools load its weights, a runtime that has never heard of minidl runs it, it is made
# smaller and faster, and finally it answers requests over the network. This tutorial walks
# that path with the digits MLP:
#
# 1. weights in **safetensors**, the format PyTorch and most tools read;
# 2. **ONNX export**: the model as a graph of standard operators, checked with onnxruntime;
# 3. **int8 quantization**: weights in 8 bits, activations quantized on the fly;
# 4. **pruning**: zeroing the weights that matter least, and fine-tuning around the holes;
# 5. **distillation**: a small student learning from the big model's softened outputs;
# 6. **serving**: `python -m minidl.serve`, JSON over HTTP, with micro-batching.
#
# Needs the deploy extra: `pip install -e '.[deploy]'` (onnx, onnxruntime, safetensors).
#
# Exercises: `symmetric_int8`, `quantized_matmul`, `pruning_mask`.

# %%
import copy
import json
import os
import threading
import urllib.error
import urllib.request

import matplotlib.pyplot as plt
import numpy as np
import onnx
import onnxruntime

import minidl as dl
import minidl.nn.functional as F
import minidl.optim as optim
from minidl.data import DataLoader, TensorDataset
from minidl.examples import distill_digits
from minidl.examples.train_digits import SPLIT_SEED, build_model, standardize, stratified_split
from minidl.nn.utils import prune
from minidl.serve import ModelServer, load_predictor

from tutorial_setup import OUT, QUICK, save_figure

results = {}
EPOCHS = 5 if QUICK else 30

# %% [markdown]
# ## A trained model and its checkpoint
#
# The flagship MLP (64-128-64-10) on the bundled digits, trained as in
# `minidl/examples/train_digits.py`, then saved with `dl.save` as tutorial 8 did.

# %%
X, y = dl.datasets.load_digits()
train_idx, test_idx = stratified_split(y, test_fraction=0.2, seed=SPLIT_SEED)
X_train, X_test, mean, std = standardize(X[train_idx], X[test_idx])
X_train, X_test = X_train.astype(np.float32), X_test.astype(np.float32)
y_train, y_test = y[train_idx], y[test_idx]
loader = DataLoader(TensorDataset(dl.tensor(X_train), dl.tensor(y_train)), batch_size=64,
                    shuffle=True, seed=0)


def train(model, epochs, lr=1e-3):
    optimizer = optim.Adam(model.parameters(), lr=lr)
    for _ in range(epochs):
        model.train()
        for inputs, targets in loader:
            loss = F.cross_entropy(model(inputs), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()


def accuracy(model, inputs=X_test):
    with dl.no_grad():
        return float((model(dl.tensor(inputs)).argmax(dim=1).numpy() == y_test).mean())


dl.manual_seed(0)
model = train(build_model(), EPOCHS)
checkpoint = OUT / "12_digits.minidl"
dl.save({"model": model.state_dict(), "mean": mean, "std": std}, checkpoint)
float_accuracy = accuracy(model)
print(f"test accuracy {float_accuracy:.2%}; checkpoint {os.path.getsize(checkpoint):,} bytes")

# %% [markdown]
# ## Weights other tools read
#
# A *safetensors* file is a JSON header (each tensor's name, dtype, shape and byte range) and
# the raw bytes: like `dl.save`, it runs no code when loaded. Because minidl's parameter names
# and shapes are PyTorch's, `safetensors.torch.load_file` gives a state_dict that PyTorch's
# `nn.Sequential(nn.Linear(64, 128), ...)` loads as it is, and a file PyTorch wrote loads into
# this model with `dl.load_safetensors`.

# %%
weights = OUT / "12_digits.safetensors"
dl.save_safetensors(model.state_dict(), weights)
reloaded = build_model()
reloaded.load_state_dict(dl.load_safetensors(weights))
with dl.no_grad():
    same = bool(np.array_equal(reloaded(dl.tensor(X_test)).numpy(),
                               model(dl.tensor(X_test)).numpy()))
print(f"{weights.name}: {os.path.getsize(weights):,} bytes, names "
      f"{list(dl.load_safetensors(weights))[:2]}...; reloaded model agrees: {same}")

# %% [markdown]
# ## Export to ONNX
#
# ONNX describes a model as a graph of standard operators (Gemm, Relu, Softmax,
# LayerNormalization...) with the weights inside. `dl.onnx.export` builds that graph by
# **tracing**: it runs the model once while the engine records every op (the same graph
# backward walks), then writes each recorded op as ONNX operators. A trace sees concrete
# sizes; `dynamic_axes` marks the batch axis as free, and the exporter finds which sizes
# follow it by tracing a second time with a batch one larger.
#
# onnxruntime, which knows nothing of minidl, must then give the same outputs.

# %%
onnx_path = OUT / "12_digits.onnx"
dl.onnx.export(model, dl.tensor(X_test[:2]), onnx_path, input_names=["pixels"],
               output_names=["logits"],
               dynamic_axes={"pixels": {0: "batch"}, "logits": {0: "batch"}})
graph = onnx.load(onnx_path).graph
print("operators:", [node.op_type for node in graph.node])
onnx.checker.check_model(onnx.load(onnx_path))
session = onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
onnx_logits = session.run(None, {"pixels": X_test})[0]  # a batch size it never saw
with dl.no_grad():
    minidl_logits = model(dl.tensor(X_test)).numpy()
results["onnx_max_error"] = float(np.abs(onnx_logits - minidl_logits).max())
print(f"onnxruntime vs minidl on {len(X_test)} images: max difference "
      f"{results['onnx_max_error']:.1e}")

# %% [markdown]
# ## Symmetric int8 weights
#
# A float32 weight takes 4 bytes. Quantization stores it in 1: each row n of W (one output
# neuron) gets a scale `s[n] = max|W[n, :]| / 127`, and `Q = round(W / s)` is an int8 in
# [-127, 127]. Each weight is then off by at most half a step, `s[n] / 2`. One scale per row
# (per channel) rather than one for the whole matrix keeps rows with small weights precise.
#
# *Exercise `symmetric_int8`.*

# %%
from minidl.ops.quantized import quantize_activations, quantize_per_channel  # noqa: E402

weight = model[0].weight.detach()
q, scale = quantize_per_channel(weight)
error = q.numpy() * scale.numpy()[:, None] - weight.numpy()
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.hist((error / scale.numpy()[:, None]).ravel(), bins=50)
ax.set_xlabel("quantization error / scale of its row")
ax.set_ylabel("weights")
ax.set_title("first layer: every error within half a step")
save_figure(fig, "12_quantization_error.png")
print(f"first layer: {q.numpy().dtype}, largest error {np.abs(error).max():.2e}, "
      f"scales from {scale.numpy().min():.4f} to {scale.numpy().max():.4f}")

# %% [markdown]
# ## The int8 matrix product
#
# Activations change with every input, so they are quantized on every call ("dynamic"), for
# the whole batch: to uint8 with a zero point, `x ~ x_scale (a - zp)`, over a range that holds
# 0 (ONNX's DynamicQuantizeLinear does exactly this). Then
#
# `x @ W.T ~ x_scale * s[n] * sum_k (a[m, k] - zp) * Q[n, k]`
#
# a product of 8-bit integers. Each term can reach 255 * 128, so the sum is accumulated in
# int32; one multiply at the end returns to floats. The kernel sets each implement this sum
# (`quantized_matmul` in `minidl/kernels/reference.py`, its Numba and CUDA twins).
#
# *Exercise `quantized_matmul`.*

# %%
from minidl.kernels import reference  # noqa: E402

x = X_test[:4]
a, x_scale, zero_point = quantize_activations(x, np)
integer_sum = reference.quantized_matmul(a, zero_point, q.numpy())
approx = integer_sum.astype(np.float32) * (x_scale * scale.numpy())
exact = x @ weight.numpy().T
print(f"activations: scale {x_scale:.4f}, zero point {zero_point}; accumulator "
      f"{integer_sum.dtype}; largest difference from the float product "
      f"{np.abs(approx - exact).max():.4f} (values up to {np.abs(exact).max():.1f})")

# %% [markdown]
# ## Quantize the whole model
#
# `dl.quantization.quantize_dynamic(model, {nn.Linear}, dtype=dl.qint8)`, PyTorch's call,
# replaces every Linear by its int8 twin. No calibration data is needed. The quantized model
# exports to ONNX too (DynamicQuantizeLinear + MatMulInteger), and onnxruntime runs it.

# %%
import minidl.nn as nn  # noqa: E402

quantized = dl.quantization.quantize_dynamic(model, {nn.Linear}, dtype=dl.qint8)
int8_accuracy = accuracy(quantized)
int8_file = OUT / "12_digits_int8.minidl"
dl.save(quantized.state_dict(), int8_file)
float_file = OUT / "12_digits_float.minidl"
dl.save(model.state_dict(), float_file)
int8_onnx = OUT / "12_digits_int8.onnx"
dl.onnx.export(quantized, dl.tensor(X_test[:2]), int8_onnx, input_names=["pixels"],
               dynamic_axes={"pixels": {0: "batch"}})
int8_session = onnxruntime.InferenceSession(str(int8_onnx), providers=["CPUExecutionProvider"])
int8_onnx_accuracy = float((int8_session.run(None, {"pixels": X_test})[0].argmax(1)
                            == y_test).mean())
results["int8_accuracy_drop"] = float_accuracy - int8_accuracy
print(f"accuracy float32 {float_accuracy:.2%}, int8 {int8_accuracy:.2%} "
      f"(onnxruntime int8 {int8_onnx_accuracy:.2%}); weights "
      f"{os.path.getsize(float_file):,} -> {os.path.getsize(int8_file):,} bytes")

# %% [markdown]
# ## Magnitude pruning
#
# Many weights of a trained network are close to zero. Pruning sets the smallest ones to
# exactly zero with a 0/1 mask: `prune.l1_unstructured(layer, "weight", amount=0.8)` keeps
# the Parameter as `weight_orig`, registers the buffer `weight_mask` (both in the state_dict,
# under PyTorch's names), and a forward pre-hook computes `weight = weight_orig * weight_mask`
# before every forward. The product gives pruned weights zero gradient, so they
# stay zero while the rest is **fine-tuned** to make up for them. `prune.remove` makes it
# permanent. (`global_unstructured` ranks all layers' weights together; `ln_structured`
# removes whole neurons.)
#
# *Exercise `pruning_mask`.*

# %%
sparsities = [0.0, 0.5, 0.8, 0.9, 0.95]
pruned_accuracy, tuned_accuracy = [], []
for amount in sparsities:
    pruned = copy.deepcopy(model)
    prune.global_unstructured([(pruned[i], "weight") for i in (0, 2, 4)],
                              pruning_method=prune.L1Unstructured, amount=amount)
    pruned_accuracy.append(accuracy(pruned))
    train(pruned, 1 if QUICK else 5)
    tuned_accuracy.append(accuracy(pruned))
    print(f"{amount:4.0%} of the weights pruned: accuracy {pruned_accuracy[-1]:.2%}, after "
          f"fine-tuning {tuned_accuracy[-1]:.2%}; zeros {prune.sparsity(pruned):.0%}")
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(np.array(sparsities) * 100, np.array(pruned_accuracy) * 100, "o-", label="pruned")
ax.plot(np.array(sparsities) * 100, np.array(tuned_accuracy) * 100, "s-",
        label="pruned, then fine-tuned")
ax.set_xlabel("weights pruned, %")
ax.set_ylabel("test accuracy, %")
ax.legend()
save_figure(fig, "12_pruning.png")
results["accuracy_80_percent_pruned_tuned"] = tuned_accuracy[sparsities.index(0.8)]

# %% [markdown]
# ## Distillation
#
# A small student (64-16-10) can learn from the big model's *softened* outputs,
# softmax(logits / T): a "7" the teacher finds a bit like a "1" carries more information than
# the label alone. The loss mixes `T^2 KL(teacher_T || student_T)` with the usual
# cross-entropy (`minidl/examples/distill_digits.py`). On these digits, where labels alone
# already get a small student far, expect the two students to end close; the example compares
# them over several seeds.

# %%
distilled = distill_digits.run(quick=QUICK, seeds=(0,), verbose=True)

# %% [markdown]
# ## Serve it
#
# `python -m minidl.serve 12_digits.onnx` (or the minidl checkpoint with
# `--factory minidl.examples.train_digits:build_model --input-shape 64`) answers
# `POST /predict {"inputs": [[64 numbers], ...]}` with JSON. Requests that arrive together
# run as one batch (up to `--max-batch` requests or `--max-wait-ms`); a malformed request gets
# a 400 that says what was expected; `/health` and `/metrics` report on the server. Here the
# same server runs in a thread of this process.

# %%
server = ModelServer(load_predictor(onnx_path), "127.0.0.1", 0, max_batch=8, max_wait_ms=5)
thread = threading.Thread(target=server.serve_forever, daemon=True)
thread.start()


def post(path, payload):
    request = urllib.request.Request(server.url + path, data=json.dumps(payload).encode())
    try:
        with urllib.request.urlopen(request) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


status, reply = post("/predict", {"inputs": X_test[:5].tolist()})
print(status, "predictions", reply["predictions"], "labels", y_test[:5].tolist())
print(post("/predict", {"inputs": [[1, 2, 3]]}))
with urllib.request.urlopen(server.url + "/metrics") as metrics:
    print("metrics:", json.loads(metrics.read()))
server.shutdown()
server.close()
results["served_matches"] = reply["predictions"] == onnx_logits[:5].argmax(1).tolist()

# %% [markdown]
# ## What you have seen
#
# * safetensors and ONNX carry a minidl model to other tools; a trace of the engine's graph
#   is all the exporter needs, and onnxruntime agrees with minidl to float precision.
# * int8 quantization cuts the weights to about a quarter for almost no accuracy; pruning
#   removes most weights if the rest is fine-tuned; distillation passes a teacher's knowledge
#   to a smaller student.
# * A few hundred lines of the standard library serve the model over HTTP.
#
# The measured sizes, accuracies and latencies (against PyTorch) are in the README; the
# commands are `python benchmarks/deploy_quantization.py`, `python -m
# minidl.examples.prune_digits`, `python -m minidl.examples.distill_digits` and `python
# benchmarks/deploy_serving.py`.

# %%
assert results["onnx_max_error"] < 1e-5 and results["served_matches"]
print("RESULT " + json.dumps(results))
