"""Shared fixtures: the kernel sets, and a skip for tests that need a GPU."""
import os
import sys

# Tests check results, never speed, and test processes share a few cores with each other: one
# BLAS thread each (set before NumPy loads OpenBLAS; subprocesses inherit it). With OpenBLAS's
# default, a thread per core, the suite took 906 s instead of 374 s on a loaded 2-core machine.
if "numpy" not in sys.modules:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pytest  # noqa: E402

import minidl as dl  # noqa: E402

KERNEL_SETS = ["reference", "accelerated"]


@pytest.fixture(params=KERNEL_SETS)
def kernels(request):
    """Run the test once with each kernel set (NumPy reference, then Numba)."""
    with dl.use_kernels(request.param):
        yield request.param


SLOW_FOLDERS = ("examples", "tutorials", "benchmarks")
"""Tests under these folders train models or run scripts: marked ``slow`` (deselect them with
``-m "not slow"`` for a quick run)."""


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.parent.name in SLOW_FOLDERS:
            item.add_marker(pytest.mark.slow)
    if dl.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs an NVIDIA GPU with CuPy (dl.cuda.is_available() is False)")
    for item in items:
        if "cuda" in item.keywords:
            item.add_marker(skip)
