"""The Numba convolution, pooling and batch-norm kernels against their NumPy twins.

Hypothesis draws the geometry (batch, channels, ragged heights and widths, kernel sizes, strides,
asymmetric paddings, dilations, ceil_mode's larger output), dtypes and memory layouts. Every test
runs with the kernels on their serial path and on their parallel path (``cpu/parallel.py``).
"""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from kernel_cases import kernel_path, pooled_size  # noqa: F401 (kernel_path: an autouse fixture)

from minidl.kernels import cpu
from minidl.kernels import reference as ref
from minidl.kernels.reference_convolution import conv_output_size

pytestmark = pytest.mark.filterwarnings("error")
examples = settings(max_examples=30, deadline=None)
TOLERANCE = {np.float32: dict(rtol=2e-5, atol=2e-6), np.float64: dict(rtol=1e-10, atol=1e-12)}


def make_array(rng, shape, dtype, layout):
    values = rng.standard_normal(shape).astype(dtype)
    if layout == "strided":  # every other element of a wider buffer
        buffer = np.zeros(shape[:-1] + (2 * shape[-1],), dtype)
        buffer[..., ::2] = values
        return buffer[..., ::2]
    if layout == "channels_last":  # (N, H, W, C) memory seen as (N, C, H, W)
        return np.ascontiguousarray(np.moveaxis(values, 1, -1)).transpose(0, 3, 1, 2)
    return values


@st.composite
def geometries(draw, max_kernel=4):
    """(rng, x, kernel_size, stride, padding pairs, dilation, dtype) with at least one output."""
    batch, channels = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    height, width = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    kernel_size = (draw(st.integers(1, max_kernel)), draw(st.integers(1, max_kernel)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(2))
    for size, k, s, (before, after), d in zip((height, width), kernel_size, stride, padding,
                                              dilation):
        assume(conv_output_size(size, k, s, before, after, d) >= 1)
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    layout = draw(st.sampled_from(["contiguous", "strided", "channels_last"]))
    x = make_array(rng, (batch, channels, height, width), dtype, layout)
    return rng, x, kernel_size, stride, padding, dilation


def check(got, want):
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, **TOLERANCE[want.dtype.type])


@given(geometries())
@examples
def test_im2col_and_col2im(case):
    rng, x, kernel_size, stride, padding, dilation = case
    cols = ref.im2col(x, kernel_size, stride, padding, dilation)
    check(cpu.im2col(x, kernel_size, stride, padding, dilation), cols)
    upstream = make_array(rng, cols.shape, x.dtype, "strided")
    check(cpu.col2im(upstream, x.shape, kernel_size, stride, padding, dilation),
          ref.col2im(upstream, x.shape, kernel_size, stride, padding, dilation))


@st.composite
def pooling_cases(draw, dilated=True):
    """A pooling geometry: symmetric padding <= kernel / 2 (PyTorch's rule), either ceil_mode."""
    rng, x, kernel_size, stride, _, dilation = draw(geometries())
    dilation = dilation if dilated else (1, 1)
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel_size)
    ceil_mode = draw(st.booleans())
    output_size = tuple(pooled_size(*axis, ceil_mode)
                        for axis in zip(x.shape[2:], kernel_size, stride, padding, dilation))
    assume(None not in output_size)
    return rng, x, kernel_size, stride, padding, dilation, output_size


@given(pooling_cases())
@examples
def test_max_pool2d(case):
    rng, x, kernel_size, stride, padding, dilation, output_size = case
    y, indices = ref.max_pool2d_forward(x, kernel_size, stride, padding, dilation, output_size)
    got_y, got_indices = cpu.max_pool2d_forward(x, kernel_size, stride, padding, dilation,
                                                output_size)
    check(got_y, y)
    np.testing.assert_array_equal(got_indices, indices)
    gy = make_array(rng, y.shape, x.dtype, "strided")
    check(cpu.max_pool2d_backward(gy, indices, x.shape), ref.max_pool2d_backward(gy, indices, x.shape))


def test_max_pool2d_ties_pick_the_first_maximum():
    x = np.zeros((1, 1, 2, 2))
    for kernels in (ref, cpu):
        y, indices = kernels.max_pool2d_forward(x, (2, 2), (2, 2), (0, 0), (1, 1), (1, 1))
        assert indices[0, 0, 0, 0] == 0


@given(pooling_cases(dilated=False), st.booleans())
@examples
def test_avg_pool2d(case, count_include_pad):
    rng, x, kernel_size, stride, padding, _, output_size = case
    args = (kernel_size, stride, padding, output_size, count_include_pad)
    y = ref.avg_pool2d_forward(x, *args)
    check(cpu.avg_pool2d_forward(x, *args), y)
    gy = make_array(rng, y.shape, x.dtype, "strided")
    check(cpu.avg_pool2d_backward(gy, x.shape, *args), ref.avg_pool2d_backward(gy, x.shape, *args))


@given(st.integers(1, 5), st.integers(1, 6), st.integers(1, 12), st.booleans(),
       st.sampled_from([np.float32, np.float64]), st.integers(0, 2**32 - 1))
@examples
def test_batch_norm(batch, channels, length, affine, dtype, seed):
    rng = np.random.default_rng(seed)
    x = make_array(rng, (batch, channels, length), dtype, "strided") * 3 + 1
    weight = rng.standard_normal(channels).astype(dtype) if affine else None
    bias = rng.standard_normal(channels).astype(dtype) if affine else None
    y, mean, var = ref.batch_norm_forward(x, weight, bias, 1e-5)
    for got, want in zip(cpu.batch_norm_forward(x, weight, bias, 1e-5), (y, mean, var)):
        check(got, want)
    gy = make_array(rng, x.shape, dtype, "contiguous")
    for got, want in zip(cpu.batch_norm_backward(gy, x, weight, mean, var, 1e-5),
                         ref.batch_norm_backward(gy, x, weight, mean, var, 1e-5)):
        check(got, want)
