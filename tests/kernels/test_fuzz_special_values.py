"""A differential fuzz test: every CPU kernel (minidl.kernels.cpu) against its reference twin on
inputs full of the values that break kernels: NaN, +-inf, +-1e30, denormals, signed zeros, with
empty axes and non-contiguous layouts. Outputs must agree (NaN where the reference has NaN, the
same infinities), and inputs must stay untouched. test_cpu_parity.py covers ordinary values
with tight tolerances; this file covers the edges."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minidl.kernels import cpu
from minidl.kernels import reference as ref

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # overflow, inf - inf...
fuzz = settings(max_examples=40, deadline=None)

SPECIAL = [np.nan, np.inf, -np.inf, 1e30, -1e30, 1e-40, -1e-40, 0.0, -0.0]
# upstream gradients without +-1e30: a sum such as 1e30 + 0.4 - 1e30 gives 0 or 0.4 depending on
# the order of the additions, which differs between the sets (both are right to rounding)
GRAD_SPECIAL = [np.nan, np.inf, -np.inf, 1e-40, -1e-40, 0.0, -0.0]
# float32 sums of huge terms cancel differently in float32 (reference) and float64 (cpu)
TOLERANCE = {np.float32: dict(rtol=1e-3, atol=1e-5), np.float64: dict(rtol=1e-9, atol=1e-12)}


@st.composite
def arrays(draw, min_dims=1, max_dims=3, max_side=6, min_side=0, shape=None, specials=SPECIAL,
           dtype=None):
    """An array of standard normal values with special values sprinkled in, in a random layout."""
    if shape is None:
        shape = tuple(draw(st.lists(st.integers(min_side, max_side), min_size=min_dims,
                                    max_size=max_dims)))
    dtype = dtype or draw(st.sampled_from([np.float32, np.float64]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = rng.standard_normal(shape)
    share = draw(st.sampled_from([0.0, 0.1, 0.5]))
    where = rng.random(shape) < share
    values[where] = rng.choice(specials, size=int(where.sum()))
    values = values.astype(dtype)
    layout = draw(st.sampled_from(["contiguous", "transposed", "strided"]))
    if layout == "transposed" and values.ndim >= 2:
        return np.ascontiguousarray(values.swapaxes(-1, -2)).swapaxes(-1, -2)
    if layout == "strided" and values.ndim >= 1:
        wide = np.zeros(shape[:-1] + (2 * shape[-1],), dtype=dtype)
        wide[..., ::2] = values
        return wide[..., ::2]
    return values


def same(name, got, want):
    """Equal up to rounding, NaN where the reference has NaN, infinities of the same sign."""
    if isinstance(want, tuple) or want is None:
        assert isinstance(got, tuple) or got is None, name
        for index, (g, w) in enumerate(zip(got or (), want or (), strict=True)):
            same(f"{name}[{index}]", g, w)
        return
    assert got.dtype == want.dtype and got.shape == want.shape, name
    if want.dtype.kind != "f":
        np.testing.assert_array_equal(got, want, err_msg=f"{name}: cpu != reference")
        return
    np.testing.assert_allclose(got, want, err_msg=f"{name}: cpu != reference",
                               **TOLERANCE[want.dtype.type])


def both(name, call, *arrays_in):
    before = [a.copy() for a in arrays_in]
    got, want = call(cpu, *arrays_in), call(ref, *arrays_in)
    for original, after in zip(before, arrays_in):
        np.testing.assert_array_equal(after, original, err_msg=f"{name} modified an input")
    same(name, got, want)
    return want


@pytest.mark.parametrize("name, takes_output, extra", [
    ("relu", False, ()), ("sigmoid", True, ()), ("tanh", True, ()), ("softmax", True, ()),
    ("log_softmax", True, ()), ("gelu", False, ("tanh",)), ("gelu", False, ("none",)),
])
@fuzz
@given(data=st.data())
def test_elementwise_and_softmax(name, takes_output, extra, data):
    x = data.draw(arrays())
    gy = data.draw(arrays(shape=x.shape, dtype=x.dtype.type, specials=GRAD_SPECIAL))
    y = both(f"{name}_forward", lambda ks, x: getattr(ks, f"{name}_forward")(x, *extra), x)
    saved = y if takes_output else x
    both(f"{name}_backward", lambda ks, s, g: getattr(ks, f"{name}_backward")(s, g, *extra),
         saved, gy)


@fuzz
@given(data=st.data(), label_smoothing=st.sampled_from([0.0, 0.1]))
def test_cross_entropy(data, label_smoothing):
    logits = data.draw(arrays(min_dims=2, max_dims=2, min_side=1))
    target = np.random.default_rng(0).integers(0, logits.shape[1], logits.shape[0])
    target[::3] = -100
    grad_losses = data.draw(arrays(shape=logits.shape[:1], dtype=logits.dtype.type))
    _, lse = both("cross_entropy_forward",
                  lambda ks, x: ks.cross_entropy_forward(x, target, -100, label_smoothing), logits)
    both("cross_entropy_backward",
         lambda ks, x, g: ks.cross_entropy_backward(x, target, lse, g, -100, label_smoothing),
         logits, grad_losses)


@fuzz
@given(data=st.data(), affine=st.booleans())
def test_layer_norm(data, affine):
    # no +-1e30 in x: its square overflows the reference's float32 variance, while the cpu set
    # sums in float64 (the cpu result is the better one; the fuzz checks agreement)
    specials = [np.nan, np.inf, -np.inf, 1e-40, -1e-40, 0.0, -0.0]
    x = data.draw(arrays(min_dims=2, max_dims=2, specials=specials))
    width = x.shape[1]
    weight = data.draw(arrays(shape=(width,), dtype=x.dtype.type)) if affine else None
    bias = data.draw(arrays(shape=(width,), dtype=x.dtype.type)) if affine else None
    gy = data.draw(arrays(shape=x.shape, dtype=x.dtype.type, specials=GRAD_SPECIAL))
    _, mean, rstd = both("layer_norm_forward",
                         lambda ks, x: ks.layer_norm_forward(x, weight, bias, 1e-5), x)
    both("layer_norm_backward",
         lambda ks, g, x: ks.layer_norm_backward(g, x, weight, mean, rstd), gy, x)


@fuzz
@given(data=st.data(), p=st.sampled_from([0.0, 0.3, 1.0]))
def test_dropout(data, p):
    x = data.draw(arrays())
    _, keep = both("dropout_forward", lambda ks, x: ks.dropout_forward(x, p, 7), x)
    both("dropout_backward", lambda ks, g: ks.dropout_backward(g, keep, p), x)


@fuzz
@given(data=st.data())
def test_embedding(data):
    weight = data.draw(arrays(min_dims=2, max_dims=2, min_side=1))
    indices = np.random.default_rng(1).integers(0, weight.shape[0], (3, 2))
    both("embedding_forward", lambda ks, w: ks.embedding_forward(w, indices), weight)
    gy = data.draw(arrays(shape=(3, 2, weight.shape[1]), dtype=weight.dtype.type,
                          specials=GRAD_SPECIAL))
    both("embedding_backward", lambda ks, g: ks.embedding_backward(indices, g, weight.shape[0]),
         gy)


@fuzz
@given(data=st.data(), causal=st.booleans(), masked=st.booleans())
def test_attention(data, causal, masked):
    # no +-1e30 in q, k, v: dS = P * (dP - D) is rounding noise when D = dP, and dQ = dS K
    # multiplies that noise by 1e30 differently in each set (huge masks are drawn below)
    # NaN and inf only without masks: a NaN row poisons every key in the reference's full score
    # matrix, keys hidden by a mask included, while the cpu set never visits hidden blocks
    specials = [1e-40, -1e-40, 0.0, -0.0]
    if not (causal or masked):
        specials += [np.nan, np.inf, -np.inf]
    q = data.draw(arrays(min_dims=3, max_dims=3, max_side=5, specials=specials))
    batch, num_queries, width = q.shape
    dtype = q.dtype.type
    num_keys = data.draw(st.integers(0, 5))
    k = data.draw(arrays(shape=(batch, num_keys, width), dtype=dtype, specials=specials))
    # v finite: the reference multiplies masked-out values by P = 0 (0 * inf = NaN), the cpu set
    # skips the keys a causal mask hides; NaN and inf in q and k reach the scores either way
    v = data.draw(arrays(shape=(batch, num_keys, 3), dtype=dtype, specials=[1e-40, 0.0]))
    # an upstream gradient is finite here: a fully masked row contributes zero gradient by
    # contract (kernels/__init__.py), while NumPy's 0 * NaN in the reference would give NaN
    go = data.draw(arrays(shape=(batch, num_queries, 3), dtype=dtype, specials=[0.0]))
    mask = (data.draw(arrays(shape=(batch, num_queries, num_keys), dtype=dtype,
                             specials=[-np.inf, -1e9, -1e30, 0.0])) if masked else None)
    o, lse = both("attention_forward",
                  lambda ks, q, k, v: ks.attention_forward(q, k, v, mask, 0.5, causal), q, k, v)
    both("attention_backward",
         lambda ks, q, k, v, go: ks.attention_backward(q, k, v, o, lse, go, mask, 0.5, causal),
         q, k, v, go)


@fuzz
@given(data=st.data(), momentum=st.sampled_from([0.0, 0.9]), nesterov=st.booleans())
def test_sgd_step(data, momentum, nesterov):
    param = data.draw(arrays())
    grad = data.draw(arrays(shape=param.shape, dtype=param.dtype.type))
    results = []
    for ks in (cpu, ref):
        p, buffers = param.copy(), [np.zeros_like(param)] if momentum else None
        ks.sgd_step([p], [grad], buffers, 0.1, momentum, 0.0, 0.01, nesterov and momentum > 0,
                    True)
        results.append(p)
    same("sgd_step", results[0], results[1])


@fuzz
@given(data=st.data(), decoupled=st.booleans())
def test_adam_step(data, decoupled):
    param = data.draw(arrays())
    grad = data.draw(arrays(shape=param.shape, dtype=param.dtype.type))
    results = []
    for ks in (cpu, ref):
        p, m, v = param.copy(), np.zeros_like(param), np.zeros_like(param)
        ks.adam_step([p], [grad], [m], [v], 1, 1e-3, 0.9, 0.999, 1e-8, 0.01, decoupled)
        results.append((p, m, v))
    same("adam_step", tuple(results[0]), tuple(results[1]))
