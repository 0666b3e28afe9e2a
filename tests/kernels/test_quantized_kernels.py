"""quantized_matmul: the Numba and CUDA kernels against the NumPy reference (exact: integers)."""
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minidl.kernels import cpu
from minidl.kernels import reference as ref
from minidl.kernels.cpu import parallel


def operands(rng, rows, cols, inner):
    a = rng.integers(0, 256, (rows, inner)).astype(np.uint8)
    w = rng.integers(-128, 128, (cols, inner)).astype(np.int8)
    return a, int(rng.integers(0, 256)), w


def test_reference_is_the_int32_sum_of_products():
    a = np.array([[0, 255], [3, 4]], np.uint8)
    w = np.array([[-128, 127], [1, 1]], np.int8)
    acc = ref.quantized_matmul(a, 3, w)
    assert acc.dtype == np.int32
    np.testing.assert_array_equal(acc, [[-3 * -128 + 252 * 127, -3 + 252], [127, 1]])


def test_largest_products_do_not_overflow():
    inner = 4096
    a, w = np.full((1, inner), 255, np.uint8), np.full((1, inner), -128, np.int8)
    assert ref.quantized_matmul(a, 0, w)[0, 0] == 255 * -128 * inner
    assert cpu.quantized_matmul(a, 0, w)[0, 0] == 255 * -128 * inner


@pytest.fixture(scope="module", params=["serial", "parallel"])
def loop_variant(request):
    """Run the test with every kernel's serial loop, then with every parallel one."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parallel, "PARALLEL_GRAIN", sys.maxsize if request.param == "serial" else 0)
        yield request.param


@settings(deadline=None, max_examples=25)
@given(rows=st.integers(1, 40), cols=st.integers(1, 40), inner=st.integers(1, 70),
       seed=st.integers(0, 2**31), transposed=st.booleans())
def test_numba_matches_reference(loop_variant, rows, cols, inner, seed, transposed):
    a, zero_point, w = operands(np.random.default_rng(seed), rows, cols, inner)
    if transposed:  # non-contiguous inputs
        a = np.asfortranarray(a)
        w = np.asfortranarray(w)
    np.testing.assert_array_equal(cpu.quantized_matmul(a, zero_point, w),
                                  ref.quantized_matmul(a, zero_point, w))


@pytest.mark.cuda
@pytest.mark.parametrize("shape", [(1, 1, 1), (5, 7, 3), (16, 16, 16), (33, 17, 70),
                                   (64, 10, 128)])
def test_cuda_matches_reference(shape):
    cupy = pytest.importorskip("cupy")
    from minidl.kernels import cuda

    a, zero_point, w = operands(np.random.default_rng(sum(shape)), *shape)
    got = cuda.quantized_matmul(cupy.asarray(a), zero_point, cupy.asarray(w))
    np.testing.assert_array_equal(cupy.asnumpy(got), ref.quantized_matmul(a, zero_point, w))
