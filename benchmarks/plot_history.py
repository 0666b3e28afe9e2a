"""Plot each workload's ratio to PyTorch over the runs recorded in ``history.json``.

    python benchmarks/plot_history.py [--history benchmarks/results/history.json]
                                      [--out benchmarks/results/history.png] [--last 30]
                                      [--device cpu] [--include-quick]

``run_all.py`` appends every run's same-run ratios to the history; this draws one panel per
workload: the accelerated ``minidl`` ratio (solid) and the reference kernels' (grey) against
the run number, with the target as a red dashed line, so a regression shows as a step up (or
down, for W5's throughput ratio, where higher is better). ``--quick`` runs are smoke runs and
are left out unless ``--include-quick``.
"""
import argparse
import json
import math
import sys
from pathlib import Path

DEFAULT_DIR = Path(__file__).resolve().parent / "results"


def select_runs(history, device="cpu", include_quick=False, last=30):
    """The last ``last`` runs on ``device`` (without quick runs unless asked for)."""
    runs = [run for run in history
            if run.get("device") == device and (include_quick or not run.get("quick"))]
    return runs[-last:]


def series(runs):
    """{workload: {"run", "ratio", "reference_ratio": lists, "target_ratio", "higher_is_better"}}
    with ``run`` the index of each run (in ``runs``) that has the workload."""
    found = {}
    for index, run in enumerate(runs):
        for workload, figures in run["workloads"].items():
            entry = found.setdefault(workload, {"run": [], "ratio": [], "reference_ratio": []})
            entry["run"].append(index)
            entry["ratio"].append(figures["ratio"])
            entry["reference_ratio"].append(figures.get("reference_ratio"))
            entry["target_ratio"] = figures.get("target_ratio")
            entry["higher_is_better"] = figures.get("higher_is_better", False)
    return found


def plot_history(runs, path, title):
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    found = series(runs)
    columns = 3
    rows = max(1, math.ceil(len(found) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3 * rows), squeeze=False)
    for ax, (workload, entry) in zip(axes.flat, sorted(found.items())):
        ax.plot(entry["run"], entry["ratio"], "o-", color="#1f77b4", label="minidl")
        references = [(i, r) for i, r in zip(entry["run"], entry["reference_ratio"]) if r]
        if references:
            ax.plot(*zip(*references), ".--", color="#999999", label="minidl-reference")
        if entry["target_ratio"]:
            ax.axhline(entry["target_ratio"], color="red", linestyle="--", label="target")
        ax.axhline(1.0, color="black", linewidth=0.6)
        better = "higher" if entry["higher_is_better"] else "lower"
        ax.set_title(f"{workload} ({better} is better)", fontsize=9)
        ax.set_xlabel("run")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("ratio to PyTorch")
    for ax in list(axes.flat)[len(found):]:
        ax.axis("off")
    if found:
        axes.flat[0].legend(fontsize=7)
    else:
        axes.flat[0].text(0.5, 0.5, "no runs with PyTorch ratios in the history",
                          transform=axes.flat[0].transAxes, ha="center")
    fig.suptitle(title)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=Path, default=DEFAULT_DIR / "history.json")
    parser.add_argument("--out", type=Path, default=DEFAULT_DIR / "history.png")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument("--last", type=int, default=30, help="how many runs to show")
    parser.add_argument("--include-quick", action="store_true", help="also show --quick runs")
    args = parser.parse_args(argv)
    if not args.history.exists():
        parser.error(f"no history at {args.history}: run benchmarks/run_all.py first")
    runs = select_runs(json.loads(args.history.read_text()), args.device, args.include_quick,
                       args.last)
    first, last = (runs[0]["time"], runs[-1]["time"]) if runs else ("-", "-")
    plot_history(runs, args.out, f"minidl vs PyTorch on {args.device}: {len(runs)} runs, "
                                 f"{first} to {last}")
    print(f"wrote {args.out} ({len(runs)} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
