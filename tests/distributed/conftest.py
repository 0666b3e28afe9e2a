"""Run a worker script on 2 MPI ranks in a subprocess; skip when mpi4py or mpiexec is missing."""
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from minidl.distributed import is_available
from minidl.distributed.launch import find_mpiexec, mpiexec_command

WORKERS = Path(__file__).parent / "workers"


@pytest.fixture
def run_ranks():
    """``run_ranks(script, *args, n=2, timeout=120)`` -> (CompletedProcess, seconds); ``script``
    is a file in workers/, or the first of the Python arguments with ``script_is_module=True``."""
    if not is_available() or find_mpiexec() is None:
        pytest.skip("needs mpi4py and mpiexec: pip install -e '.[distributed]'")

    def run(script, *args, n=2, timeout=120, script_is_module=False):
        # One thread per rank: the ranks already share this machine's cores.
        # Open MPI refuses to start as root (containers, CI images) unless told twice; MPICH
        # ignores these variables.
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", NUMBA_NUM_THREADS="1",
                   OMP_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1",
                   OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
        first = script if script_is_module else str(WORKERS / script)
        command = mpiexec_command(n, first, *map(str, args))
        start = time.monotonic()
        # A session of its own, so that a timeout ends mpiexec and every rank it started.
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, env=env, start_new_session=True)
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            pytest.fail(f"{script} on {n} ranks did not finish within {timeout} s")
        result = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
        return result, time.monotonic() - start

    return run
