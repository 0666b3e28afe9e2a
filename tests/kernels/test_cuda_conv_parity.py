"""The CUDA convolution, pooling and batch-norm kernels (conv.cu, pooling.cu, batch_norm.cu)
against their NumPy twins, over Hypothesis-drawn geometries (ragged sizes, strides, asymmetric
paddings, dilations, ceil_mode's larger output), both float types and non-contiguous inputs.

Skipped without CuPy and a GPU; ``../shared/cudasim/run.sh tests/kernels/test_cuda_conv_parity.py``
runs it on the CPU emulator.
"""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from kernel_cases import pooled_size

cupy = pytest.importorskip("cupy")
try:
    _GPU_COUNT = cupy.cuda.runtime.getDeviceCount()
except Exception:  # CuPy raises its own error types when there is no driver or no device
    _GPU_COUNT = 0
if _GPU_COUNT == 0:
    pytest.skip("needs an NVIDIA GPU (CuPy found none)", allow_module_level=True)

from minidl.kernels import cuda as cu  # noqa: E402
from minidl.kernels import reference as ref  # noqa: E402
from minidl.kernels.reference_convolution import conv_output_size  # noqa: E402

pytestmark = pytest.mark.cuda
examples = settings(max_examples=15, deadline=None)
TOLERANCE = {np.float32: dict(rtol=2e-5, atol=2e-6), np.float64: dict(rtol=1e-10, atol=1e-12)}


def on_device(host, strided):
    """A CuPy copy of host, as every other element of a wider buffer when ``strided``."""
    if not strided:
        return cupy.asarray(host)
    wide = cupy.zeros(host.shape[:-1] + (2 * host.shape[-1],), host.dtype)
    wide[..., ::2] = cupy.asarray(host)
    return wide[..., ::2]


def check(got, want):
    got = cupy.asnumpy(got)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, **TOLERANCE[want.dtype.type])


@st.composite
def geometries(draw):
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 7)),
             draw(st.integers(1, 7)))
    kernel_size = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(2))
    for size, k, s, pad, d in zip(shape[2:], kernel_size, stride, padding, dilation):
        assume(conv_output_size(size, k, s, *pad, d) >= 1)
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal(shape).astype(dtype)
    return rng, x, kernel_size, stride, padding, dilation, draw(st.booleans())


@given(geometries())
@examples
def test_im2col_col2im(case):
    rng, x, kernel_size, stride, padding, dilation, strided = case
    cols = ref.im2col(x, kernel_size, stride, padding, dilation)
    check(cu.im2col(on_device(x, strided), kernel_size, stride, padding, dilation), cols)
    upstream = rng.standard_normal(cols.shape).astype(x.dtype)
    check(cu.col2im(on_device(upstream, strided), x.shape, kernel_size, stride, padding, dilation),
          ref.col2im(upstream, x.shape, kernel_size, stride, padding, dilation))


@st.composite
def pooling_cases(draw, dilated):
    rng, x, kernel_size, stride, _, dilation, strided = draw(geometries())
    dilation = dilation if dilated else (1, 1)
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel_size)
    ceil_mode = draw(st.booleans())
    output_size = tuple(pooled_size(*axis, ceil_mode)
                        for axis in zip(x.shape[2:], kernel_size, stride, padding, dilation))
    assume(None not in output_size)
    return rng, x, kernel_size, stride, padding, dilation, output_size, strided


@given(pooling_cases(dilated=True))
@examples
def test_max_pool2d(case):
    rng, x, kernel_size, stride, padding, dilation, output_size, strided = case
    y, indices = ref.max_pool2d_forward(x, kernel_size, stride, padding, dilation, output_size)
    got_y, got_indices = cu.max_pool2d_forward(on_device(x, strided), kernel_size, stride, padding,
                                               dilation, output_size)
    check(got_y, y)
    np.testing.assert_array_equal(cupy.asnumpy(got_indices), indices)
    gy = rng.standard_normal(y.shape).astype(x.dtype)
    check(cu.max_pool2d_backward(on_device(gy, strided), cupy.asarray(indices), x.shape),
          ref.max_pool2d_backward(gy, indices, x.shape))


@given(pooling_cases(dilated=False), st.booleans())
@examples
def test_avg_pool2d(case, count_include_pad):
    rng, x, kernel_size, stride, padding, _, output_size, strided = case
    args = (kernel_size, stride, padding, output_size, count_include_pad)
    y = ref.avg_pool2d_forward(x, *args)
    check(cu.avg_pool2d_forward(on_device(x, strided), *args), y)
    gy = rng.standard_normal(y.shape).astype(x.dtype)
    check(cu.avg_pool2d_backward(on_device(gy, strided), x.shape, *args),
          ref.avg_pool2d_backward(gy, x.shape, *args))


@pytest.mark.parametrize("shape", [(1, 1, 2), (4, 3, 5), (2, 5, 33), (3, 2, 1)])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batch_norm(shape, affine, dtype):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * 3 + 1).astype(dtype)
    weight = rng.standard_normal(shape[1]).astype(dtype) if affine else None
    bias = rng.standard_normal(shape[1]).astype(dtype) if affine else None
    y, mean, var = ref.batch_norm_forward(x, weight, bias, 1e-5)
    device = [None if a is None else cupy.asarray(a) for a in (x, weight, bias)]
    for got, want in zip(cu.batch_norm_forward(*device, 1e-5), (y, mean, var)):
        check(got, want)
    gy = rng.standard_normal(shape).astype(dtype)
    want = ref.batch_norm_backward(gy, x, weight, mean, var, 1e-5)
    got = cu.batch_norm_backward(on_device(gy, True), device[0], device[1], cupy.asarray(mean),
                                 cupy.asarray(var), 1e-5)
    for g, w in zip(got, want):
        check(g, w)
