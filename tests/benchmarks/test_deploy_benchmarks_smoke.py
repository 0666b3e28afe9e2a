"""Smoke tests of the deployment benchmarks: they run and write their JSON (never timings)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SINGLE_THREADED = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def run(script, tmp_path, *args):
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / script), "--out",
                           str(tmp_path), *args], cwd=REPO, capture_output=True, text=True,
                          env=dict(os.environ, **SINGLE_THREADED), timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def test_serving_load_test(tmp_path):
    pytest.importorskip("onnxruntime")
    run("deploy_serving.py", tmp_path, "--clients", "2", "--requests", "3")
    rows = json.loads((tmp_path / "serving.json").read_text())["rows"]
    assert {(r["model"], r["mode"]) for r in rows} == {
        (m, b) for m in ("minidl checkpoint", "onnx") for b in ("no batching", "batching")}


@pytest.mark.slow
def test_quantization_benchmark(tmp_path):
    pytest.importorskip("onnxruntime")
    run("deploy_quantization.py", tmp_path, "--quick")
    rows = json.loads((tmp_path / "quantization.json").read_text())["rows"]
    assert [r["model"] for r in rows] == ["digits_mlp", "tiny_bert"]
    assert all(r["bytes_int8"] < r["bytes_float32"] for r in rows)
