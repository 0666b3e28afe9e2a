"""Elementwise activations and their gradients, as CuPy ElementwiseKernels.

NumPy twins: the functions of the same names in kernels/reference.py. Each kernel fuses a
whole formula into one pass: read the inputs once, write the output once, where the NumPy
version makes a temporary array per operation. That matters because these kernels are bound
by memory bandwidth, not arithmetic (workload W5 in DESIGN.md).

CuPy generates the indexing loop around each snippet, for any shape and strides, and compiles
one instance per dtype (T is the input's dtype) the first time it is called.
"""
import cupy

_relu_forward = cupy.ElementwiseKernel(
    "T x", "T y",
    "y = x < T(0) ? T(0) : x",  # written so that NaN passes through, as with np.maximum(x, 0)
    "minidl_relu_forward",
)
_relu_backward = cupy.ElementwiseKernel(
    "T x, T gy", "T gx",
    "gx = x > T(0) ? gy : T(0)",  # d/dx relu(x) = [x > 0]
    "minidl_relu_backward",
)
_sigmoid_forward = cupy.ElementwiseKernel(
    "T x", "T y",
    # from z = exp(-|x|) <= 1, which never overflows: 1 / (1 + z) for x >= 0, z / (1 + z) below
    """
    const T z = exp(-fabs(x));
    y = x >= T(0) ? T(1) / (T(1) + z) : z / (T(1) + z);
    """,
    "minidl_sigmoid_forward",
)
_sigmoid_backward = cupy.ElementwiseKernel(
    "T y, T gy", "T gx",
    "gx = gy * y * (T(1) - y)",  # d/dx sigmoid(x) = y (1 - y)
    "minidl_sigmoid_backward",
)
_tanh_forward = cupy.ElementwiseKernel("T x", "T y", "y = tanh(x)", "minidl_tanh_forward")
_tanh_backward = cupy.ElementwiseKernel(
    "T y, T gy", "T gx",
    "gx = gy * (T(1) - y * y)",  # d/dx tanh(x) = 1 - tanh(x)^2
    "minidl_tanh_backward",
)

# gelu(x) = x * Phi(x), Phi the standard normal CDF: Phi(x) = (1 + erf(x / sqrt(2))) / 2
# d/dx gelu(x) = Phi(x) + x * phi(x), phi(x) = exp(-x^2 / 2) / sqrt(2 pi)
_gelu_erf_forward = cupy.ElementwiseKernel(
    "T x", "T y",
    "y = T(0.5) * x * (T(1) + erf(x * T(0.70710678118654752440)))",
    "minidl_gelu_erf_forward",
)
_gelu_erf_backward = cupy.ElementwiseKernel(
    "T x, T gy", "T gx",
    """
    const T cdf = T(0.5) * (T(1) + erf(x * T(0.70710678118654752440)));
    const T pdf = exp(T(-0.5) * x * x) * T(0.39894228040143267794);
    gx = gy * (cdf + x * pdf);
    """,
    "minidl_gelu_erf_backward",
)

# The tanh approximation: gelu(x) ~ x (1 + tanh(u)) / 2 with u = sqrt(2 / pi) (x + 0.044715 x^3)
# d/dx = (1 + tanh(u)) / 2 + x (1 - tanh(u)^2) / 2 * sqrt(2 / pi) (1 + 3 * 0.044715 x^2)
_GELU_TANH_PREAMBLE = """
template <typename T> __device__ T gelu_tanh_inner(T x)
{
    return T(0.79788456080286535588) * (x + T(0.044715) * x * x * x);
}
"""
_gelu_tanh_forward = cupy.ElementwiseKernel(
    "T x", "T y",
    "y = T(0.5) * x * (T(1) + tanh(gelu_tanh_inner(x)))",
    "minidl_gelu_tanh_forward",
    preamble=_GELU_TANH_PREAMBLE,
)
_gelu_tanh_backward = cupy.ElementwiseKernel(
    "T x, T gy", "T gx",
    """
    const T t = tanh(gelu_tanh_inner(x));
    const T inner_slope = T(0.79788456080286535588) * (T(1) + T(3 * 0.044715) * x * x);
    gx = gy * (T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * inner_slope);
    """,
    "minidl_gelu_tanh_backward",
    preamble=_GELU_TANH_PREAMBLE,
)

_GELU = {"none": (_gelu_erf_forward, _gelu_erf_backward), "tanh": (_gelu_tanh_forward, _gelu_tanh_backward)}


def _gelu_kernels(approximate):
    try:
        return _GELU[approximate]
    except KeyError:
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}") from None


def _like(gy, x):
    """gy in x's dtype: the kernels take both arguments as the same type T."""
    return gy.astype(x.dtype, copy=False)


def relu_forward(x):
    return _relu_forward(x)


def relu_backward(x, gy):
    return _relu_backward(x, _like(gy, x))


def sigmoid_forward(x):
    return _sigmoid_forward(x)


def sigmoid_backward(y, gy):
    return _sigmoid_backward(y, _like(gy, y))


def tanh_forward(x):
    return _tanh_forward(x)


def tanh_backward(y, gy):
    return _tanh_backward(y, _like(gy, y))


def gelu_forward(x, approximate):
    forward, _ = _gelu_kernels(approximate)
    return forward(x)


def gelu_backward(x, gy, approximate):
    _, backward = _gelu_kernels(approximate)
    return backward(x, _like(gy, x))
