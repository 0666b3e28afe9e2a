"""Several Python threads running large (parallel) kernels at once must not abort the process.

Numba's workqueue layer stops the process when two threads launch parallel loops together, so
each check runs in a fresh interpreter: an abort fails the test instead of killing pytest."""
import os
import subprocess
import sys

import pytest

TWO_THREADS = """
import threading
import minidl as dl
import minidl.nn as nn
import minidl.nn.functional as F
import minidl.optim as optim

x = dl.randn(4096, 1024)  # 4M elements: far above the parallel grain

def activations():
    for _ in range(8):
        F.relu(x)
        F.softmax(x, dim=-1)

def training():
    model = nn.Sequential(nn.Linear(64, 2048), nn.ReLU(), nn.Linear(2048, 2048))
    optimizer = optim.Adam(model.parameters())
    for _ in range(3):
        optimizer.zero_grad()
        F.mse_loss(model(dl.randn(32, 64)), dl.zeros(32, 2048)).backward()
        optimizer.step()

for work in (activations, training):
    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
print("done")
"""


@pytest.mark.parametrize("kernel_set", ["reference", "accelerated"])
def test_two_threads_running_large_kernels_do_not_abort(kernel_set):
    env = {**os.environ, "MINIDL_KERNELS": kernel_set, "OPENBLAS_NUM_THREADS": "1"}
    env.pop("NUMBA_THREADING_LAYER", None)  # the default layer, workqueue, is the fragile one
    result = subprocess.run([sys.executable, "-c", TWO_THREADS], env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[-1] == "done"
