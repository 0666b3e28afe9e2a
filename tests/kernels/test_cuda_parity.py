"""The CUDA kernels (minidl.kernels.cuda) against their specification, the NumPy reference.

Every test draws random inputs on the host, runs the reference on them and the CUDA kernel on
device copies, in three memory layouts (contiguous, strided, Fortran order), and compares.
Edge cases from DESIGN.md: float32 and float64, length-1 axes, logits of +-1e4, fully masked
attention rows, causal attention with L != S, head dims that are not multiples of the tiles.

Skipped as a whole without CuPy or without a GPU.
"""
import numpy as np
import pytest

cupy = pytest.importorskip("cupy")
try:
    _GPU_COUNT = cupy.cuda.runtime.getDeviceCount()
except Exception:  # CuPy raises its own error types when there is no driver or no device
    _GPU_COUNT = 0
if _GPU_COUNT == 0:
    pytest.skip("needs an NVIDIA GPU (CuPy found none)", allow_module_level=True)

from minidl.kernels import cuda as cu  # noqa: E402  (only importable usefully with a GPU)
from minidl.kernels import reference as ref  # noqa: E402

pytestmark = pytest.mark.cuda

DTYPES = [np.float32, np.float64]
LAYOUTS = ["contiguous", "strided", "fortran"]
# Base tolerances; a test multiplies them by a factor where it sums many terms.
TOLERANCES = {np.float32: (1e-5, 1e-6), np.float64: (1e-11, 1e-13)}


def on_device(host, layout="contiguous"):
    """A CuPy array equal to `host`, laid out in memory as `layout` says.

    strided: every other element of a twice-as-wide buffer along the last axis;
    fortran: column-major order (for 2-D and more, the transpose of the usual layout).
    """
    device = cupy.asarray(host)
    if layout == "contiguous" or device.ndim == 0:
        return device
    if layout == "fortran":
        return cupy.asfortranarray(device)
    wide = cupy.zeros(device.shape[:-1] + (2 * device.shape[-1],), device.dtype)
    wide[..., ::2] = device
    return wide[..., ::2]


def assert_close(got, want, what, factor=1.0, atol=None):
    """Compare a CuPy result with the reference's NumPy result: dtype, shape, then values.

    NaN must meet NaN and infinities must match in sign (assert_allclose's rules). `atol`
    overrides the absolute tolerance where the inputs' magnitude sets the attainable accuracy.
    """
    got = cupy.asnumpy(got)
    want = np.asarray(want)
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype}, reference {want.dtype}"
    assert got.shape == want.shape, f"{what}: shape {got.shape}, reference {want.shape}"
    rtol, base_atol = TOLERANCES[want.dtype.type]
    atol = base_atol * factor if atol is None else atol
    np.testing.assert_allclose(got, want, rtol=rtol * factor, atol=atol, err_msg=what)


def random(rng, shape, dtype, scale=1.0):
    return (scale * rng.standard_normal(shape)).astype(dtype)


# ----------------------------------------------------------------------------- activations

# (name, forward(kernels, x), backward(kernels, x, y, gy), tolerance factor)
ACTIVATIONS = [
    ("relu", lambda k, x: k.relu_forward(x), lambda k, x, y, gy: k.relu_backward(x, gy), 1),
    ("sigmoid", lambda k, x: k.sigmoid_forward(x), lambda k, x, y, gy: k.sigmoid_backward(y, gy), 1),
    ("tanh", lambda k, x: k.tanh_forward(x), lambda k, x, y, gy: k.tanh_backward(y, gy), 1),
    ("gelu", lambda k, x: k.gelu_forward(x, "none"), lambda k, x, y, gy: k.gelu_backward(x, gy, "none"), 4),
    ("gelu_tanh", lambda k, x: k.gelu_forward(x, "tanh"), lambda k, x, y, gy: k.gelu_backward(x, gy, "tanh"), 4),
]
ELEMENTWISE_SHAPES = [(), (1,), (7,), (3, 1, 5), (33, 65)]


@pytest.mark.parametrize("name, forward, backward, factor", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
@pytest.mark.parametrize("shape", ELEMENTWISE_SHAPES, ids=str)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_activation(name, forward, backward, factor, shape, dtype, layout):
    rng = np.random.default_rng(0)
    x = random(rng, shape, dtype, scale=3.0)
    if x.size >= 4:  # exact zeros (the ReLU kink) and saturating values
        x.flat[:4] = [0.0, -60.0, 60.0, -0.0]
    gy = random(rng, shape, dtype)
    y = forward(ref, x)
    assert_close(forward(cu, on_device(x, layout)), y, f"{name} forward", factor)
    got = backward(cu, on_device(x, layout), on_device(y, layout), on_device(gy, layout))
    assert_close(got, backward(ref, x, y, gy), f"{name} backward", factor)


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(ValueError, match="approximate"):
        cu.gelu_forward(cupy.zeros(3, np.float32), "sigmoid")


# ----------------------------------------------------------------------------- dropout


@pytest.mark.parametrize("shape", [(1,), (5, 7), (3, 1, 300)], ids=str)
@pytest.mark.parametrize("p", [0.0, 0.1, 0.5, 0.999, 1.0])
@pytest.mark.parametrize("seed", [0, 12345, 2**64 - 1, -3])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_dropout_mask_is_the_reference_mask(shape, p, seed, dtype, layout):
    rng = np.random.default_rng(1)
    x, gy = random(rng, shape, dtype), random(rng, shape, dtype)
    y_want, keep_want = ref.dropout_forward(x, p, seed)
    y, keep = cu.dropout_forward(on_device(x, layout), p, seed)
    keep = cupy.asnumpy(keep)
    assert keep.dtype == np.bool_ and keep.shape == shape
    mismatches = np.argwhere(keep != keep_want)
    assert mismatches.size == 0, f"dropout mask differs from the reference at {mismatches[:5].tolist()}"
    assert_close(y, y_want, "dropout forward")
    got = cu.dropout_backward(on_device(gy, layout), on_device(keep_want, layout), p)
    assert_close(got, ref.dropout_backward(gy, keep_want, p), "dropout backward")


# ----------------------------------------------------------------------------- softmax

SOFTMAX_SHAPES = [(1, 1), (4, 1), (3, 7), (2, 3, 1000), (5, 4097)]


def _softmax_input(rng, shape, dtype, kind):
    if kind == "normal":
        return random(rng, shape, dtype, scale=3.0)
    # extreme: +-1e4 logits, scattered -inf, and a first row of all -inf (NaN out, as PyTorch)
    x = random(rng, shape, dtype, scale=1e4)
    x[rng.random(shape) < 0.2] = -np.inf
    x.reshape(-1, shape[-1])[0] = -np.inf
    return x


@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
@pytest.mark.parametrize("shape", SOFTMAX_SHAPES, ids=str)
@pytest.mark.parametrize("kind", ["normal", "extreme"])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_softmax(log, shape, kind, dtype, layout):
    rng = np.random.default_rng(2)
    x = _softmax_input(rng, shape, dtype, kind)
    gy = random(rng, shape, dtype)
    name = "log_softmax" if log else "softmax"
    forward_ref, backward_ref = getattr(ref, f"{name}_forward"), getattr(ref, f"{name}_backward")
    forward_cu, backward_cu = getattr(cu, f"{name}_forward"), getattr(cu, f"{name}_backward")
    with np.errstate(invalid="ignore"):
        y = forward_ref(x)
        gx = backward_ref(y, gy)
    assert_close(forward_cu(on_device(x, layout)), y, f"{name} forward", factor=10)
    assert_close(backward_cu(on_device(y, layout), on_device(gy, layout)), gx, f"{name} backward", factor=10)


# ----------------------------------------------------------------------------- cross-entropy


@pytest.mark.parametrize("rows, classes", [(1, 1), (7, 10), (64, 1000)])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
@pytest.mark.parametrize("ignore_index", [-100, 0])
@pytest.mark.parametrize("logit_scale", [3.0, 1e4])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_cross_entropy(rows, classes, label_smoothing, ignore_index, logit_scale, dtype, layout):
    rng = np.random.default_rng(3)
    logits = random(rng, (rows, classes), dtype, scale=logit_scale)
    target = rng.integers(0, classes, rows).astype(np.int64)
    target[rng.random(rows) < 0.25] = ignore_index
    grad_losses = random(rng, rows, dtype)

    losses_want, lse_want = ref.cross_entropy_forward(logits, target, ignore_index, label_smoothing)
    losses, lse = cu.cross_entropy_forward(on_device(logits, layout), on_device(target), ignore_index,
                                           label_smoothing)
    # lse and the losses are differences of numbers as large as the logits: a few of their ulps
    logit_ulps = 16 * np.finfo(dtype).eps * logit_scale
    assert_close(sum(lse), sum(lse_want), "cross_entropy lse", factor=10, atol=logit_ulps)
    assert_close(losses, losses_want, "cross_entropy losses", factor=10, atol=logit_ulps)

    glogits_want = ref.cross_entropy_backward(logits, target, lse_want, grad_losses, ignore_index, label_smoothing)
    glogits = cu.cross_entropy_backward(on_device(logits, layout), on_device(target),
                                        tuple(on_device(part) for part in lse_want),
                                        on_device(grad_losses), ignore_index, label_smoothing)
    assert_close(glogits, glogits_want, "cross_entropy backward", factor=10)


@pytest.mark.parametrize("classes", [3, 100, 3000])  # 100 and 3000: +inf met by several lanes and warps
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_cross_entropy_of_infinite_logits_matches_the_reference(classes, dtype):
    """Rows with +inf or NaN logits: the CUDA kernels agree with the reference (whose loss is
    NaN there, as PyTorch's cross_entropy is), also when several lanes and warps meet a +inf
    and their online (max, sum) pairs are merged."""
    rng = np.random.default_rng(11)
    logits = random(rng, (4, classes), dtype)
    logits[0, 1] = np.inf  # one +inf, target elsewhere: loss +inf
    logits[1, [0, classes - 1]] = np.inf  # two +inf in different lanes, one of them the target
    logits[2, :] = np.inf  # every logit +inf
    logits[3, 0] = np.nan  # NaN poisons the row
    target = np.array([0, 0, 1, 1], np.int64)
    with np.errstate(invalid="ignore"):
        losses_want, lse_want = ref.cross_entropy_forward(logits, target, -100, 0.0)
        glogits_want = ref.cross_entropy_backward(logits, target, lse_want, np.ones(4, dtype), -100, 0.0)
    losses, (row_max, log_sum) = cu.cross_entropy_forward(on_device(logits), on_device(target), -100, 0.0)
    with np.errstate(invalid="ignore"):
        assert_close(row_max + log_sum, lse_want[0] + lse_want[1], "cross_entropy lse with +inf logits")
    assert_close(losses, losses_want, "cross_entropy losses with +inf logits")
    glogits = cu.cross_entropy_backward(on_device(logits), on_device(target), tuple(map(on_device, lse_want)),
                                        cupy.ones(4, dtype), -100, 0.0)
    assert_close(glogits, glogits_want, "cross_entropy backward with +inf logits")


# ----------------------------------------------------------------------------- layer norm


@pytest.mark.parametrize("rows, cols", [(1, 1), (5, 1), (3, 7), (64, 768), (300, 33), (2, 5000)])
@pytest.mark.parametrize("affine", ["none", "weight", "weight_and_bias"])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_layer_norm(rows, cols, affine, dtype, layout):
    rng = np.random.default_rng(4)
    x = random(rng, (rows, cols), dtype, scale=2.0) + dtype(5)  # |mean| > std: tests the two-pass variance
    gy = random(rng, (rows, cols), dtype)
    weight = random(rng, cols, dtype) if affine != "none" else None
    bias = random(rng, cols, dtype) if affine == "weight_and_bias" else None
    eps = 1e-5

    y_want, mean_want, rstd_want = ref.layer_norm_forward(x, weight, bias, eps)
    device_weight = None if weight is None else on_device(weight, layout)
    device_bias = None if bias is None else on_device(bias, layout)
    y, mean, rstd = cu.layer_norm_forward(on_device(x, layout), device_weight, device_bias, eps)
    assert_close(mean, mean_want, "layer_norm mean", factor=10)
    assert_close(rstd, rstd_want, "layer_norm rstd", factor=10)
    assert_close(y, y_want, "layer_norm forward", factor=10)

    gx_want, gweight_want, gbias_want = ref.layer_norm_backward(gy, x, weight, mean_want, rstd_want)
    gx, gweight, gbias = cu.layer_norm_backward(on_device(gy, layout), on_device(x, layout), device_weight,
                                                on_device(mean_want), on_device(rstd_want))
    # gx subtracts two row means from g: its error is relative to |g|, not to |gx|
    assert_close(gx, gx_want, "layer_norm backward gx", factor=100)
    if weight is None:
        assert gweight is None and gbias is None
    else:
        assert_close(gweight, gweight_want, "layer_norm backward gweight", factor=100)
        assert_close(gbias, gbias_want, "layer_norm backward gbias", factor=100)


def test_layer_norm_param_grads_are_reproducible():
    rng = np.random.default_rng(5)
    x, gy, weight = (on_device(random(rng, shape, np.float32)) for shape in [(1000, 65), (1000, 65), 65])
    _, mean, rstd = cu.layer_norm_forward(x, weight, None, 1e-5)
    first = cu.layer_norm_backward(gy, x, weight, mean, rstd)
    second = cu.layer_norm_backward(gy, x, weight, mean, rstd)
    for a, b in zip(first, second):
        assert cupy.array_equal(a, b), "layer_norm_backward is not bitwise reproducible"


# ----------------------------------------------------------------------------- embedding


@pytest.mark.parametrize("index_shape", [(), (1,), (3, 5), (2, 3, 40)], ids=str)
@pytest.mark.parametrize("dim", [1, 16, 33])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_embedding(index_shape, dim, dtype, layout):
    rng = np.random.default_rng(6)
    num_embeddings = 10  # few rows, so indices repeat and the backward must sum them
    weight = random(rng, (num_embeddings, dim), dtype)
    indices = rng.integers(0, num_embeddings, index_shape).astype(np.int64)
    gy = random(rng, index_shape + (dim,), dtype)

    out = cu.embedding_forward(on_device(weight, layout), on_device(indices, layout))
    assert_close(out, ref.embedding_forward(weight, indices), "embedding forward")
    gweight = cu.embedding_backward(on_device(indices, layout), on_device(gy, layout), num_embeddings)
    assert_close(gweight, ref.embedding_backward(indices, gy, num_embeddings), "embedding backward", factor=10)


# ----------------------------------------------------------------------------- attention

ATTENTION_SHAPES = [  # (B, L, S, E, Ev); the kernels' tiles are 16 query rows and 32 keys
    (1, 1, 1, 1, 1),
    (2, 5, 7, 3, 3),
    (3, 17, 17, 16, 16),
    (2, 33, 65, 64, 64),
    (1, 70, 40, 128, 128),  # L > S: causal rows i >= S see every key
    (2, 16, 100, 96, 80),  # L < S, E != Ev
    (1, 9, 33, 200, 256),  # the largest head dims: more than 48 KiB of shared memory in float64
]


def _attention_mask(rng, B, L, S, dtype):
    """Random additive mask with -inf holes, and fully masked rows (query L - 1 of batch 0,
    query 0 of the last batch): those must give o = 0, lse = -inf and zero gradients."""
    mask = random(rng, (B, L, S), dtype)
    mask[rng.random((B, L, S)) < 0.3] = -np.inf
    mask[0, L - 1, :] = -np.inf
    mask[B - 1, 0, :] = -np.inf
    return mask


@pytest.mark.parametrize("B, L, S, E, Ev", ATTENTION_SHAPES, ids=str)
@pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
@pytest.mark.parametrize("masked", [False, True], ids=["nomask", "mask"])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("layout", ["contiguous", "strided"])
def test_attention(B, L, S, E, Ev, causal, masked, dtype, layout):
    _skip_beyond_the_shared_memory_of_this_gpu(E, Ev, dtype)
    rng = np.random.default_rng(7)
    q, k = random(rng, (B, L, E), dtype), random(rng, (B, S, E), dtype)
    v, go = random(rng, (B, S, Ev), dtype), random(rng, (B, L, Ev), dtype)
    mask = _attention_mask(rng, B, L, S, dtype) if masked else None
    scale = float(1 / np.sqrt(E))  # a Python float: a NumPy float64 would promote the reference to float64

    def device(a):
        return None if a is None else on_device(a, layout)

    o_want, lse_want = ref.attention_forward(q, k, v, mask, scale, causal)
    o, lse = cu.attention_forward(device(q), device(k), device(v), device(mask), scale, causal)
    assert_close(sum(lse), sum(lse_want), "attention lse", factor=20)  # lse = row_max + log_sum
    assert_close(o, o_want, "attention forward o", factor=20)

    # the backward gets the reference's o and lse, so that it is tested on its own
    grads_want = ref.attention_backward(q, k, v, o_want, lse_want, go, mask, scale, causal)
    lse_parts = tuple(device(part) for part in lse_want)
    grads = cu.attention_backward(device(q), device(k), device(v), device(o_want), lse_parts, device(go),
                                  device(mask), scale, causal)
    for name, got, want in zip(["gq", "gk", "gv"], grads, grads_want):
        assert not cupy.isnan(got).any(), f"attention backward {name} has NaN"
        assert_close(got, want, f"attention backward {name}", factor=50)


def _skip_beyond_the_shared_memory_of_this_gpu(E, Ev, dtype):
    """The largest head dims in float64 need more shared memory per block than an A100, L4 or
    consumer GPU offers; there the launcher refuses them with an error naming both sizes."""
    needed = cu.attention._shared_memory_bytes(E, Ev, np.dtype(dtype).itemsize)
    available = cu.attention._shared_memory_limit(cupy.cuda.Device().id)
    if needed > available:
        with pytest.raises(ValueError, match=f"need {needed} bytes of shared memory per block, this GPU has {available}"):
            q = cupy.zeros((1, 1, E), dtype)
            cu.attention_forward(q, q, cupy.zeros((1, 1, Ev), dtype), None, 1.0, False)
        pytest.skip(f"E={E}, Ev={Ev} in {np.dtype(dtype)} need {needed} B of shared memory, this GPU has {available}")


@pytest.mark.parametrize("mask_shape", [(1, 9, 40), (3, 1, 40), (1, 1, 40)], ids=str)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_attention_reads_a_broadcast_mask_without_copying_it_out(mask_shape, dtype):
    """An (L, S) mask shared by every batch entry, or a (B, 1, S) padding mask shared by every
    query, arrives as a broadcast view: the kernels read it with stride 0 along that axis."""
    B, L, S, E = 3, 9, 40, 16
    rng = np.random.default_rng(8)
    q, k, v, go = (random(rng, shape, dtype) for shape in [(B, L, E), (B, S, E), (B, S, E), (B, L, E)])
    mask = random(rng, mask_shape, dtype)
    mask[rng.random(mask_shape) < 0.3] = -np.inf
    full_mask = np.ascontiguousarray(np.broadcast_to(mask, (B, L, S)))
    o_want, lse_want = ref.attention_forward(q, k, v, full_mask, 0.25, False)
    broadcast = cupy.broadcast_to(cupy.asarray(mask), (B, L, S))
    o, lse = cu.attention_forward(*(cupy.asarray(a) for a in (q, k, v)), broadcast, 0.25, False)
    assert_close(sum(lse), sum(lse_want), "attention lse, broadcast mask", factor=20)
    assert_close(o, o_want, "attention o, broadcast mask", factor=20)
    grads_want = ref.attention_backward(q, k, v, o_want, lse_want, go, full_mask, 0.25, False)
    lse_parts = tuple(cupy.asarray(part) for part in lse_want)
    grads = cu.attention_backward(*(cupy.asarray(a) for a in (q, k, v, o_want)), lse_parts, cupy.asarray(go),
                                  broadcast, 0.25, False)
    for name, got, want in zip(["gq", "gk", "gv"], grads, grads_want):
        assert_close(got, want, f"attention backward {name}, broadcast mask", factor=50)


def test_attention_fully_masked_rows_give_zero_output_and_minus_infinity_lse():
    B, L, S, E = 2, 20, 40, 8
    q, k, v = (cupy.ones(shape, np.float32) for shape in [(B, L, E), (B, S, E), (B, S, E)])
    mask = cupy.full((B, L, S), -np.inf, np.float32)
    mask[:, ::2, 3] = 0  # even rows keep one key, odd rows none
    o, lse = cu.attention_forward(q, k, v, mask, 1.0, False)
    log_sum = lse[1]
    assert bool(cupy.all(o[:, 1::2] == 0)) and bool(cupy.all(cupy.isneginf(log_sum[:, 1::2])))
    assert bool(cupy.all(o[:, ::2] == 1)) and bool(cupy.all(cupy.isfinite(log_sum[:, ::2])))
    grads = cu.attention_backward(q, k, v, o, lse, cupy.ones_like(o), mask, 1.0, False)
    assert all(bool(cupy.isfinite(g).all()) for g in grads)


# ----------------------------------------------------------------------------- optimizers

PARAM_SHAPES = [(3, 4), (1,), (5000,), (2, 3, 7)]  # 5000 spans three chunks of the kernel


def _param_lists(rng, dtype, count):
    """`count` lists of host arrays with PARAM_SHAPES (params, then grads or state)."""
    return [[random(rng, shape, dtype) for shape in PARAM_SHAPES] for _ in range(count)]


def _assert_lists_close(got_lists, want_lists, what, factor=10):
    for name, got, want in zip(what, got_lists, want_lists):
        for index, (g, w) in enumerate(zip(got, want)):
            assert_close(g, w, f"{name}[{index}]", factor)


@pytest.mark.parametrize(
    "momentum, dampening, weight_decay, nesterov",
    [(0.0, 0.0, 0.0, False), (0.9, 0.0, 0.0, False), (0.9, 0.1, 1e-2, False), (0.9, 0.0, 1e-2, True)],
)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("layout", ["contiguous", "strided"])
def test_sgd_step(momentum, dampening, weight_decay, nesterov, dtype, layout):
    rng = np.random.default_rng(8)
    params, buffers = _param_lists(rng, dtype, 2)
    device_params = [on_device(p, layout) for p in params]
    device_buffers = [on_device(b, layout) for b in buffers] if momentum else None
    host_buffers = buffers if momentum else None
    for step in range(3):
        grads = _param_lists(rng, dtype, 1)[0]
        args = (0.1, momentum, dampening, weight_decay, nesterov, step == 0)
        ref.sgd_step(params, grads, host_buffers, *args)
        cu.sgd_step(device_params, [on_device(g, layout) for g in grads], device_buffers, *args)
        _assert_lists_close([device_params], [params], ["param"])
        if momentum:
            _assert_lists_close([device_buffers], [buffers], ["momentum_buffer"])


@pytest.mark.parametrize("weight_decay, decoupled", [(0.0, False), (1e-2, False), (1e-2, True)],
                         ids=["adam", "adam_l2", "adamw"])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("layout", ["contiguous", "strided"])
def test_adam_step(weight_decay, decoupled, dtype, layout):
    rng = np.random.default_rng(9)
    params = _param_lists(rng, dtype, 1)[0]
    exp_avgs = [np.zeros_like(p) for p in params]
    exp_avg_sqs = [np.zeros_like(p) for p in params]
    device_lists = [[on_device(a, layout) for a in arrays] for arrays in (params, exp_avgs, exp_avg_sqs)]
    for step in range(1, 4):
        grads = _param_lists(rng, dtype, 1)[0]
        args = (step, 1e-3, 0.9, 0.999, 1e-8, weight_decay, decoupled)
        ref.adam_step(params, grads, exp_avgs, exp_avg_sqs, *args)
        cu.adam_step(device_lists[0], [on_device(g, layout) for g in grads], device_lists[1], device_lists[2], *args)
        _assert_lists_close(device_lists, [params, exp_avgs, exp_avg_sqs], ["param", "exp_avg", "exp_avg_sq"])


def test_optimizer_steps_handle_mixed_dtypes_in_one_list():
    rng = np.random.default_rng(10)
    params = [random(rng, (4, 5), np.float32), random(rng, (3,), np.float64), random(rng, (7,), np.float32)]
    grads = [random(rng, p.shape, p.dtype) for p in params]
    exp_avgs, exp_avg_sqs = [np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params]
    device_lists = [[cupy.asarray(a) for a in arrays] for arrays in (params, exp_avgs, exp_avg_sqs)]
    args = (1, 1e-2, 0.9, 0.999, 1e-8, 0.0, False)
    ref.adam_step(params, grads, exp_avgs, exp_avg_sqs, *args)
    cu.adam_step(device_lists[0], [cupy.asarray(g) for g in grads], device_lists[1], device_lists[2], *args)
    _assert_lists_close(device_lists, [params, exp_avgs, exp_avg_sqs], ["param", "exp_avg", "exp_avg_sq"])


# ----------------------------------------------------------------------------- extreme values


@pytest.mark.parametrize("magnitude", [-1e9, float(np.finfo(np.float32).min)])
def test_huge_magnitude_rows_keep_their_log_sum_exp(magnitude):
    """Rows whose values are all one huge number: softmax 1/C, loss log C (issue 12)."""
    logits = np.full((2, 3), magnitude, np.float32)
    target = np.array([1, 2])
    losses, lse = cu.cross_entropy_forward(cupy.asarray(logits), cupy.asarray(target), -100, 0.0)
    assert_close(losses, np.full(2, np.log(3), np.float32), "cross_entropy losses")
    glogits = cu.cross_entropy_backward(cupy.asarray(logits), cupy.asarray(target), lse,
                                        cupy.ones(2, np.float32), -100, 0.0)
    want = ref.cross_entropy_backward(logits, target, ref.cross_entropy_forward(
        logits, target, -100, 0.0)[1], np.ones(2, np.float32), -100, 0.0)
    assert_close(glogits, want, "cross_entropy backward")

    rng = np.random.default_rng(5)
    q, k, v, go = (random(rng, shape, np.float32) for shape in
                   [(1, 3, 8), (1, 4, 8), (1, 4, 8), (1, 3, 8)])
    mask = np.zeros((1, 3, 4), np.float32)
    mask[0, 1] = magnitude  # row 1: every key equally (hugely) penalised -> uniform weights
    o, lse = cu.attention_forward(*(cupy.asarray(a) for a in (q, k, v, mask)), 0.5, False)
    o_want, lse_want = ref.attention_forward(q, k, v, mask, 0.5, False)
    assert_close(o, o_want, "attention o", factor=20)
    grads = cu.attention_backward(*(cupy.asarray(a) for a in (q, k, v)), o, lse, cupy.asarray(go),
                                  cupy.asarray(mask), 0.5, False)
    for name, got, want in zip(["gq", "gk", "gv"], grads,
                               ref.attention_backward(q, k, v, o_want, lse_want, go, mask, 0.5, False)):
        assert_close(got, want, f"attention backward {name}", factor=50)


def test_nan_and_inf_propagate_like_the_reference():
    """A NaN in a query row and an inf in a key give NaN where the reference has NaN (issue 12)."""
    rng = np.random.default_rng(6)
    q, k, v, go = (random(rng, shape, np.float32) for shape in
                   [(2, 3, 8), (2, 4, 8), (2, 4, 8), (2, 3, 8)])
    q[0, 1, 0] = np.nan
    k[1, 2, 0] = np.inf
    o_want, lse_want = ref.attention_forward(q, k, v, None, 0.5, False)
    o, lse = cu.attention_forward(*(cupy.asarray(a) for a in (q, k, v)), None, 0.5, False)
    assert_close(o, o_want, "attention o with NaN and inf", factor=20)
    grads = cu.attention_backward(*(cupy.asarray(a) for a in (q, k, v)), cupy.asarray(o_want),
                                  tuple(cupy.asarray(part) for part in lse_want), cupy.asarray(go),
                                  None, 0.5, False)
    for name, got, want in zip(["gq", "gk", "gv"], grads,
                               ref.attention_backward(q, k, v, o_want, lse_want, go, None, 0.5, False)):
        assert_close(got, want, f"attention backward {name} with NaN and inf", factor=50)
    logits = np.array([[np.nan, 1, 2], [1, 2, 3]], np.float32)
    losses, _ = cu.cross_entropy_forward(cupy.asarray(logits), cupy.asarray(np.array([1, 0])), -100, 0.0)
    assert_close(losses, ref.cross_entropy_forward(logits, np.array([1, 0]), -100, 0.0)[0], "ce NaN")
