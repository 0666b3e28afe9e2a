"""W4 engine comparison: this checkout's per-op autograd overhead against an older commit's.

Runs W4's chain (1,000 small elementwise ops forward+backward, see ``w4_autograd_overhead.py``)
with two versions of minidl in ONE process: this checkout (``minidl``) and the tree of ``--old``
(a git revision, default 1739e8a: the engine before issue 11), extracted with ``git archive``
and imported under another name (``minidl_old``; minidl imports itself only relatively, so the
two copies do not mix). Chains alternate old, new, old, new..., each timed with
``time.thread_time()`` (CPU time of this thread: far less disturbed by other processes on a
busy machine than wall time), so both versions meet the same moments' load. Printed: each
version's median per op, and the median of the ratios of neighbouring new/old chains::

    python benchmarks/w4_engine_compare.py                 # 1739e8a vs this checkout
    python benchmarks/w4_engine_compare.py --pairs 400 --kernels reference --old main
"""
import argparse
import gc
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from w4_autograd_overhead import NUM_OPS, chain_step, initial_arrays

REPO = Path(__file__).resolve().parent.parent


def build_chain(dl):
    """W4's step for the minidl module ``dl``: forward and backward of 1,000 chained ops."""
    return chain_step(*(dl.tensor(a, requires_grad=True) for a in initial_arrays()), dl.tanh)


def import_old(revision, folder):
    """Extract ``revision``'s tree into ``folder`` and import its minidl as ``minidl_old``."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", revision],
                             check=True, capture_output=True).stdout
    tree = Path(folder) / "tree"
    tree.mkdir()
    tar_path = Path(folder) / "tree.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(tree, filter="data")
    # kernels/ is installed as minidl.kernels (pyproject's package-dir); without an install,
    # links give the old tree's package its own kernels, under the name minidl_old
    (tree / "minidl" / "kernels").symlink_to(tree / "kernels")
    (Path(folder) / "minidl_old").symlink_to(tree / "minidl")
    sys.path.insert(0, folder)
    import minidl_old

    return minidl_old


def timed(step):
    t0 = time.thread_time()
    step()
    return (time.thread_time() - t0) / NUM_OPS


def tenth_percentile(samples):
    return statistics.quantiles(samples, n=10)[0]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", default="1739e8a", help="git revision to compare against")
    parser.add_argument("--pairs", type=int, default=300, help="old/new chain pairs timed")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--kernels", default="accelerated", choices=("accelerated", "reference"))
    args = parser.parse_args(argv)

    import minidl

    with tempfile.TemporaryDirectory(prefix="w4old-") as folder:
        minidl_old = import_old(args.old, folder)
        for module in (minidl, minidl_old):
            if not Path(module.__file__).resolve().is_relative_to(REPO if module is minidl
                                                                   else Path(folder)):
                raise RuntimeError(f"{module.__name__} was imported from {module.__file__}")
        old_step, new_step = build_chain(minidl_old), build_chain(minidl)
        old_times, new_times, ratios = [], [], []
        with minidl_old.use_kernels(args.kernels), minidl.use_kernels(args.kernels):
            for _ in range(args.warmup):
                old_step()
                new_step()
            gc.collect()
            for i in range(args.pairs):
                if i % 2:  # alternate which goes first
                    new, old = timed(new_step), timed(old_step)
                else:
                    old, new = timed(old_step), timed(new_step)
                old_times.append(old)
                new_times.append(new)
                ratios.append(new / old)
    old, new = statistics.median(old_times), statistics.median(new_times)
    old_fast, new_fast = tenth_percentile(old_times), tenth_percentile(new_times)
    print(f"W4 ({args.kernels} kernels), thread CPU time per op, {args.pairs} alternating "
          "chains of each in one process (median; 10th percentile, the least disturbed):")
    print(f"  old ({args.old}): {old * 1e6:.2f} us/op; {old_fast * 1e6:.2f} us/op")
    print(f"  new (this checkout): {new * 1e6:.2f} us/op; {new_fast * 1e6:.2f} us/op")
    print(f"  new/old: {new / old:.3f}; {new_fast / old_fast:.3f}; median of neighbouring "
          f"chains' ratios {statistics.median(ratios):.3f}")
    load = os.getloadavg()[0]
    if load > (os.cpu_count() or 1):
        print(f"  (load average {load:.1f} on {os.cpu_count()} CPUs: a busy machine)")


if __name__ == "__main__":
    main()
