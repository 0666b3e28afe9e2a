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
# # 9. Convolutions from scratch
#
# An MLP sees an image as a list of 64 unrelated numbers: a stroke one pixel to the left is,
# for it, a different input altogether. A convolution slides one small filter over the whole
# image, so the same 9 weights detect an edge wherever it is. This tutorial builds the layers
# of a convolutional network from the ground up and then trains one on the digits:
#
# 1. a convolution by hand, and feature maps;
# 2. receptive fields: what one output pixel sees;
# 3. im2col: a convolution as one matrix product (how minidl computes it);
# 4. the backward pass of a convolution;
# 5. pooling;
# 6. batch norm, in training and in evaluation mode;
# 7. a small CNN on the digits, its learned filters and feature maps.
#
# Exercises: `im2col`, `conv2d_backward`, `max_pool_backward`, `batch_norm_backward`.

# %%
import json

import matplotlib.pyplot as plt
import numpy as np

import minidl as dl
import minidl.nn as nn
import minidl.nn.functional as F
from minidl.examples.digits_cnn import build_lenet, evaluate, load_split, train
from minidl.kernels import reference

from tutorial_setup import QUICK, save_figure

results = {}
X_train, y_train, X_test, y_test = load_split()  # (N, 1, 8, 8) digits, standardised

# %% [markdown]
# ## A convolution by hand
#
# A 2-D convolution (strictly, a cross-correlation: the filter is not flipped, as in every deep
# learning framework) of an image x with a kh x kw filter w gives, at each position (p, q)::
#
#     y[p, q] = b + sum_{i, j} w[i, j] * x[p + i, q + j]
#
# With C input channels the filter has a slice per channel and the sum runs over them too; O
# filters give O output channels, the *feature maps*. Below: two hand-made edge filters on a
# digit, by four nested loops and by `F.conv2d`.

# %%
def conv2d_loops(x, w):
    """x (H, W), w (kh, kw): no padding, stride 1."""
    kh, kw = w.shape
    out = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1))
    for p in range(out.shape[0]):
        for q in range(out.shape[1]):
            out[p, q] = (w * x[p : p + kh, q : q + kw]).sum()
    return out


vertical = np.array([[1.0, 0.0, -1.0]] * 3)  # responds to left-right changes: vertical edges
filters = np.stack([vertical, vertical.T])[:, None]  # (2, 1, 3, 3): two filters, one channel
digit = X_train[:1].astype(np.float64)  # (1, 1, 8, 8)
maps = F.conv2d(dl.tensor(digit), dl.tensor(filters)).numpy()[0]
results["conv_max_error"] = float(np.abs(maps[0] - conv2d_loops(digit[0, 0], vertical)).max())
print(f"loops vs F.conv2d: max difference {results['conv_max_error']:.1e}")

fig, axes = plt.subplots(1, 3, figsize=(9, 3))
for ax, image, title in zip(axes, [digit[0, 0], maps[0], maps[1]],
                            ["digit", "vertical edges", "horizontal edges"]):
    ax.imshow(image, cmap="gray" if title == "digit" else "RdBu")
    ax.set_title(title)
    ax.axis("off")
save_figure(fig, "09_feature_maps.png")

# %% [markdown]
# ## Receptive fields
#
# One pixel of a feature map depends only on a window of the input: its *receptive field*. A
# 3x3 convolution sees 3x3 pixels; a second one on top sees 3x3 of those, i.e. 5x5 input pixels;
# a 2x2 pooling doubles the step between neighbours, so every later layer grows the field
# faster. The gradient shows it exactly: backpropagate from one output pixel, and the input
# pixels with a nonzero gradient are its receptive field.

# %%
def receptive_field(layers, size=16):
    x = dl.ones(1, 1, size, size, dtype=dl.float64, requires_grad=True)
    y = layers(x)
    centre = tuple(n // 2 for n in y.shape[2:])
    y[0, 0, centre[0], centre[1]].backward()
    return np.abs(x.grad.numpy()[0, 0]) > 0


def stack(*modules):
    model = nn.Sequential(*modules).double()
    with dl.no_grad():
        for module in model:
            if isinstance(module, nn.Conv2d):
                module.weight[...] = 1.0  # positive weights: no gradient cancels by chance
    return model


networks = {
    "conv3": stack(nn.Conv2d(1, 1, 3)),
    "conv3, conv3": stack(nn.Conv2d(1, 1, 3), nn.Conv2d(1, 1, 3)),
    # average pooling: a max would send the gradient to one pixel of each window only
    "conv3, avgpool2, conv3": stack(nn.Conv2d(1, 1, 3), nn.AvgPool2d(2), nn.Conv2d(1, 1, 3)),
}
fields = {name: receptive_field(layers) for name, layers in networks.items()}
results["receptive_fields"] = {name: int(f.any(axis=0).sum()) for name, f in fields.items()}
print("receptive field widths:", results["receptive_fields"])
fig, axes = plt.subplots(1, 3, figsize=(9, 3))
for ax, (name, field) in zip(axes, fields.items()):
    ax.imshow(field, cmap="Greens")
    ax.set_title(f"{name}\n{field.any(axis=0).sum()} pixels wide")
    ax.axis("off")
save_figure(fig, "09_receptive_field.png")

# %% [markdown]
# ## im2col: a convolution as one matrix product
#
# Loops are slow, and a matrix product is the fastest thing a CPU or GPU does. *im2col* copies
# each patch the filter covers into one column of a matrix `cols` (C*kh*kw rows, one column per
# output pixel and sample); then all O filters on all patches are one product
# `W.reshape(O, -1) @ cols`. The price: every pixel is copied up to kh*kw times. minidl's
# reference kernel builds `cols` from a strided view (`sliding_window_view`), its Numba and CUDA
# twins in one pass each. Drawn below for a 4x4 image and a 2x2 kernel: each column is one of the
# 9 patches, read row by row.

# %%
small = np.arange(16.0).reshape(1, 1, 4, 4)
cols = reference.im2col(small, (2, 2), (1, 1), ((0, 0), (0, 0)), (1, 1))
fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), gridspec_kw={"width_ratios": [1, 2]})
axes[0].imshow(small[0, 0], cmap="viridis")
axes[0].set_title("image 4x4")
axes[1].imshow(cols, cmap="viridis")
axes[1].set_title("cols: 4 rows (kernel positions) x 9 columns (patches)")
for ax, values in zip(axes, [small[0, 0], cols]):
    for (r, c), v in np.ndenumerate(values):
        ax.text(c, r, int(v), ha="center", va="center", color="white", fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])
save_figure(fig, "09_im2col.png")

weight = np.random.default_rng(0).standard_normal((3, 1, 2, 2))
product = (weight.reshape(3, -1) @ cols).reshape(3, 3, 3)
direct = F.conv2d(dl.tensor(small), dl.tensor(weight)).numpy()[0]
results["im2col_max_error"] = float(np.abs(product - direct).max())
print(f"W @ cols vs F.conv2d: max difference {results['im2col_max_error']:.1e}")

# %% [markdown]
# ## The backward pass of a convolution
#
# Since y = W @ cols, the matrix rules of a linear layer apply, with G = dL/dy laid out as a
# matrix like y: dW = G @ cols^T, and dcols = W^T @ G. dcols holds one gradient per *copy* of a
# pixel; *col2im*, the adjoint of im2col, adds the copies back onto their pixel. `gradcheck`
# compares minidl's convolution gradients (input, weight and bias) with central differences.

# %%
rng = np.random.default_rng(1)
x = dl.tensor(rng.standard_normal((2, 2, 5, 5)), requires_grad=True)
w = dl.tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
b = dl.tensor(rng.standard_normal(3), requires_grad=True)
results["conv_gradcheck"] = bool(dl.gradcheck(
    lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), [x, w, b]))
print("conv2d gradcheck:", results["conv_gradcheck"])

# %% [markdown]
# ## Pooling
#
# 2x2 max pooling keeps the largest value of each 2x2 block: the map shrinks 4x, and a feature
# that moves by a pixel inside its block gives the same output. Its gradient goes only to the
# pixel that won each block; the others did not affect the output. Average pooling shares the
# gradient equally; `AdaptiveAvgPool2d(1)` averages each whole map (global average pooling, the
# usual end of a ResNet).

# %%
x = dl.tensor(np.array([[[[1.0, 5.0, 2.0, 0.0], [3.0, 2.0, 1.0, 4.0],
                          [0.0, 1.0, 3.0, 3.0], [2.0, 6.0, 1.0, 2.0]]]]), requires_grad=True)
pooled = F.max_pool2d(x, 2)
pooled.sum().backward()
print("max pool:\n", pooled.numpy()[0, 0], "\ngradient:\n", x.grad.numpy()[0, 0])

# %% [markdown]
# ## Batch norm: training vs evaluation
#
# Batch norm normalises each channel by the mean and variance *of the current batch*, then
# scales and shifts it with learned parameters. That makes training deep networks much easier,
# but an output then depends on the other images of its batch. So, while training, the layer
# also keeps running averages of the statistics (momentum 0.1), and in `eval()` mode it uses
# those instead: a prediction no longer depends on the batch. Below, batches with mean 3 and
# standard deviation 2: the running statistics converge to them, and in eval mode one image
# gives the same output alone as inside its batch.

# %%
bn = nn.BatchNorm2d(1)
running = []
for step in range(40):
    bn(dl.randn(16, 1, 4, 4) * 2 + 3)
    running.append((bn.running_mean.item(), bn.running_var.item()))
batch = dl.randn(8, 1, 4, 4) * 2 + 3
train_out = bn(batch).numpy()
bn.eval()
alone, together = bn(batch[:1]).numpy(), bn(batch).numpy()[:1]
results["batch_norm_eval_batch_independent"] = bool(np.allclose(alone, together, atol=1e-6))
print(f"training mode: output mean {train_out.mean():.3f}, std {train_out.std():.3f}")
print("eval mode, one image alone == inside its batch:",
      results["batch_norm_eval_batch_independent"])

fig, ax = plt.subplots(figsize=(6, 3))
ax.plot([m for m, _ in running], label="running_mean (target 3)")
ax.plot([v for _, v in running], label="running_var (target 4)")
ax.set_xlabel("training step")
ax.legend()
save_figure(fig, "09_batch_norm.png")

# %% [markdown]
# ## A small CNN on the digits
#
# `minidl.examples.digits_cnn` stacks it all: two blocks of conv 3x3, batch norm, ReLU and 2x2
# max pooling, then two linear layers, trained with shifted and slightly rotated digits. Over 40
# epochs it reaches about 99% test accuracy on the split where the MLP of tutorial 2 reaches 98%
# (`python -m minidl.examples.digits_cnn --seed S`). Here a shorter run, then a look inside:
# the 32 learned 3x3 filters of the first layer and the feature maps they give.

# %%
dl.manual_seed(0)
model = build_lenet()
train(model, X_train, y_train, epochs=2 if QUICK else 15, seed=0, log=lambda line: None)
results["test_accuracy"] = evaluate(model, dl.tensor(X_test), dl.tensor(y_test))
print(f"test accuracy: {results['test_accuracy']:.2%}")

first_conv = model[0]
learned = first_conv.weight.detach().numpy()[:, 0]  # (32, 3, 3)
with dl.no_grad():
    model.eval()
    feature_maps = F.relu(model[1](first_conv(dl.tensor(X_test[:1])))).numpy()[0]
fig, axes = plt.subplots(4, 16, figsize=(12, 3.4))
for k in range(32):
    ax_filter, ax_map = axes[2 * (k // 16), k % 16], axes[2 * (k // 16) + 1, k % 16]
    ax_filter.imshow(learned[k], cmap="RdBu")
    ax_map.imshow(feature_maps[k], cmap="magma")
for ax in axes.ravel():
    ax.axis("off")
fig.suptitle("learned 3x3 filters (rows 1, 3) and their feature maps on a test digit (rows 2, 4)")
save_figure(fig, "09_learned_filters.png")

# %%
assert results["conv_max_error"] < 1e-12 and results["im2col_max_error"] < 1e-12
assert results["receptive_fields"] == {"conv3": 3, "conv3, conv3": 5,
                                       "conv3, avgpool2, conv3": 8}
assert results["conv_gradcheck"] and results["batch_norm_eval_batch_independent"]
assert results["test_accuracy"] > (0.8 if QUICK else 0.97)
print("RESULT " + json.dumps(results))
