"""Smoke test of benchmarks/w4_engine_compare.py: it imports an older tree beside this checkout
and times both (never asserts a timing)."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_compares_this_checkout_with_a_git_revision():
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs git and a git checkout")
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "w4_engine_compare.py"), "--old", "HEAD",
         "--pairs", "2", "--warmup", "1", "--kernels", "reference"],
        cwd=REPO, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert re.search(r"old \(HEAD\): [0-9.]+ us/op", done.stdout)
    assert re.search(r"new/old: [0-9.]+", done.stdout)
