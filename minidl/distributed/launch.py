"""Starting a job: where ``mpiexec`` is, and the command that runs a script on N ranks.

``pip install mpich`` puts ``mpiexec`` in the ``bin`` folder of the Python environment it is
installed into (next to ``python``), and ``libmpi.so`` in its ``lib`` folder, where mpi4py looks
for it first. So the ``mpiexec`` next to the running Python belongs to the MPI that mpi4py uses.
"""
import shutil
import sys
from pathlib import Path


def find_mpiexec():
    """The path of ``mpiexec``: next to this Python, in its base installation, or on PATH."""
    for folder in (Path(sys.executable).parent, Path(sys.base_prefix) / "bin"):
        candidate = folder / "mpiexec"
        if candidate.is_file():
            return str(candidate)
    return shutil.which("mpiexec")


def mpiexec_command(nprocs, *args):
    """``[mpiexec, -n, N, python, *args]``, with this very Python (so the ranks import the same
    minidl, whatever a ``python`` found on PATH would be)."""
    mpiexec = find_mpiexec()
    if mpiexec is None:
        raise RuntimeError("mpiexec not found; pip install 'minidl[distributed]' installs it")
    return [mpiexec, "-n", str(nprocs), sys.executable, *args]
