"""W4 engine comparison: this checkout's per-op autograd overhead against an older commit's.

Runs W4's chain (1,000 small elementwise ops forward+backward, see ``w4_autograd_overhead.py``)
with two versions of minidl: this checkout, and the tree of ``--old`` (a git revision, default
1739e8a: the engine before issue 11) extracted into a temporary folder. Each measurement is a
fresh subprocess that imports one of the two, warms up, then times ``--repeats`` chains with
``time.thread_time()`` (CPU time of the timing thread: far less disturbed by other processes
on a busy machine than wall time). Subprocesses alternate old/new for ``--rounds`` rounds; the
figure is the median over rounds of each version's median, and the median of the per-round
new/old ratios (a round's two runs are close in time, so they saw a similar load)::

    python benchmarks/w4_engine_compare.py                 # 1739e8a vs this checkout
    python benchmarks/w4_engine_compare.py --rounds 9 --kernels reference --old main
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

NUM_OPS = 1000
SIZE = 64
HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def time_chain(kernels, warmup, repeats):
    """Seconds of thread CPU time per op, median over ``repeats`` chains (run in a child)."""
    import numpy as np

    import minidl as dl

    rng = np.random.default_rng(0)
    x0 = rng.standard_normal(SIZE).astype(np.float32)
    w0 = (1 + 0.01 * rng.standard_normal(SIZE)).astype(np.float32)
    b0 = (0.01 * rng.standard_normal(SIZE)).astype(np.float32)
    x, w, b = (dl.tensor(a, requires_grad=True) for a in (x0, w0, b0))

    def step():
        x.grad = w.grad = b.grad = None
        y = x
        for _ in range(NUM_OPS // 4):
            y = y * w
            y = y + b
            y = dl.tanh(y)
            y = y - 0.5
        y.sum().backward()

    samples = []
    with dl.use_kernels(kernels):
        for _ in range(warmup):
            step()
        for _ in range(repeats):
            t0 = time.thread_time()
            step()
            samples.append((time.thread_time() - t0) / NUM_OPS)
    return {"median_s": statistics.median(samples),
            "imported": [dl.__file__, sys.modules["minidl.kernels"].__file__]}


def extract(revision, folder):
    """Write the tree of ``revision`` into ``folder`` (``git archive``: no checkout needed)."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", revision],
                             check=True, capture_output=True).stdout
    tar_path = Path(folder) / "tree.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(folder, filter="data")
    tar_path.unlink()
    # kernels/ is installed as minidl.kernels (pyproject's package-dir); without an install, a
    # link makes the old tree's own kernels importable under that name
    (Path(folder) / "minidl" / "kernels").symlink_to(Path(folder) / "kernels")


def run_child(source_root, args):
    """One measurement in a fresh interpreter importing minidl from ``source_root``."""
    env = dict(os.environ, PYTHONPATH=str(source_root), OPENBLAS_NUM_THREADS="1")
    code = (f"import json, sys; sys.path.insert(0, {str(HERE)!r}); "
            "from w4_engine_compare import time_chain; "
            f"print(json.dumps(time_chain({args.kernels!r}, {args.warmup}, {args.repeats})))")
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=source_root,
                         capture_output=True, text=True).stdout
    result = json.loads(out.splitlines()[-1])
    expected = Path(source_root).resolve()
    for imported in result["imported"]:
        if not Path(imported).resolve().is_relative_to(expected):
            raise RuntimeError(f"the child imported {imported}, not one from {expected}")
    return result["median_s"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", default="1739e8a", help="git revision to compare against")
    parser.add_argument("--rounds", type=int, default=7, help="old/new subprocess pairs")
    parser.add_argument("--repeats", type=int, default=30, help="timed chains per subprocess")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--kernels", default="accelerated", choices=("accelerated", "reference"))
    args = parser.parse_args(argv)

    old_times, new_times, ratios = [], [], []
    with tempfile.TemporaryDirectory(prefix="w4old-") as old_root:
        extract(args.old, old_root)
        for i in range(args.rounds):
            # alternate which goes first, so that neither always meets the same moment's load
            order = [("old", old_root), ("new", REPO)]
            if i % 2:
                order.reverse()
            times = {name: run_child(root, args) for name, root in order}
            old_times.append(times["old"])
            new_times.append(times["new"])
            ratios.append(times["new"] / times["old"])
            print(f"round {i + 1}: old {times['old'] * 1e6:.2f} us/op, "
                  f"new {times['new'] * 1e6:.2f} us/op, new/old {ratios[-1]:.3f}", flush=True)
    old, new = statistics.median(old_times), statistics.median(new_times)
    print(f"\nW4 ({args.kernels} kernels), thread CPU time per op, median of {args.rounds} rounds "
          f"x {args.repeats} chains:")
    print(f"  old ({args.old}): {old * 1e6:.2f} us/op")
    print(f"  new (this checkout): {new * 1e6:.2f} us/op")
    print(f"  new/old: {new / old:.3f} (median of per-round ratios {statistics.median(ratios):.3f})")
    if os.getloadavg()[0] > (os.cpu_count() or 1):
        print(f"  (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs: a busy machine)")


if __name__ == "__main__":
    main()
