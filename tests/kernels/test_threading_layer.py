"""The CPU kernels run their parallel loops on Numba's workqueue layer unless the user chose
another one (see kernels/cpu/__init__.py for why). Each check runs in a fresh process: the
layer is fixed by the first parallel launch of a process."""
import os
import subprocess
import sys

import pytest

LAUNCH_A_PARALLEL_KERNEL = """
import numba
import numpy as np
from minidl.kernels import cpu
cpu.relu_forward(np.ones(1 << 22, dtype=np.float32))  # far above the grain: runs in parallel
print(numba.threading_layer())
"""


def launch(environment_layer):
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_THREADING_LAYER"}
    if environment_layer is not None:
        env["NUMBA_THREADING_LAYER"] = environment_layer
    return subprocess.run([sys.executable, "-c", LAUNCH_A_PARALLEL_KERNEL], env=env,
                          capture_output=True, text=True, timeout=300)


def test_workqueue_by_default():
    result = launch(None)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "workqueue"


def test_the_users_choice_wins():
    result = launch("omp")
    if result.returncode != 0 and "No threading layer could be loaded" in result.stderr:
        pytest.skip("this Numba build cannot load the OpenMP layer here")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "omp"
