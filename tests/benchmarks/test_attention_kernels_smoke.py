"""Smoke test of ``benchmarks/attention_kernels.py``: it runs and prints a line per workload, in
both of its modes. No timing is checked."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "benchmarks" / "attention_kernels.py"


@pytest.mark.parametrize("extra", [[], ["--after-threaded-matmul", "--threads", "1"]])
def test_attention_kernels_prints_each_workload(extra):
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--repeats", "2", "--only", "W3,W8", *extra],
        cwd=REPO, env=dict(os.environ, OPENBLAS_NUM_THREADS="1"), capture_output=True,
        text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0].startswith("threads ")
    assert [line.split()[0] for line in lines[1:]] == ["W3", "W8"]
    assert all("forward" in line and "backward" in line for line in lines[1:])
