"""Helpers shared by the kernel parity tests (imported by name: tests/kernels is on sys.path
while pytest collects these files)."""
import sys

import pytest

from minidl.kernels.cpu import parallel


@pytest.fixture(scope="module", autouse=True, params=["serial", "parallel"])
def kernel_path(request):
    """Run the importing module's tests with every kernel on its serial path, then on its
    parallel path (``cpu/parallel.py``)."""
    grain = sys.maxsize if request.param == "serial" else 0
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parallel, "PARALLEL_GRAIN", grain)
        yield request.param


def pooled_size(size, kernel, stride, padding, dilation, ceil_mode):
    """PyTorch's pooling output length along one axis, or None for a geometry the op rejects
    (the window does not fit, or some window holds no pixel of the input)."""
    span = dilation * (kernel - 1) + 1
    if size + 2 * padding < span:
        return None
    out = (size + 2 * padding - span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:  # the last window must start in the input
        out -= 1
    if not all(any(0 <= o * stride - padding + i * dilation < size for i in range(kernel))
               for o in range(out)):
        return None
    return out
