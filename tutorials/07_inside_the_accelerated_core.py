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
# # 7. Inside the accelerated core
#
# Every hot routine of minidl exists three times, with the same name and signature
# (`kernels/__init__.py` is the contract):
#
# * `kernels/reference.py`: plain NumPy, written to be read: the specification and test oracle;
# * `kernels/cpu/`: the Numba twin, compiled to machine code, parallel over rows;
# * `kernels/cuda/`: the CUDA twin, C++ kernels compiled by CuPy at first use.
#
# `dl.use_kernels("reference")` / `dl.use_kernels("accelerated")` (or the environment variable
# `MINIDL_KERNELS`) switches the whole program between them. This tutorial opens the softmax and
# attention kernels, measures them, and explains the numbers with two ideas: **fusion** (fewer
# passes over memory) and the **roofline** (is a kernel limited by arithmetic or by memory?).
# All numbers are measured in this run, on this machine.
#
# Exercises: `online_softmax`, `numba_softmax`, `roofline`.
#
# What you should see: every Numba kernel equal to its NumPy reference to float32 rounding
# (about 1e-7 for softmax and attention); the online softmax equal to the direct one; the
# timings and bandwidths depend on the machine and its load (on the shared 2-core machine
# the copy bandwidth measured 1.8-10 GB/s and the Numba softmax about 2.6 times faster
# than the reference on large rows); a roofline on which matmul sits near the measured
# peak and softmax far below it, limited by memory.

# %%
import inspect
import json
import os
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import minidl as dl
from minidl.kernels import cpu, reference

from tutorial_setup import QUICK, exercise_solution, save_figure


KERNELS_DIR = Path(inspect.getfile(reference)).parent


def best_time(function, *args, repeats=5 if not QUICK else 2, min_time=0.05 if not QUICK else 0.005):
    """The fastest of ``repeats`` timings (seconds per call), each looping for at least min_time."""
    function(*args)  # warm-up (and, for Numba, compile or load from cache)
    best = float("inf")
    for _ in range(repeats):
        calls, start = 0, time.perf_counter()
        while True:
            function(*args)
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                break
        best = min(best, elapsed / calls)
    return best


results = {}
rng = np.random.default_rng(0)
print("kernel set in use:", dl.get_kernels(), "| CUDA available:", dl.cuda.is_available())

# %% [markdown]
# ## The reference kernel
#
# The reference softmax is four lines of NumPy. Each line is a separate pass over the whole
# array, and every intermediate (`x - max`, `exp(...)`, the division) is a fresh temporary
# array written to memory and read back: for an (N, D) input NumPy moves about five times the
# data that the result strictly needs.

# %%
print(inspect.getsource(reference.softmax_forward))

# %% [markdown]
# ## The Numba twin
#
# The Numba kernel (`kernels/cpu/softmax.py`) runs `prange` over rows, so rows go to different
# cores, and inside a row it does the max, the exponentials and the sum while the row sits in
# the L1 cache: the input is read from main memory once and the output written once. Numba
# compiles on first call (here it may load the compiled code from its on-disk cache).
#
# A caution about measuring: a parallel kernel needs its cores. If other programs keep them
# busy (look at the load average printed below: above the number of cores means contention),
# threads wait for each other and the parallel kernel can even lose to NumPy. That is why we
# also time it on one thread, and why benchmarks report medians of warm runs on a quiet machine.

# %%
print(inspect.getsource(cpu.softmax.exp_shifted_row))
print(inspect.getsource(cpu.softmax._softmax_forward.serial.py_func))

# %%
start = time.perf_counter()
cpu.softmax_forward(rng.standard_normal((4, 8)).astype(np.float32))
print(f"first call (compile or cache load): {1e3 * (time.perf_counter() - start):.0f} ms")

rows = 512 if QUICK else 4096
x = rng.standard_normal((rows, 1024)).astype(np.float32) * 4
softmax_error = float(np.abs(cpu.softmax_forward(x) - reference.softmax_forward(x)).max())
print(f"max |numba - reference| on ({rows}, 1024) float32: {softmax_error:.2e}")
results["softmax_max_error"] = softmax_error

import numba

time_reference = best_time(reference.softmax_forward, x)
time_numba = best_time(cpu.softmax_forward, x)
threads = numba.get_num_threads()
numba.set_num_threads(1)
time_numba_serial = best_time(cpu.softmax_forward, x)
numba.set_num_threads(threads)
print(f"reference: {1e3 * time_reference:.2f} ms   numba, {threads} threads: {1e3 * time_numba:.2f} ms"
      f"   numba, 1 thread: {1e3 * time_numba_serial:.2f} ms")
print(f"speed-up of the Numba twin over NumPy: {time_reference / time_numba:.2f}x")
print("load average of this machine (1, 5, 15 min):", os.getloadavg())

# %% [markdown]
# ## The CUDA twin
#
# On a GPU, one *thread block* handles one row: its threads stride over the row's columns,
# combine their partial (max, sum) pairs in shared memory, then each writes its outputs. The
# same two passes as the Numba kernel, with thousands of threads instead of two cores. Here is
# the source; it runs below only where `dl.cuda.is_available()`.

# %%
cuda_source = (KERNELS_DIR / "cuda" / "softmax.cu").read_text()
print(cuda_source[:2500])

# %%
time_cuda = None
if dl.cuda.is_available():
    import cupy

    x_gpu = dl.tensor(x, device="cuda")

    def gpu_softmax(t):
        t.softmax(dim=-1)
        cupy.cuda.Device().synchronize()

    time_cuda = best_time(gpu_softmax, x_gpu)
    gpu_error = float(np.abs(x_gpu.softmax(dim=-1).numpy() - reference.softmax_forward(x)).max())
    print(f"cuda: {1e3 * time_cuda:.3f} ms, max |cuda - reference| = {gpu_error:.2e}")
else:
    print("no GPU here: the CUDA twin is shown, not run")

# %% [markdown]
# ## Fusion and memory bandwidth
#
# How fast *could* softmax be? It must read N·D numbers and write N·D numbers, so it can never
# beat the time to move 2·N·D·4 bytes. The yardstick is the machine's **memory bandwidth**,
# which we measure with the simplest kernel there is, a copy. Then we compute each softmax's
# *effective bandwidth* (the bytes it had to move divided by its time) over a range of sizes.
# Small arrays fit in the caches and can beat main-memory bandwidth; large ones cannot.

# %%
big = np.ones((8 if QUICK else 64) * 2**20 // 4, dtype=np.float32)  # 8 or 64 MB
target = np.empty_like(big)
time_copy = best_time(np.copyto, target, big)
copy_bandwidth = 2 * big.nbytes / time_copy  # read + write
print(f"copy bandwidth: {copy_bandwidth / 1e9:.1f} GB/s ({big.nbytes / 2**20:.0f} MB arrays)")
results["copy_bandwidth_gb_s"] = copy_bandwidth / 1e9

sizes = [2**k for k in (range(12, 20, 2) if QUICK else range(12, 24, 2))]  # elements
bandwidth = {"reference (NumPy, 5 passes)": [], "numba (fused, 2 passes)": []}
for size in sizes:
    xs = rng.standard_normal((size // 1024, 1024)).astype(np.float32)
    moved = 2 * xs.nbytes
    bandwidth["reference (NumPy, 5 passes)"].append(moved / best_time(reference.softmax_forward, xs) / 1e9)
    bandwidth["numba (fused, 2 passes)"].append(moved / best_time(cpu.softmax_forward, xs) / 1e9)

fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
labels = ["reference\n(NumPy)", f"numba\n{threads} threads", "numba\n1 thread"] + (
    ["cuda"] if time_cuda else [])
times = [time_reference, time_numba, time_numba_serial] + ([time_cuda] if time_cuda else [])
axes[0].bar(labels, [1e3 * t for t in times], color=["#999", "#3a7", "#8c8", "#37c"][: len(times)])
axes[0].set(ylabel="ms per call", title=f"softmax of ({rows}, 1024) float32")
for name, values in bandwidth.items():
    axes[1].semilogx([4 * s for s in sizes], values, marker="o", label=name)
axes[1].axhline(copy_bandwidth / 1e9, color="k", ls="--", label="copy (measured)")
axes[1].set(xlabel="input size (bytes)", ylabel="effective GB/s (2 x input bytes / time)",
            title="softmax: effective memory bandwidth")
axes[1].legend()
save_figure(fig, "07_kernel_times.png")

# %% [markdown]
# ## Online softmax: one pass
#
# The Numba softmax reads each row twice (the second time from cache). Attention cannot do even
# that: its "row" is a row of scores $q_i\cdot k_j$ that we do not want to store at all. The
# **online softmax** keeps two running numbers while the blocks of a row stream past: the
# largest value so far, $m$, and the sum $l$ of $e^{x_j - m}$ so far. When a new block raises
# the maximum, the old sum is measured against the wrong $m$; the exercise `online_softmax`
# asks you to find the one factor that fixes it without revisiting the old elements. Flash
# attention applies the same fix to its running *output* $\sum_j e^{s_j - m} v_j$.
# (`kernels/cpu/softmax.py`'s docstring explains why the plain softmax kernel nevertheless
# uses two vectorised passes.)
#
# **Exercise break.** Do `python -m minidl.exercises start online_softmax` now. The next cell
# feeds one row in three blocks to your `online_logsumexp` (minidl's reference until yours
# passes its checks) and prints the running max and sum after each block.
#
# What you should see: the running max never decreases, each running sum is the sum of
# exp(x - running max) over the values seen so far, and the online softmax agrees with the
# direct one to about 1e-16.

# %%
online = exercise_solution("online_softmax")
row = rng.standard_normal(10) * 3
blocks = np.split(row, [3, 7])
for seen in range(1, len(blocks) + 1):
    m, l = online.online_logsumexp(blocks[:seen])
    print(f"after {seen} block(s), {sum(map(len, blocks[:seen]))} values: "
          f"running max {m:.3f}, running sum {l:.4f}")
online_row = online.softmax_from_blocks(blocks)
print("online:", np.round(online_row, 4))
print("direct:", np.round(reference.softmax_forward(row), 4))
results["online_softmax_error"] = float(np.abs(online_row - reference.softmax_forward(row)).max())

# %% [markdown]
# ## Attention: the reference vs the flash-style Numba kernel
#
# The reference attention materialises the (B, L, S) matrix of scores and probabilities; the
# Numba kernel streams blocks of keys through an online softmax and never stores it. Same
# results (up to float rounding), far less memory traffic as L and S grow.

# %%
print(inspect.getsource(reference.attention_forward))
B, T, E = (4, 64, 32) if QUICK else (16, 256, 64)
q, k, v = (rng.standard_normal((B, T, E)).astype(np.float32) for _ in range(3))
scale = 1 / np.sqrt(E)
o_ref, lse_ref = reference.attention_forward(q, k, v, None, scale, True)
o_numba, lse_numba = cpu.attention_forward(q, k, v, None, scale, True)
attention_error = float(np.abs(o_ref - o_numba).max())
print(f"max |numba - reference| for causal attention (B={B}, T={T}, E={E}): {attention_error:.2e}")
results["attention_max_error"] = attention_error
time_attention_ref = best_time(reference.attention_forward, q, k, v, None, scale, True)
time_attention_numba = best_time(cpu.attention_forward, q, k, v, None, scale, True)
print(f"reference {1e3 * time_attention_ref:.2f} ms, numba {1e3 * time_attention_numba:.2f} ms")
print(f"the reference stores {B * T * T * 4 * 2 / 2**20:.1f} MB of scores and probabilities; "
      "the Numba kernel a 64-key buffer per row")

# %% [markdown]
# ## Roofline
#
# A kernel doing $F$ floating-point operations while moving $B$ bytes has **arithmetic
# intensity** $I = F/B$. With peak compute $P$ and bandwidth $W$ it can reach at most
# $\min(P,\; I\cdot W)$ FLOP/s: the roofline. Softmax (about 4 FLOP per 8 bytes moved,
# $I \approx 0.5$) sits far left, under the sloped memory roof: only fewer bytes (fusion) can
# speed it up. A large matrix product reuses every number many times ($I$ in the hundreds) and
# sits under the flat compute roof. We measure $P$ with a float32 matrix product (through
# NumPy's BLAS) and $W$ with the copy above, then place the kernels we timed. (Exercise
# `roofline`.)

# %%
n = 512 if QUICK else 1536
a_mat, b_mat = (rng.standard_normal((n, n)).astype(np.float32) for _ in range(2))
time_matmul = best_time(np.matmul, a_mat, b_mat)
peak = 2 * n**3 / time_matmul
print(f"matmul {n}^3: {peak / 1e9:.1f} GFLOP/s (our measured 'peak')")
results["matmul_gflops"] = peak / 1e9

attention_flops = 4 * B * T * T * E / 2  # QK^T and PV, causal: half the pairs
points = {
    "softmax, reference": (4 * x.size, 2 * x.nbytes, time_reference),
    "softmax, numba": (4 * x.size, 2 * x.nbytes, time_numba),
    "attention, numba": (attention_flops, 4 * q.nbytes, time_attention_numba),
    "attention, reference": (attention_flops, 4 * q.nbytes, time_attention_ref),
    f"matmul {n}^3": (2 * n**3, 3 * a_mat.nbytes, time_matmul),
}
fig, ax = plt.subplots(figsize=(7.5, 5))
intensities = np.logspace(-2, 3, 200)
ax.loglog(intensities, np.minimum(peak, intensities * copy_bandwidth) / 1e9, "k-", lw=2,
          label="roofline (measured)")
ax.axvline(peak / copy_bandwidth, color="grey", ls=":", lw=1)
ax.text(peak / copy_bandwidth * 1.1, peak / 1e9 / 20, f"ridge point\n{peak / copy_bandwidth:.0f} FLOP/byte",
        color="grey")
for label, (flops, nbytes, seconds) in points.items():
    ax.loglog(flops / nbytes, flops / seconds / 1e9, "o", ms=8, label=label)
    print(f"{label:22s} intensity {flops / nbytes:8.2f} FLOP/byte   achieved "
          f"{flops / seconds / 1e9:8.2f} GFLOP/s")
ax.set(xlabel="arithmetic intensity (FLOP / byte)", ylabel="GFLOP/s",
       title="Roofline of this CPU, from numbers measured in this run")
ax.legend(fontsize=8)
save_figure(fig, "07_roofline.png")

# %% [markdown]
# ## What you have seen
#
# * The three kernel sets share one interface; the reference is the specification, and every
#   accelerated kernel is tested against it.
# * Softmax is memory-bound: its speed is measured against the copy bandwidth, and only
#   moving fewer bytes (fusing NumPy's five passes into two) can help; extra arithmetic
#   speed would not. Compare the two softmax curves of the bandwidth plot with the copy line.
# * Measurements depend on the machine and on what else runs on it: always measure, in the
#   same run, against a yardstick (here the copy and the matmul).
# * Attention with an online softmax never stores its L×S score matrix.
# * The roofline tells you, from two measured numbers, which of the two limits applies.
#
# Next: `08_checkpoints_and_deployment.py`.

# %%
assert results["softmax_max_error"] < 1e-5
assert results["attention_max_error"] < 1e-4
print("RESULT " + json.dumps(results))
