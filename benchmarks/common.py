"""Shared helpers of the benchmark scripts: timing, result records, the table, JSON and the plot.

Every workload script (``w1_mlp_step.py`` ... ``w6_digits_training.py``) exposes
``run(device, quick) -> list[Result]`` and times, in one process and on the same inputs:

- ``minidl-reference``   minidl with the plain-NumPy reference kernels (``dl.use_kernels``),
- ``minidl``             minidl with the accelerated kernels (Numba on "cpu", CUDA on "cuda"),
- ``pytorch``            PyTorch, when it can be imported (otherwise a result marked skipped).

Timing (``measure``): a few warm-up calls (JIT compilation, caches, allocator), then ``repeats``
timed calls; we report the median and the interquartile range. On "cuda" each call is followed
by a device synchronize (``sync_for``), so a timing covers the GPU work and not just the launch.

Only ratios measured in the same run mean anything: ``ratio`` is the median of an
implementation divided by PyTorch's median from the same process.

Set ``MINIDL_BENCH_NO_TORCH=1`` to run as if PyTorch were not installed.
"""
import json
import math
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # run from a fresh clone without installing minidl
    sys.path.insert(0, str(REPO_ROOT))

IMPLEMENTATIONS = ("minidl-reference", "minidl", "pytorch")


# ---- optional PyTorch ---------------------------------------------------------------------------
def import_torch():
    """PyTorch, or None when it is not installed (or ``MINIDL_BENCH_NO_TORCH=1`` hides it)."""
    if os.environ.get("MINIDL_BENCH_NO_TORCH") == "1":
        return None
    try:
        import torch
    except ImportError:
        return None
    return torch


def torch_skip_reason():
    if os.environ.get("MINIDL_BENCH_NO_TORCH") == "1":
        return "PyTorch hidden by MINIDL_BENCH_NO_TORCH=1"
    return "PyTorch is not installed"


def torch_device(torch, device):
    """PyTorch's device for ours, or None when PyTorch cannot use it (a CPU-only build)."""
    if device == "cuda" and not torch.cuda.is_available():
        return None
    return device


# ---- synchronization and timing -----------------------------------------------------------------
def _no_sync():
    pass


def sync_for(impl, device):
    """A function that waits for all queued GPU work of ``impl`` on ``device`` (a no-op on cpu)."""
    if device != "cuda":
        return _no_sync
    if impl == "pytorch":
        import torch

        return torch.cuda.synchronize
    import cupy

    return cupy.cuda.Device().synchronize


@dataclass
class Timing:
    median: float  # seconds
    q1: float
    q3: float
    runs: int

    @property
    def iqr(self):
        return self.q3 - self.q1


def quartiles(samples):
    """(q1, median, q3) of a list of numbers (linear interpolation, like numpy.percentile)."""
    s = sorted(samples)

    def at(fraction):
        position = fraction * (len(s) - 1)
        low = math.floor(position)
        high = min(low + 1, len(s) - 1)
        return s[low] + (s[high] - s[low]) * (position - low)

    return at(0.25), at(0.5), at(0.75)


def measure(fn, warmup=3, repeats=20, sync=_no_sync, min_time=0.0):
    """Time ``fn()``: ``warmup`` untimed calls, then ``repeats`` timed calls (at least
    ``min_time`` seconds of them in all); returns a Timing of seconds per call."""
    for _ in range(warmup):
        fn()
    sync()
    samples = []
    started = time.perf_counter()
    while len(samples) < repeats or time.perf_counter() - started < min_time:
        t0 = time.perf_counter()
        fn()
        sync()
        samples.append(time.perf_counter() - t0)
    q1, median, q3 = quartiles(samples)
    return Timing(median, q1, q3, len(samples))


def timing_settings(quick):
    """(warmup, repeats) for a workload: fewer in quick mode (a smoke run, not a measurement)."""
    return (1, 3) if quick else (5, 30)


# ---- results ------------------------------------------------------------------------------------
@dataclass
class Result:
    """One implementation's figure on one workload (``per`` says what one timing covers)."""

    workload: str                    # "W1" ... "W6", or "W2 (T=1024, H=16)"
    implementation: str              # one of IMPLEMENTATIONS
    device: str
    median_s: float = None           # seconds per ``per``; None when skipped or failed
    q1_s: float = None
    q3_s: float = None
    runs: int = 0
    per: str = "call"                # what one timing is: "step", "op", "epoch", ...
    target: str = ""                 # the DESIGN target, in words
    target_ratio: float = None       # met when ratio <= target_ratio (or >= for higher_is_better)
    higher_is_better: bool = False   # for ratios of throughputs
    ratio: float = None              # to PyTorch in the same run (see ``fill_ratios``)
    met: bool = None
    skipped: str = None              # why there is no figure
    extra: dict = field(default_factory=dict)  # workload-specific figures (throughput, accuracy)

    @classmethod
    def timed(cls, workload, impl, device, timing, **kwargs):
        return cls(workload, impl, device, timing.median, timing.q1, timing.q3, timing.runs,
                   **kwargs)

    @classmethod
    def skip(cls, workload, impl, device, reason, **kwargs):
        return cls(workload, impl, device, skipped=reason, **kwargs)


def fill_ratios(results):
    """Set ``ratio`` (to PyTorch's figure of the same workload) and ``met`` on each result.

    By default the ratio is time / PyTorch's time (lower is better). A workload may put a
    ``"ratio_value"`` in ``extra`` (e.g. a throughput, higher is better) to compare instead; a
    result that already has ``met`` decided (e.g. against a hardware ceiling) keeps it.
    """
    def value(r):
        return r.extra.get("ratio_value", r.median_s)

    torch_by_workload = {
        r.workload: value(r) for r in results
        if r.implementation == "pytorch" and r.skipped is None and value(r)
    }
    for r in results:
        base = torch_by_workload.get(r.workload)
        if r.skipped is None and base and value(r) is not None:
            r.ratio = value(r) / base
        if r.met is None and r.ratio is not None and r.target_ratio is not None \
                and r.implementation == "minidl":
            r.met = r.ratio >= r.target_ratio if r.higher_is_better else r.ratio <= r.target_ratio
    return results


def environment(device):
    """What the reader needs to know to compare runs: versions, threads, the machine."""
    import numpy as np

    info = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "numpy": np.__version__,
        "device": device,
        # other processes skew timings (above all multi-threaded ones): check this first
        "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }
    try:
        import numba

        info["numba"] = numba.__version__
        info["numba_threads"] = numba.config.NUMBA_NUM_THREADS
    except ImportError:
        info["numba"] = None
    torch = import_torch()
    if torch is None:
        info["torch"] = None
        info["torch_skipped"] = torch_skip_reason()
    else:
        info["torch"] = torch.__version__
        # left at PyTorch's default on purpose: we compare against PyTorch as people run it
        info["torch_num_threads"] = torch.get_num_threads()
        info["torch_num_threads_note"] = "torch.set_num_threads left at its default"
    if device == "cuda":
        try:
            import cupy

            props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
            info["gpu"] = props["name"].decode() if isinstance(props["name"], bytes) \
                else str(props["name"])
            info["cupy"] = cupy.__version__
        except Exception as err:  # report, do not fail: the table is still useful
            info["gpu"] = f"unknown ({err})"
    return info


# ---- output -------------------------------------------------------------------------------------
def format_seconds(seconds):
    if seconds is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def _met_text(r):
    if r.skipped is not None:
        return "skipped"
    if r.met is None:
        return "-" if r.implementation == "minidl" else ""
    return "met" if r.met else "NOT met"


def format_table(results):
    """The results as a plain-text table (one line per workload and implementation)."""
    with_ceiling = any(r.extra.get("ceiling_fraction") is not None for r in results)
    headers = ("workload", "implementation", "median", "IQR", "per", "vs PyTorch") + \
        (("of ceiling",) if with_ceiling else ()) + ("target", "met", "notes")
    rows = []
    for r in results:
        ceiling = ()
        if with_ceiling:
            fraction = r.extra.get("ceiling_fraction")
            ceiling = (f"{fraction:.1%}" if fraction is not None else "-",)
        if r.skipped is not None:
            rows.append((r.workload, r.implementation, "-", "-", r.per, "-") + ceiling +
                        (r.target, "skipped", r.skipped))
            continue
        notes = r.extra.get("note", "")
        rows.append((
            r.workload, r.implementation, format_seconds(r.median_s),
            format_seconds(r.q3_s - r.q1_s) if r.q1_s is not None else "-", r.per,
            f"{r.ratio:.2f}x" if r.ratio is not None else "-",
        ) + ceiling + (r.target if r.implementation == "minidl" else "", _met_text(r), notes))
    widths = [max(len(str(row[i])) for row in rows + [headers]) for i in range(len(headers))]
    line = "  ".join("{:<%d}" % w for w in widths)
    out = [line.format(*headers), line.format(*("-" * w for w in widths))]
    out += [line.format(*map(str, row)).rstrip() for row in rows]
    return "\n".join(out)


def write_json(path, results, env, extra=None):
    payload = {"environment": env, "results": [asdict(r) for r in results]}
    payload.update(extra or {})
    _write_json_atomically(path, payload)


def _write_json_atomically(path, payload):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, indent=2, default=str))
    tmp.replace(path)


def append_history(path, results, env, quick):
    """Add this run's same-run ratios to the JSON list at ``path`` (created when missing), one
    entry per run: {"time", "device", "quick", "load_average_1min", "workloads": {workload:
    {"ratio", "reference_ratio", "target_ratio", "higher_is_better"}}}. Only workloads with a
    ``minidl`` ratio go in (a run without PyTorch adds an entry with none)."""
    path = Path(path)
    history = json.loads(path.read_text()) if path.exists() else []
    reference = {r.workload: r.ratio for r in results if r.implementation == "minidl-reference"}
    workloads = {
        r.workload: {"ratio": r.ratio, "reference_ratio": reference.get(r.workload),
                     "target_ratio": r.target_ratio, "higher_is_better": r.higher_is_better}
        for r in results if r.implementation == "minidl" and r.ratio is not None
    }
    history.append({"time": time.strftime("%Y-%m-%d %H:%M:%S"), "device": env.get("device"),
                    "quick": quick, "load_average_1min": env.get("load_average_1min"),
                    "workloads": workloads})
    _write_json_atomically(path, history)
    return history


def plot(path, results, title="minidl vs PyTorch (same run)"):
    """A bar chart of each workload's ratio to PyTorch, per implementation, with the target
    marked; bars below the target line are good for times, above it for throughputs."""
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    impls = [i for i in IMPLEMENTATIONS if i != "pytorch"]
    workloads = list(dict.fromkeys(r.workload for r in results if r.implementation in impls))
    fig, ax = plt.subplots(figsize=(max(6, 1.4 * len(workloads) + 2), 4.5))
    width = 0.8 / len(impls)
    colors = {"minidl-reference": "#bbbbbb", "minidl": "#1f77b4"}
    for k, impl in enumerate(impls):
        xs, ys = [], []
        for i, w in enumerate(workloads):
            for r in results:
                if r.workload == w and r.implementation == impl and r.ratio is not None:
                    xs.append(i + (k - (len(impls) - 1) / 2) * width)
                    ys.append(r.ratio)
        ax.bar(xs, ys, width, label=impl, color=colors.get(impl))
    target_label = "target"
    for i, w in enumerate(workloads):
        targets = [r.target_ratio for r in results
                   if r.workload == w and r.implementation == "minidl" and r.target_ratio]
        if targets:
            ax.hlines(targets[0], i - 0.45, i + 0.45, colors="red", linestyles="--",
                      label=target_label)
            target_label = None  # one legend entry
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(workloads)))
    ax.set_xticklabels(workloads, rotation=20, ha="right")
    ax.set_ylabel("ratio to PyTorch (time; throughput for W5)")
    ax.set_yscale("log")
    ax.set_title(title)
    ax.legend(fontsize=8)
    if not any(r.ratio is not None for r in results):
        ax.text(0.5, 0.5, "no PyTorch figures in this run (ratios need PyTorch)",
                transform=ax.transAxes, ha="center")
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


# ---- running a workload script on its own -------------------------------------------------------
def parse_args(description, argv=None):
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="few repeats: a smoke run")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument("--json", help="also write the results to this JSON file")
    return parser.parse_args(argv)


def main(run, description, argv=None):
    """The body of ``python benchmarks/wN_....py [--quick] [--device cpu|cuda] [--json F]``."""
    args = parse_args(description, argv)
    results = fill_ratios(run(args.device, args.quick))
    print(format_table(results))
    if args.json:
        write_json(args.json, results, environment(args.device))
    return results


def kernel_sets(device):
    """The minidl implementations to time, as (result name, kernel-set name) pairs."""
    return (("minidl-reference", "reference"), ("minidl", "accelerated"))


def per_impl(workload, device, quick, build, per, target, target_ratio, warmup=None,
             repeats=None, sync_extra=None, **result_kwargs):
    """Time a workload for every implementation.

    ``build(impl, device)`` sets up the workload (model, inputs) and returns a zero-argument
    function doing one unit of work (a step, a chain...), or raises ``SkipWorkload``. minidl
    implementations are built and timed inside ``dl.use_kernels`` of their kernel set.
    """
    import minidl as dl

    default_warmup, default_repeats = timing_settings(quick)
    warmup = default_warmup if warmup is None else warmup
    repeats = default_repeats if repeats is None else repeats
    results = []
    common = dict(per=per, target=target, target_ratio=target_ratio, **result_kwargs)
    for impl, kernels in kernel_sets(device):
        runs = (warmup, repeats)
        if impl == "minidl-reference" and device == "cuda":
            # the reference kernels run on host copies of the GPU arrays: slow, a few runs do
            runs = (1, min(repeats, 3))
        try:
            with dl.use_kernels(kernels):
                fn = build(impl, device)
                timing = measure(fn, *runs, sync_for(impl, device))
            results.append(Result.timed(workload, impl, device, timing, **common))
        except SkipWorkload as skip:
            results.append(Result.skip(workload, impl, device, str(skip), **common))
    torch = import_torch()
    if torch is None:
        results.append(Result.skip(workload, "pytorch", device, torch_skip_reason(), **common))
    else:
        try:
            fn = build("pytorch", device)
            timing = measure(fn, warmup, repeats, sync_for("pytorch", device))
            results.append(Result.timed(workload, "pytorch", device, timing, **common))
        except SkipWorkload as skip:
            results.append(Result.skip(workload, "pytorch", device, str(skip), **common))
    return results


class SkipWorkload(Exception):
    """Raised by a workload's builder when an implementation cannot run it here."""
