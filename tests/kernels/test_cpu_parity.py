"""Every Numba kernel (minidl.kernels.cpu) against its NumPy twin (minidl.kernels.reference).

Hypothesis draws shapes (length-1 axes included), dtypes, memory layouts (contiguous, transposed,
strided views) and value scales (up to +-1e4 logits); edge cases that random draws rarely hit
(fully masked rows, all-ignored targets) are forced by flags the strategies also draw.
Each example is cheap once the kernels are compiled, so the first one pays the JIT.
Every kernel is compiled serial and parallel and picks one by size (``cpu/parallel.py``); every
test runs twice, with the grain forced so that all kernels take the serial path, then the
parallel one, whatever the size of the inputs.
"""

import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kernel_cases import kernel_path  # noqa: F401 (an autouse fixture: every test runs serial, then parallel)

from minidl.kernels import cpu
from minidl.kernels import reference as ref
from minidl.kernels.cpu import parallel

pytestmark = pytest.mark.filterwarnings("error")
examples = settings(max_examples=25, deadline=None)

DTYPES = st.sampled_from([np.float32, np.float64])
LAYOUTS = st.sampled_from(["contiguous", "transposed", "strided"])
TOLERANCE = {np.float32: dict(rtol=1e-5, atol=1e-6), np.float64: dict(rtol=1e-10, atol=1e-12)}
# attention sums S products of E terms, in a different order from the reference's matmuls
ATTENTION_TOLERANCE = {np.float32: dict(rtol=1e-4, atol=2e-5), np.float64: dict(rtol=1e-9, atol=1e-11)}


def make_array(rng, shape, dtype, layout, scale=1.0):
    """Standard normal values times scale, laid out as asked; the values do not depend on layout."""
    values = (rng.standard_normal(shape) * scale).astype(dtype)
    if layout == "transposed" and len(shape) >= 2:  # a view whose last axis is not contiguous
        return np.ascontiguousarray(values.swapaxes(-1, -2)).swapaxes(-1, -2)
    if layout == "strided":  # every other element of a larger buffer
        buffer = np.zeros(shape[:-1] + (2 * shape[-1],) if shape else (2,), dtype=dtype)
        view = buffer[..., ::2] if shape else buffer[::2].reshape(())
        view[...] = values
        return view
    return values


@st.composite
def cases(draw, min_dims=1, max_dims=3, max_side=9):
    """(rng, shape, dtype, layout): a seeded generator, so each example is cheap to draw."""
    shape = tuple(draw(st.lists(st.integers(1, max_side), min_size=min_dims, max_size=max_dims)))
    return (np.random.default_rng(draw(st.integers(0, 2**32 - 1))), shape, draw(DTYPES),
            draw(LAYOUTS))


def assert_close(name, got, expected, tolerance):
    """Same dtype, same shape, close values (NaN where the reference has NaN)."""
    if expected is None:
        assert got is None, f"{name}: expected None"
        return
    if isinstance(expected, tuple):  # e.g. lse, saved as the pair (row_max, log_sum)
        for index, (g, e) in enumerate(zip(got, expected, strict=True)):
            assert_close(f"{name}[{index}]", g, e, tolerance)
        return
    assert got.dtype == expected.dtype, f"{name}: dtype {got.dtype}, reference {expected.dtype}"
    assert got.shape == expected.shape, f"{name}: shape {got.shape}, reference {expected.shape}"
    np.testing.assert_allclose(got, expected, err_msg=f"{name}: cpu kernel != reference",
                               **tolerance[expected.dtype.type])


def run_both(name, call, arrays, tolerance=TOLERANCE):
    """call(kernel_set, *arrays) on both sets; compare every output; check inputs are untouched."""
    before = [a.copy() for a in arrays]
    got, expected = call(cpu, *arrays), call(ref, *arrays)
    for original, after in zip(before, arrays):
        np.testing.assert_array_equal(after, original, err_msg=f"{name} modified an input")
    if not isinstance(expected, tuple):
        got, expected = (got,), (expected,)
    for index, (g, e) in enumerate(zip(got, expected)):
        assert_close(f"{name} output {index}", g, e, tolerance)
    return expected


# ----------------------------------------------------------------------------- elementwise

# name -> (forward, backward, backward takes the output y rather than x, extra arguments)
ELEMENTWISE = {
    "relu": ("relu_forward", "relu_backward", False, ()),
    "sigmoid": ("sigmoid_forward", "sigmoid_backward", True, ()),
    "tanh": ("tanh_forward", "tanh_backward", True, ()),
    "gelu-erf": ("gelu_forward", "gelu_backward", False, ("none",)),
    "gelu-tanh": ("gelu_forward", "gelu_backward", False, ("tanh",)),
    "softmax": ("softmax_forward", "softmax_backward", True, ()),
    "log_softmax": ("log_softmax_forward", "log_softmax_backward", True, ()),
}
# gelu's derivative near x = -5 is (1 + t)/2 + ... with t ~ -1: the float32 reference loses
# digits to that cancellation (the Numba kernels compute (1 + t)/2 as a sigmoid, which does not
# cancel), up to ~1e-6 absolute
GELU_TOLERANCE = {np.float32: dict(rtol=1e-5, atol=1e-5), np.float64: TOLERANCE[np.float64]}


@pytest.mark.parametrize("name", ELEMENTWISE)
@examples
@given(case=cases(), scale=st.sampled_from([1.0, 30.0, 1e4]))
def test_elementwise_and_softmax(name, case, scale):
    forward, backward, takes_output, extra = ELEMENTWISE[name]
    rng, shape, dtype, layout = case
    x = make_array(rng, shape, dtype, layout, scale)
    gy = make_array(rng, shape, dtype, layout)
    tolerance = GELU_TOLERANCE if name.startswith("gelu") else TOLERANCE
    y = run_both(f"{name} forward", lambda ks, x: getattr(ks, forward)(x, *extra), [x], tolerance)[0]
    saved = y if takes_output else x
    run_both(f"{name} backward", lambda ks, s, g: getattr(ks, backward)(s, g, *extra), [saved, gy],
             tolerance)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gelu_special_values(approximate, dtype):
    """NaN, +-inf, huge |x| (x^2, x^3 overflow in float32), signed zeros, subnormals, x around
    the float32 erf's clamp (|x / sqrt 2| = 4) and GELU's minimum: the reference's values, with
    the same signs of zeros and the same infinities."""
    x = np.array([np.nan, np.inf, -np.inf, 1e30, -1e30, 1e20, -1e20, 0.0, -0.0, 1e-40, -1e-40,
                  5.65, 5.66, -5.65, -5.66, 12.0, -12.0, -0.75], dtype=dtype)
    gy = np.linspace(-1, 2, x.size).astype(dtype)
    calls = {"forward": lambda ks: ks.gelu_forward(x, approximate),
             "backward": lambda ks: ks.gelu_backward(x, gy, approximate)}
    for name, call in calls.items():
        with np.errstate(over="ignore", invalid="ignore"):  # the reference's x^3, inf * 0
            got, want = call(cpu), call(ref)
        assert_close(f"gelu {approximate} {name}", got, want, GELU_TOLERANCE)
        # where the float32 reference rounds to 0 the cpu set may give a tiny number instead
        zeros = (want == 0) & (got == 0)
        np.testing.assert_array_equal(np.signbit(got[zeros]), np.signbit(want[zeros]),
                                      err_msg=f"gelu {approximate} {name}: signs of zeros")


@examples
@given(case=cases(min_dims=2, max_dims=2))
def test_softmax_rows_of_minus_infinity(case):
    rng, shape, dtype, layout = case
    x = make_array(rng, shape, dtype, layout)
    x[rng.random(shape) < 0.5] = -np.inf
    x[0] = -np.inf  # a whole row: NaN, as in PyTorch
    for name in ("softmax_forward", "log_softmax_forward"):
        run_both(name, lambda ks, x: getattr(ks, name)(x), [x])


# ----------------------------------------------------------------------------- cross-entropy


@examples
@given(case=cases(min_dims=2, max_dims=2), scale=st.sampled_from([1.0, 1e4]),
       label_smoothing=st.sampled_from([0.0, 0.1]), ignore=st.sampled_from(["none", "some", "all"]))
def test_cross_entropy(case, scale, label_smoothing, ignore):
    rng, shape, dtype, layout = case
    logits = make_array(rng, shape, dtype, layout, scale)
    target = rng.integers(0, shape[1], shape[0])
    if ignore != "none":
        target[rng.random(shape[0]) < 0.5 if ignore == "some" else slice(None)] = -100
    grad_losses = make_array(rng, shape[:1], dtype, "contiguous")
    _, lse = run_both("cross_entropy_forward",
                      lambda ks, x: ks.cross_entropy_forward(x, target, -100, label_smoothing), [logits])
    run_both("cross_entropy_backward",
             lambda ks, x, g: ks.cross_entropy_backward(x, target, lse, g, -100, label_smoothing),
             [logits, grad_losses])


# ----------------------------------------------------------------------------- layer norm


@examples
@given(case=cases(min_dims=2, max_dims=2, max_side=40), affine=st.booleans())
def test_layer_norm(case, affine):
    rng, shape, dtype, layout = case
    x = make_array(rng, shape, dtype, layout) * 3 + 1
    gy = make_array(rng, shape, dtype, layout)
    weight = make_array(rng, shape[1:], dtype, "contiguous") if affine else None
    bias = make_array(rng, shape[1:], dtype, "contiguous") if affine else None
    tolerance = {np.float32: dict(rtol=1e-4, atol=1e-5), np.float64: TOLERANCE[np.float64]}
    _, mean, rstd = run_both("layer_norm_forward",
                             lambda ks, x: ks.layer_norm_forward(x, weight, bias, 1e-5), [x], tolerance)
    run_both("layer_norm_backward",
             lambda ks, g, x: ks.layer_norm_backward(g, x, weight, mean, rstd), [gy, x], tolerance)


# ----------------------------------------------------------------------------- dropout


@examples
@given(case=cases(min_dims=0), p=st.sampled_from([0.0, 0.1, 0.5, 0.9, 1.0]),
       seed=st.integers(0, 2**64 - 1))
def test_dropout_masks_are_bit_identical(case, p, seed):
    rng, shape, dtype, layout = case
    x = make_array(rng, shape, dtype, layout)
    y_cpu, keep_cpu = cpu.dropout_forward(x, p, seed)
    y_ref, keep_ref = ref.dropout_forward(x, p, seed)
    np.testing.assert_array_equal(keep_cpu, keep_ref)
    np.testing.assert_array_equal(y_cpu, y_ref)
    assert y_cpu.dtype == dtype and keep_cpu.shape == shape
    gy = make_array(rng, shape, dtype, layout)
    np.testing.assert_array_equal(cpu.dropout_backward(gy, keep_ref, p), ref.dropout_backward(gy, keep_ref, p))


# ----------------------------------------------------------------------------- embedding


@examples
@given(case=cases(min_dims=0, max_dims=2), vocabulary=st.integers(1, 6), width=st.integers(1, 70))
def test_embedding(case, vocabulary, width):
    rng, index_shape, dtype, layout = case
    weight = make_array(rng, (vocabulary, width), dtype, layout)
    indices = rng.integers(0, vocabulary, index_shape)  # few rows, so indices repeat
    gy = make_array(rng, index_shape + (width,), dtype, layout)
    run_both("embedding_forward", lambda ks, w: ks.embedding_forward(w, indices), [weight])
    run_both("embedding_backward", lambda ks, g: ks.embedding_backward(indices, g, vocabulary), [gy])


# ----------------------------------------------------------------------------- attention


@examples
@given(case=cases(min_dims=2, max_dims=2, max_side=80), width=st.integers(1, 9),
       value_width=st.integers(1, 9), causal=st.booleans(),
       mask_kind=st.sampled_from(["none", "float", "with fully masked rows"]),
       scale=st.sampled_from([0.3, 1.0]))
def test_attention(case, width, value_width, causal, mask_kind, scale):
    rng, (num_queries, num_keys), dtype, layout = case
    batch = 2
    q = make_array(rng, (batch, num_queries, width), dtype, layout)
    k = make_array(rng, (batch, num_keys, width), dtype, layout)
    v = make_array(rng, (batch, num_keys, value_width), dtype, layout)
    go = make_array(rng, (batch, num_queries, value_width), dtype, layout)
    mask = None
    if mask_kind != "none":
        mask = make_array(rng, (batch, num_queries, num_keys), dtype, layout)
        mask[rng.random(mask.shape) < 0.3] = -np.inf
        if mask_kind == "with fully masked rows":
            mask[0, rng.integers(0, num_queries)] = -np.inf
            mask[1, :, 0] = -np.inf  # with causal, query 0 loses its only key
    o, lse = run_both("attention_forward",
                      lambda ks, q, k, v: ks.attention_forward(q, k, v, mask, scale, causal),
                      [q, k, v], ATTENTION_TOLERANCE)
    run_both("attention_backward",
             lambda ks, q, k, v, go: ks.attention_backward(q, k, v, o, lse, go, mask, scale, causal),
             [q, k, v, go], ATTENTION_TOLERANCE)


# ----------------------------------------------------------------------------- optimizers


@examples
@given(case=cases(), momentum=st.sampled_from([0.0, 0.9]), dampening=st.sampled_from([0.0, 0.2]),
       weight_decay=st.sampled_from([0.0, 0.01]), nesterov=st.booleans())
def test_sgd_step(case, momentum, dampening, weight_decay, nesterov):
    rng, shape, dtype, layout = case
    if nesterov and (momentum == 0 or dampening != 0):
        nesterov = False  # PyTorch forbids nesterov without momentum or with dampening
    params = {name: [make_array(rng, shape, dtype, "contiguous") for _ in range(2)] for name in "pg"}
    grads = [make_array(rng, shape, dtype, layout) for _ in range(2)]
    state = {ks: ([p.copy() for p in params["p"]], [np.zeros(shape, dtype) for _ in range(2)])
             for ks in (cpu, ref)}
    for step in range(3):
        for ks, (p, buffers) in state.items():
            ks.sgd_step(p, grads, buffers if momentum else None, 0.1, momentum, dampening,
                        weight_decay, nesterov, step == 0)
    for got, expected in zip(sum(state[cpu], []), sum(state[ref], [])):
        assert_close("sgd_step", got, expected, TOLERANCE)


@examples
@given(case=cases(), decoupled=st.booleans(), weight_decay=st.sampled_from([0.0, 0.05]))
def test_adam_step(case, decoupled, weight_decay):
    rng, shape, dtype, layout = case
    initial = [make_array(rng, shape, dtype, "contiguous") for _ in range(2)]
    grads = [make_array(rng, shape, dtype, layout) for _ in range(2)]
    state = {ks: ([p.copy() for p in initial], [np.zeros(shape, dtype) for _ in range(2)],
                  [np.zeros(shape, dtype) for _ in range(2)]) for ks in (cpu, ref)}
    for step in range(1, 4):
        for ks, (params, exp_avgs, exp_avg_sqs) in state.items():
            ks.adam_step(params, grads, exp_avgs, exp_avg_sqs, step, 1e-2, 0.9, 0.999, 1e-8,
                         weight_decay, decoupled)
    for got, expected in zip(sum(state[cpu], []), sum(state[ref], [])):
        assert_close("adam_step", got, expected, TOLERANCE)


# ----------------------------------------------------------------------------- determinism


def test_parallel_kernels_are_deterministic():
    """Same inputs, same bits: no parallel reduction may depend on thread scheduling."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((512, 300)).astype(np.float32)
    gy = rng.standard_normal(x.shape).astype(np.float32)
    weight = rng.standard_normal(300).astype(np.float32)
    q, k, v = (rng.standard_normal((4, 100, 16)).astype(np.float32) for _ in range(3))
    indices = rng.integers(0, 10, 5000)
    gy_embedding = rng.standard_normal((5000, 300)).astype(np.float32)
    calls = {
        "softmax": lambda: cpu.softmax_backward(cpu.softmax_forward(x), gy),
        "layer_norm": lambda: cpu.layer_norm_backward(
            gy, x, weight, *cpu.layer_norm_forward(x, weight, weight, 1e-5)[1:]),
        "attention": lambda: cpu.attention_backward(
            q, k, v, *cpu.attention_forward(q, k, v, None, 0.25, True), q, None, 0.25, True),
        "embedding": lambda: cpu.embedding_backward(indices, gy_embedding, 10),
        "dropout": lambda: cpu.dropout_forward(x, 0.5, 3),
    }
    for name, call in calls.items():
        first, second = call(), call()
        for a, b in zip(np.atleast_1d(first) if not isinstance(first, tuple) else first,
                        second if isinstance(second, tuple) else np.atleast_1d(second)):
            np.testing.assert_array_equal(a, b, err_msg=f"{name} differs between two runs")


def test_serial_and_parallel_variants_agree_bit_for_bit(monkeypatch):
    """The path a kernel takes depends on the size of its input, so it must not change the bits."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, 40)).astype(np.float32)
    gy = rng.standard_normal(x.shape).astype(np.float32)
    target = rng.integers(0, 40, 64)

    def adam():
        param, exp_avg, exp_avg_sq = x.copy(), gy.copy(), gy * gy
        cpu.adam_step([param], [gy], [exp_avg], [exp_avg_sq], 3, 1e-2, 0.9, 0.999, 1e-8, 0.01, True)
        return param, exp_avg, exp_avg_sq

    calls = {
        "sigmoid": lambda: (cpu.sigmoid_backward(cpu.sigmoid_forward(x), gy),),
        "gelu": lambda: (cpu.gelu_backward(x, gy, "none"),),
        "log_softmax": lambda: (cpu.log_softmax_backward(cpu.log_softmax_forward(x), gy),),
        "cross_entropy": lambda: (cpu.cross_entropy_backward(
            x, target, cpu.cross_entropy_forward(x, target, -100, 0.1)[1], gy[:, 0], -100, 0.1),),
        "layer_norm": lambda: cpu.layer_norm_backward(
            gy, x, x[0], *cpu.layer_norm_forward(x, x[0], x[1], 1e-5)[1:]),
        "dropout": lambda: cpu.dropout_forward(x, 0.3, 11),
        "embedding": lambda: (cpu.embedding_backward(target % 7, np.tile(gy, (1, 3)), 7),),
        "adam": adam,
    }
    for name, call in calls.items():
        monkeypatch.setattr(parallel, "PARALLEL_GRAIN", sys.maxsize)
        serial = call()
        monkeypatch.setattr(parallel, "PARALLEL_GRAIN", 0)
        for a, b in zip(serial, call(), strict=True):
            np.testing.assert_array_equal(a, b, err_msg=f"{name}: serial and parallel differ")


def test_kernels_pick_their_variant_by_size(monkeypatch):
    monkeypatch.setattr(parallel, "PARALLEL_GRAIN", 65536)
    relu, sigmoid = cpu.activations._relu_forward, cpu.activations._sigmoid_forward
    # the parallel variant runs through a guard that falls back to serial when the pool is busy
    assert relu.pick(65535) is relu.serial and relu.pick(65536) == relu._parallel_if_free
    threshold = 65536 // sigmoid.cost  # a costlier loop goes parallel on fewer elements
    assert sigmoid.cost > 1
    assert sigmoid.pick(threshold - 1) is sigmoid.serial
    assert sigmoid.pick(threshold) == sigmoid._parallel_if_free
    # Numba's on-disk cache keys a function by its qualified name and bytecode, not by the
    # parallel flag: the two variants need different names or they load each other's code
    assert relu.parallel.py_func.__qualname__ != relu.serial.py_func.__qualname__
