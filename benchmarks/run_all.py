"""Run every benchmark, print one table, write results.json and results.png.

    python benchmarks/run_all.py [--quick] [--device cpu|cuda] [--only W1,W4,startup] [--out DIR]

Each workload times minidl with the reference kernels, minidl with the accelerated kernels and
PyTorch (when it is installed; reported as skipped otherwise) in this one process, so the
"vs PyTorch" column compares figures taken under the same conditions. Each run also appends its
ratios to ``history.json`` in ``--out``, which ``plot_history.py`` draws. ``--quick`` is a smoke
run (few repeats, smaller W5 arrays, 2 W6 epochs, no cold compile of every kernel): its figures
are not measurements. On ``--device cuda`` the script first measures the GPU's ceilings (copy
bandwidth, fp32 matmul FLOP/s) and shows each result as a fraction of the one that bounds it.
See benchmarks/README.md for how to read the table.
"""
import argparse
import importlib
import os
import sys
import time
import traceback
from pathlib import Path

from common import (
    Result, append_history, environment, fill_ratios, format_seconds, format_table, measure, plot,
    sync_for, write_json,
)

WORKLOADS = {
    "W1": "w1_mlp_step",
    "W2": "w2_attention",
    "W3": "w3_transformer_layer",
    "W4": "w4_autograd_overhead",
    "W5": "w5_activations",
    "W6": "w6_digits_training",
    "W7": "w7_cnn",
    "W8": "w8_gpt_step",
    "startup": "startup",
}
DEFAULT_OUT = Path(__file__).resolve().parent / "results"


def cuda_ceilings(quick):
    """The GPU's copy bandwidth (bytes/s) and fp32 matmul rate (FLOP/s), measured with CuPy."""
    import cupy

    sync = sync_for("minidl", "cuda")
    repeats = (2, 5) if quick else (5, 30)
    n = 2**24 if quick else 2**26
    src = cupy.ones(n, dtype=cupy.float32)
    dst = cupy.empty_like(src)
    copy = measure(lambda: cupy.copyto(dst, src), *repeats, sync=sync)
    size = 4096 if quick else 8192
    a = cupy.random.rand(size, size, dtype=cupy.float32)
    b = cupy.random.rand(size, size, dtype=cupy.float32)
    matmul = measure(lambda: cupy.matmul(a, b), *repeats, sync=sync)
    return {
        "copy_bandwidth_Bps": 8 * n / copy.median,  # read + write, 4 bytes each
        "matmul_fp32_flops": 2 * size**3 / matmul.median,
        "matmul_size": size,
        "tf32": os.environ.get("CUPY_TF32", "0"),
    }


def add_ceiling_fractions(results, ceilings):
    """extra["ceiling_fraction"]: achieved FLOP/s over the matmul ceiling (compute-bound
    workloads), or W5's effective bandwidth over the copy ceiling."""
    for r in results:
        if r.median_s is None:
            continue
        if "bandwidth_GBps" in r.extra and r.implementation != "copy":
            r.extra["ceiling_fraction"] = r.extra["bandwidth_GBps"] * 1e9 / \
                ceilings["copy_bandwidth_Bps"]
        elif "flops" in r.extra:
            r.extra["ceiling_fraction"] = r.extra["flops"] / r.median_s / \
                ceilings["matmul_fp32_flops"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run, not a measurement")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument("--only", help="comma-separated subset of " + ",".join(WORKLOADS))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the outputs")
    args = parser.parse_args(argv)

    selected = list(WORKLOADS)
    if args.only:
        selected = [name.strip() for name in args.only.split(",") if name.strip()]
        unknown = [name for name in selected if name not in WORKLOADS]
        if unknown:
            parser.error(f"unknown workload(s) {unknown}; choose from {list(WORKLOADS)}")

    env = environment(args.device)
    if env.get("load_average_1min") and env["load_average_1min"] > 0.5 * (os.cpu_count() or 1):
        print(f"warning: the machine is busy (load average {env['load_average_1min']:.1f} on "
              f"{os.cpu_count()} cores): timings will be noisy", file=sys.stderr)
    ceilings = None
    if args.device == "cuda":
        ceilings = cuda_ceilings(args.quick)
        print(f"ceilings: copy {ceilings['copy_bandwidth_Bps'] / 1e9:.0f} GB/s, fp32 matmul "
              f"{ceilings['matmul_fp32_flops'] / 1e12:.1f} TFLOP/s", flush=True)

    results, failures, durations = [], {}, {}
    for name in selected:
        print(f"running {name} ...", flush=True)
        started = time.perf_counter()
        try:
            module = importlib.import_module(WORKLOADS[name])
            found = module.run(args.device, args.quick)
        except Exception:  # keep going: one broken workload must not hide the others
            failures[name] = traceback.format_exc()
            print(failures[name], file=sys.stderr)
            found = [Result.skip(name, "minidl", args.device, "failed: see failures in JSON")]
        durations[name] = time.perf_counter() - started
        results += found
        print(f"  {name} took {format_seconds(durations[name])}", flush=True)

    fill_ratios(results)
    if ceilings:
        add_ceiling_fractions(results, ceilings)
    print()
    print(format_table(results))
    if args.quick:
        print("\n(--quick: a smoke run; the figures are not measurements)")
    args.out.mkdir(parents=True, exist_ok=True)
    write_json(args.out / "results.json", results, env,
               {"quick": args.quick, "ceilings": ceilings, "failures": failures,
                "durations_s": durations, "command": " ".join(sys.argv)})
    plot(args.out / "results.png",
         [r for r in results if not r.workload.startswith("startup")],
         title=f"minidl vs PyTorch on {args.device} (same run{', quick' if args.quick else ''})")
    append_history(args.out / "history.json", results, env, args.quick)
    print(f"wrote {args.out / 'results.json'} and {args.out / 'results.png'}; appended to "
          f"{args.out / 'history.json'} (plot it: python benchmarks/plot_history.py)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
