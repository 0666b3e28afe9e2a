"""Startup costs: ``import minidl``, time to the first training step, cold kernel compilation.

Each figure comes from fresh Python processes (``subprocess``), so nothing is already imported
or compiled:

- ``import minidl``: seconds for the import statement alone (target < 0.3 s; ``import torch``
  is timed the same way for comparison when PyTorch is installed).
- first step, warm cache: wall time from launching ``python`` until one W1 training step
  (MLP 784-128-64-10, Adam, batch 128) has finished, with the Numba kernel cache already filled
  (target < 1 s). "Cold cache" is the same with an empty cache (``NUMBA_CACHE_DIR`` pointing to
  a fresh folder), so every kernel the step needs compiles first.
- cold compile: one process with an empty cache calls every kernel of ``minidl.kernels.cpu``
  once on small float32 inputs and times each call, then once more with the parallel grain at
  0 so that the parallel variants compile too (target: all of them < 30 s). Not run with
  ``--quick``.

Run alone: ``python benchmarks/startup.py [--quick]``.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from common import REPO_ROOT, Result, Timing, import_torch, quartiles

IMPORT_TARGET_S, FIRST_STEP_TARGET_S, COMPILE_TARGET_S = 0.3, 1.0, 30.0


def _python(args, env=None, timeout=600):
    """Run ``python args`` in a fresh process; returns (wall seconds, stdout)."""
    full_env = dict(os.environ, **(env or {}))
    full_env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO_ROOT), full_env.get("PYTHONPATH")) if p)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *args], env=full_env, capture_output=True, text=True,
                          timeout=timeout, cwd=REPO_ROOT)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"child process failed ({' '.join(args[:2])}):\n{done.stderr[-2000:]}")
    return wall, done.stdout


def _child_json(stdout):
    return json.loads(stdout.strip().splitlines()[-1])


# ---- what the child processes run ---------------------------------------------------------------
IMPORT_CODE = """
import time
started = time.perf_counter()
import {module}
print(time.perf_counter() - started)
"""


def child_first_step():
    """Import minidl, build the W1 model and run one training step; print timings as JSON."""
    started = time.perf_counter()
    import minidl.nn.functional as F
    imported = time.perf_counter()
    from w1_mlp_step import build_minidl

    model, optimizer, x, y = build_minidl("cpu")
    built = time.perf_counter()
    optimizer.zero_grad()
    F.cross_entropy(model(x), y).backward()
    optimizer.step()
    stepped = time.perf_counter()
    print(json.dumps({"import_s": imported - started, "build_s": built - imported,
                      "step_s": stepped - built}))


def kernel_samples():
    """Small float32 arguments for every kernel of the interface (see ``minidl.kernels``)."""
    import numpy as np

    rng = np.random.default_rng(0)
    f = np.float32

    def randn(*shape):
        return rng.standard_normal(shape).astype(f)

    x, gy = randn(4, 8), randn(4, 8)
    logits, target = randn(4, 5), np.array([0, 1, 4, 2], dtype=np.int64)
    lse, losses = np.ones(4, f), np.ones(4, f)
    w, b, mean, rstd = np.ones(8, f), np.zeros(8, f), np.zeros(4, f), np.ones(4, f)
    q, k, v, o, go = randn(2, 3, 4), randn(2, 5, 4), randn(2, 5, 4), randn(2, 3, 4), randn(2, 3, 4)
    att_lse = np.zeros((2, 3), f)
    keep = np.ones((4, 8), dtype=bool)
    table, indices = randn(6, 3), np.array([[0, 5], [2, 2]], dtype=np.int64)
    image = randn(2, 3, 5, 5)

    def params():
        return [randn(3, 2), randn(4)]

    return {
        "relu_forward": (x,), "relu_backward": (x, gy),
        "sigmoid_forward": (x,), "sigmoid_backward": (x, gy),
        "tanh_forward": (x,), "tanh_backward": (x, gy),
        # a list: one call per form, each its own compiled loop
        "gelu_forward": [(x, "none"), (x, "tanh")],
        "gelu_backward": [(x, gy, "none"), (x, gy, "tanh")],
        "softmax_forward": (x,), "softmax_backward": (x, gy),
        "log_softmax_forward": (x,), "log_softmax_backward": (x, gy),
        "cross_entropy_forward": (logits, target, -100, 0.0),
        "cross_entropy_backward": (logits, target, lse, losses, -100, 0.0),
        "layer_norm_forward": (x, w, b, 1e-5),
        "layer_norm_backward": (gy, x, w, mean, rstd),
        "dropout_forward": (x, 0.1, 0), "dropout_backward": (gy, keep, 0.1),
        "embedding_forward": (table, indices), "embedding_backward": (indices, randn(2, 2, 3), 6),
        "attention_forward": (q, k, v, None, 0.5, True),
        "attention_backward": (q, k, v, o, att_lse, go, None, 0.5, True),
        "sgd_step": (params(), params(), params(), 0.1, 0.9, 0.0, 0.0, False, True),
        "adam_step": (params(), params(), params(), params(), 1, 1e-3, 0.9, 0.999, 1e-8, 0.0,
                      False),
        "quantized_matmul": (np.arange(12, dtype=np.uint8).reshape(3, 4), 3,
                             np.ones((2, 4), dtype=np.int8)),
        # convolution, pooling, batch norm: a (2, 3, 5, 5) image, 3x3 kernel, padding 1
        "im2col": (image, (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1)),
        "col2im": (randn(27, 50), image.shape, (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1)),
        "max_pool2d_forward": (image, (2, 2), (2, 2), (0, 0), (1, 1), (2, 2)),
        "max_pool2d_backward": (randn(2, 3, 2, 2), np.zeros((2, 3, 2, 2), np.int64), image.shape),
        "avg_pool2d_forward": (image, (2, 2), (2, 2), (0, 0), (2, 2), True),
        "avg_pool2d_backward": (randn(2, 3, 2, 2), image.shape, (2, 2), (2, 2), (0, 0), (2, 2),
                                True),
        "batch_norm_forward": (randn(2, 3, 25), np.ones(3, f), np.zeros(3, f), 1e-5),
        "batch_norm_backward": (randn(2, 3, 25), randn(2, 3, 25), np.ones(3, f), np.zeros(3, f),
                                np.ones(3, f), 1e-5),
    }


def child_compile_kernels():
    """Call each kernel of minidl.kernels.cpu once; print {name: seconds} (and errors) as JSON.

    Kernels that are compiled twice, serial and parallel (``kernels/cpu/parallel.py``), run
    serially on small inputs; a second round with the parallel grain set to 0 compiles their
    parallel variants too, since a real program uses both (small batches, large arrays).
    """
    import importlib

    import minidl.kernels.cpu as cpu

    samples = kernel_samples()
    times, problems = {}, {}

    def compile_all(suffix):
        for name in cpu.__all__:
            if name not in samples:
                problems[name] = "no sample inputs in benchmarks/startup.py"
                continue
            calls = samples[name] if isinstance(samples[name], list) else [samples[name]]
            started = time.perf_counter()
            try:
                for args in calls:
                    getattr(cpu, name)(*args)
            except Exception as err:  # report and go on: one broken kernel must not hide the rest
                problems[name + suffix] = f"{type(err).__name__}: {err}"
                continue
            times[name + suffix] = time.perf_counter() - started

    compile_all("")
    try:
        parallel = importlib.import_module("minidl.kernels.cpu.parallel")
    except ImportError:
        parallel = None
    if parallel is not None and hasattr(parallel, "PARALLEL_GRAIN"):
        parallel.PARALLEL_GRAIN = 0
        compile_all(" (parallel)")
    print(json.dumps({"times": times, "problems": problems}))


# ---- the measurements ---------------------------------------------------------------------------
def _timed(samples):
    q1, median, q3 = quartiles(samples)
    return Timing(median, q1, q3, len(samples))


def import_times(module, repeats):
    samples = [float(_python(["-c", IMPORT_CODE.format(module=module)])[1].strip().splitlines()[-1])
               for _ in range(repeats)]
    return _timed(samples)


def first_step_times(cache_dir, repeats, cold):
    """Wall times of fresh processes running one W1 step (cold: a new empty cache each time,
    made inside ``cache_dir``)."""
    walls, details = [], []
    for _ in range(repeats):
        directory = tempfile.mkdtemp(prefix="cold-", dir=cache_dir) if cold else cache_dir
        wall, out = _python([__file__, "--child", "first-step"],
                            env={"NUMBA_CACHE_DIR": directory})
        walls.append(wall)
        details.append(_child_json(out))
    return _timed(walls), details


def run(device="cpu", quick=False):
    """Startup figures (always on cpu: they measure import and Numba compilation)."""
    scratch = tempfile.mkdtemp(prefix="minidl-startup-")  # Numba caches, removed at the end
    try:
        return _run(scratch, quick)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run(scratch, quick):
    repeats = 1 if quick else 7
    results = []
    absolute = dict(target_ratio=None)

    timing = import_times("minidl", repeats)
    results.append(Result.timed("startup: import", "minidl", "cpu", timing, per="import",
                                target=f"< {IMPORT_TARGET_S} s",
                                met=timing.median < IMPORT_TARGET_S, **absolute))
    if import_torch() is not None and not quick:  # importing torch takes seconds
        results.append(Result.timed("startup: import", "pytorch", "cpu",
                                    import_times("torch", repeats), per="import", **absolute))

    warm_dir = tempfile.mkdtemp(prefix="warm-", dir=scratch)
    _python([__file__, "--child", "first-step"], env={"NUMBA_CACHE_DIR": warm_dir})  # fill it
    timing, details = first_step_times(warm_dir, repeats, cold=False)
    results.append(Result.timed(
        "startup: first step (warm cache)", "minidl", "cpu", timing, per="process",
        target=f"< {FIRST_STEP_TARGET_S} s", met=timing.median < FIRST_STEP_TARGET_S,
        extra={"children": details, "note": "launch to end of one W1 step"}, **absolute))
    timing, details = first_step_times(scratch, 1 if quick else 3, cold=True)
    results.append(Result.timed(
        "startup: first step (cold cache)", "minidl", "cpu", timing, per="process",
        extra={"children": details, "note": "empty Numba cache: compiles the step's kernels"},
        **absolute))

    if quick:
        results.append(Result.skip(
            "startup: cold compile, all CPU kernels", "minidl", "cpu",
            "not in --quick (it takes ~30 s); run without --quick", per="all kernels",
            target=f"< {COMPILE_TARGET_S:.0f} s", **absolute))
        return results
    _, out = _python([__file__, "--child", "compile-kernels"],
                     env={"NUMBA_CACHE_DIR": tempfile.mkdtemp(prefix="compile-", dir=scratch)})
    compiled = _child_json(out)
    total = sum(compiled["times"].values())
    slowest = sorted(compiled["times"].items(), key=lambda kv: -kv[1])[:3]
    note = "slowest: " + ", ".join(f"{name} {seconds:.1f}s" for name, seconds in slowest)
    if compiled["problems"]:
        note += f"; {len(compiled['problems'])} kernel(s) not compiled (see JSON)"
    results.append(Result.timed(
        "startup: cold compile, all CPU kernels", "minidl", "cpu", Timing(total, total, total, 1),
        per="all kernels", target=f"< {COMPILE_TARGET_S:.0f} s",
        met=total < COMPILE_TARGET_S and not compiled["problems"],
        extra={"per_kernel_s": compiled["times"], "problems": compiled["problems"], "note": note},
        **absolute))
    return results


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        {"first-step": child_first_step, "compile-kernels": child_compile_kernels}[sys.argv[2]]()
    else:
        from common import main

        main(run, __doc__.splitlines()[0])
