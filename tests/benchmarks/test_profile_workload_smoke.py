"""Smoke test of ``benchmarks/profile_workload.py``: it runs, reports kernels, ops and cProfile
tables, writes its JSON and leaves no timer wrapped afterwards. No timing is checked."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "benchmarks" / "profile_workload.py"
SINGLE_THREADED = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                   "MKL_NUM_THREADS": "1"}


EXPECTED = {  # kernels and ops that each workload's step must show
    "W1": ({"kernel.adam_step", "kernel.cross_entropy_forward"}, {"LinearFunction.backward"}),
    "W2": ({"kernel.attention_forward"}, {"ScaledDotProductAttention.backward"}),
    "W3": ({"kernel.layer_norm_forward", "kernel.adam_step"}, {"LinearFunction.forward"}),
    "W4": ({"kernel.tanh_forward", "kernel.tanh_backward"}, {"Mul.backward"}),
    "W8": ({"kernel.layer_norm_forward", "kernel.adam_step"}, {"Split.backward"}),
}


@pytest.mark.parametrize("workload,kernels", [("W1", "accelerated"), ("W2", "accelerated"),
                                              ("W3", "accelerated"), ("W4", "accelerated"),
                                              ("W8", "accelerated"), ("W8", "reference")])
def test_profile_quick_writes_tables(tmp_path, workload, kernels):
    done = subprocess.run(
        [sys.executable, str(SCRIPT), workload, "--quick", "--kernels", kernels,
         "--out", str(tmp_path)],
        cwd=REPO, env=dict(os.environ, **SINGLE_THREADED), capture_output=True, text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    found = json.loads((tmp_path / f"{workload}-{kernels}.json").read_text())
    assert found["workload"] == workload and found["kernels"] == kernels
    assert found["step_ms"] > 0
    kernel_names = {row[0] for row in found["kernel_rows"]}
    op_names = {row[0] for row in found["op_rows"]}
    expected_kernels, expected_ops = EXPECTED[workload]
    assert expected_kernels <= kernel_names and expected_ops <= op_names, (kernel_names, op_names)
    assert all(calls > 0 for _, calls, _ in found["kernel_rows"] + found["op_rows"])
    assert "cumulative" in found["cprofile_cumulative"]
    assert "per kernel" in done.stdout and "cProfile, by own time" in done.stdout


def test_profile_unwraps_kernels_and_ops(monkeypatch):
    monkeypatch.syspath_prepend(str(REPO / "benchmarks"))  # the workload scripts import there
    import profile_workload
    import minidl.kernels.reference as reference
    from minidl.ops.matmul import MatMul

    before = dict(vars(reference)), MatMul.__dict__["forward"], MatMul.__dict__["backward"]
    found = profile_workload.profile("W8", "reference", steps=1, quick=True, top=5)
    assert found["kernel_rows"]
    after = dict(vars(reference)), MatMul.__dict__["forward"], MatMul.__dict__["backward"]
    assert after[0] == before[0] and after[1] is before[1] and after[2] is before[2]
