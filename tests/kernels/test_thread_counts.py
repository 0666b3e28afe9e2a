"""dl.set_num_threads / dl.get_num_threads set both pools (Numba's and OpenBLAS's), from any
Python thread; the default is the physical cores. Run in a fresh process: the counts are global."""
import os
import subprocess
import sys

import pytest

import minidl as dl
from minidl.kernels.cpu import threads

SET_AND_READ = """
import threading
import numba
import numpy as np
import minidl as dl
from minidl.kernels.cpu import parallel, threads
print("default", dl.get_num_threads(), threads.physical_cores(), threads.blas_num_threads())
dl.set_num_threads(1)
seen = []
def launch():  # a parallel kernel launched from another Python thread uses the count too
    parallel.PARALLEL_GRAIN = 0
    dl.relu(dl.ones(1000))
    seen.append(numba.get_num_threads())
worker = threading.Thread(target=launch)
worker.start()
worker.join()
print("set", dl.get_num_threads(), threads.blas_num_threads(), seen[0])
"""


def test_set_num_threads_sets_both_pools_in_every_thread():
    env = {k: v for k, v in os.environ.items()
           if k not in ("NUMBA_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    result = subprocess.run([sys.executable, "-c", SET_AND_READ], env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    default, set_ = (line.split()[1:] for line in result.stdout.splitlines())
    cores = int(default[1])
    assert int(default[0]) == cores
    if default[2] != "None":  # OpenBLAS found: sized to the physical cores, then set to 1
        assert int(default[2]) == cores and set_[1] == "1"
    assert set_[0] == "1" and set_[2] == "1"


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_set_num_threads_rejects_non_positive_integers(bad):
    with pytest.raises(ValueError, match="set_num_threads"):
        dl.set_num_threads(bad)


def test_physical_cores_is_at_most_the_usable_cpus():
    assert 1 <= threads.physical_cores() <= len(os.sched_getaffinity(0))
