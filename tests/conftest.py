"""Shared fixtures: the kernel sets, and a skip for tests that need a GPU."""
import pytest

import minidl as dl

KERNEL_SETS = ["reference", "accelerated"]


@pytest.fixture(params=KERNEL_SETS)
def kernels(request):
    """Run the test once with each kernel set (NumPy reference, then Numba)."""
    with dl.use_kernels(request.param):
        yield request.param


def pytest_collection_modifyitems(config, items):
    if dl.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs an NVIDIA GPU with CuPy (dl.cuda.is_available() is False)")
    for item in items:
        if "cuda" in item.keywords:
            item.add_marker(skip)
