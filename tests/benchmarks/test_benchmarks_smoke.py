"""Smoke test of the benchmark suite: ``benchmarks/run_all.py --quick`` runs and writes its outputs.

It checks that the scripts work (with and without PyTorch), never how fast anything is. The
subprocesses run single-threaded so that a busy machine (other test runs) cannot make them
crawl: oversubscribed thread pools are what slows a shared 2-core machine down most.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUN_ALL = REPO / "benchmarks" / "run_all.py"
CPU_WORKLOADS = ["W1", "W2", "W3", "W4", "W5 relu", "W5 sigmoid", "W5 tanh", "W6",
                 "W7 lenet", "W7 resnet", "W8"]
SINGLE_THREADED = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                   "MKL_NUM_THREADS": "1"}


def run_all(tmp_path, *args, env=None):
    out = tmp_path / "results"
    done = subprocess.run(
        [sys.executable, str(RUN_ALL), "--quick", "--out", str(out), *args],
        cwd=REPO, env=dict(os.environ, **SINGLE_THREADED, **(env or {})),
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    payload = json.loads((out / "results.json").read_text())
    assert (out / "results.png").stat().st_size > 0
    history = json.loads((out / "history.json").read_text())
    assert len(history) == 1 and history[0]["quick"] is True
    return payload, done.stdout


def by_workload(payload, implementation):
    return {r["workload"]: r for r in payload["results"] if r["implementation"] == implementation}


def test_run_all_quick_without_pytorch(tmp_path):
    # a "torch" package that fails to import stands in for an environment without PyTorch
    fake = tmp_path / "no_torch" / "torch"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('PyTorch hidden by the smoke test')\n")
    pythonpath = os.pathsep.join(filter(None, [str(fake.parent), os.environ.get("PYTHONPATH")]))
    payload, stdout = run_all(tmp_path, env={"PYTHONPATH": pythonpath})

    assert payload["failures"] == {}
    assert payload["environment"]["torch"] is None
    minidl = by_workload(payload, "minidl")
    reference = by_workload(payload, "minidl-reference")
    for workload in CPU_WORKLOADS:
        assert minidl[workload]["median_s"] > 0, workload
        assert reference[workload]["median_s"] > 0, workload
    pytorch = by_workload(payload, "pytorch")
    assert all(pytorch[w]["skipped"] for w in CPU_WORKLOADS)
    assert "test_accuracy" in minidl["W6"]["extra"]
    assert 0 < minidl["W5 relu"]["extra"]["fraction_of_copy"]
    assert minidl["startup: import"]["median_s"] > 0
    assert minidl["startup: first step (warm cache)"]["median_s"] > 0
    assert "W4" in stdout and "skipped" in stdout


def test_run_all_quick_with_pytorch(tmp_path):
    pytest.importorskip("torch")
    payload, _ = run_all(tmp_path, "--only", "W1,W4,W6")

    assert payload["failures"] == {}
    assert payload["environment"]["torch_num_threads"] >= 1
    pytorch, minidl = by_workload(payload, "pytorch"), by_workload(payload, "minidl")
    for workload in ("W1", "W4", "W6"):
        assert pytorch[workload]["median_s"] > 0
        assert minidl[workload]["ratio"] > 0
    # same weights, same batch order: the two frameworks should classify the same test set alike
    gap = minidl["W6"]["extra"]["accuracy_gap_points"]
    assert abs(gap) < 5


def test_every_cpu_kernel_has_sample_inputs_for_the_cold_compile_benchmark():
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import startup
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    import minidl.kernels.cpu as cpu

    assert set(cpu.__all__) <= set(startup.kernel_samples())
