"""Checks of the reference kernels themselves, against math written out independently.

Backward kernels are checked against central differences of their own forward in float64,
with a random upstream gradient; forwards against textbook formulas and hand-computed cases.
"""

import math

import numpy as np
import pytest

from minidl.kernels import reference as ref

pytestmark = pytest.mark.filterwarnings("error")  # a stray overflow or 0/0 warning is a bug


def numerical_gradient(f, x, gy, h=1e-6):
    """d(sum(f(x) * gy))/dx by central differences; x is float64 and is restored afterwards."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        plus = np.sum(f(x) * gy)
        x[index] = original - h
        minus = np.sum(f(x) * gy)
        x[index] = original
        grad[index] = (plus - minus) / (2 * h)
    return grad


def assert_gradient(name, analytic, numeric, rtol=1e-5, atol=1e-7):
    np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol,
                               err_msg=f"{name}: analytic gradient != central differences")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


# ----------------------------------------------------------------------------- elementwise

# name -> (forward, backward, whether the backward takes the forward's output y instead of x)
ELEMENTWISE = {
    "relu": (ref.relu_forward, ref.relu_backward, False),
    "sigmoid": (ref.sigmoid_forward, ref.sigmoid_backward, True),
    "tanh": (ref.tanh_forward, ref.tanh_backward, True),
    "gelu-erf": (lambda x: ref.gelu_forward(x, "none"),
                 lambda x, gy: ref.gelu_backward(x, gy, "none"), False),
    "gelu-tanh": (lambda x: ref.gelu_forward(x, "tanh"),
                  lambda x, gy: ref.gelu_backward(x, gy, "tanh"), False),
    "softmax": (ref.softmax_forward, ref.softmax_backward, True),
    "log_softmax": (ref.log_softmax_forward, ref.log_softmax_backward, True),
}


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_backward_matches_central_differences(name, rng):
    forward, backward, takes_output = ELEMENTWISE[name]
    x = rng.standard_normal((3, 5)) * 2
    x[np.abs(x) < 1e-3] = 0.5  # keep away from relu's kink
    gy = rng.standard_normal(x.shape)
    analytic = backward(forward(x) if takes_output else x, gy)
    assert_gradient(name, analytic, numerical_gradient(forward, x, gy))


def test_activation_values():
    x = np.array([-1e4, -2.0, 0.0, 3.0, 1e4])
    np.testing.assert_array_equal(ref.relu_forward(x), [0, 0, 0, 3, 1e4])
    np.testing.assert_allclose(ref.sigmoid_forward(x), [0, 1 / (1 + math.e**2), 0.5, 1 / (1 + math.e**-3), 1])
    np.testing.assert_allclose(ref.gelu_forward(x, "none"),
                               [x_ * (1 + math.erf(x_ / math.sqrt(2))) / 2 for x_ in x])
    np.testing.assert_allclose(ref.gelu_forward(x, "tanh"), ref.gelu_forward(x, "none"), atol=1e-3)
    assert ref.sigmoid_forward(x.astype(np.float32)).dtype == np.float32


def test_softmax_edge_rows():
    x = np.array([[1e4, -1e4, 0.0], [-np.inf, 0.0, -np.inf], [-np.inf] * 3])
    y = ref.softmax_forward(x)
    np.testing.assert_array_equal(y[0], [1, 0, 0])
    np.testing.assert_array_equal(y[1], [0, 1, 0])
    assert np.isnan(y[2]).all() and np.isnan(ref.log_softmax_forward(x)[2]).all()
    np.testing.assert_allclose(np.exp(ref.log_softmax_forward(x[:2])), y[:2])


# ----------------------------------------------------------------------------- cross-entropy


def test_cross_entropy_hand_computed():
    logits = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    losses, (row_max, log_sum) = ref.cross_entropy_forward(logits, np.array([2, 0]), -100, 0.0)
    lse = row_max + log_sum
    lse0 = math.log(math.e + math.e**2 + math.e**3)
    np.testing.assert_allclose(lse, [lse0, math.log(3)])
    np.testing.assert_allclose(losses, [lse0 - 3, math.log(3)])


def test_cross_entropy_label_smoothing_and_ignore_index():
    logits = np.array([[1.0, 2.0, 3.0], [5.0, -1.0, 0.5], [0.3, 0.2, 0.1]])
    target = np.array([0, -1, 1])
    s = 0.2
    losses, lse = ref.cross_entropy_forward(logits, target, -1, s)
    row_max, log_sum = lse
    # the loss against the smoothed target distribution q = (1 - s) onehot + s / C
    log_probs = logits - (row_max + log_sum)[:, None]
    for i in (0, 2):
        q = np.full(3, s / 3)
        q[target[i]] += 1 - s
        np.testing.assert_allclose(losses[i], -(q * log_probs[i]).sum())
    assert losses[1] == 0
    grad = ref.cross_entropy_backward(logits, target, lse, np.ones(3), -1, s)
    np.testing.assert_array_equal(grad[1], 0)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_cross_entropy_backward_matches_central_differences(label_smoothing, rng):
    logits = rng.standard_normal((4, 5))
    target = np.array([1, -100, 4, 0])
    grad_losses = rng.standard_normal(4)
    _, lse = ref.cross_entropy_forward(logits, target, -100, label_smoothing)
    analytic = ref.cross_entropy_backward(logits, target, lse, grad_losses, -100, label_smoothing)
    numeric = numerical_gradient(
        lambda x: ref.cross_entropy_forward(x, target, -100, label_smoothing)[0], logits, grad_losses)
    assert_gradient("cross_entropy", analytic, numeric)


def test_cross_entropy_all_ignored():
    losses, _ = ref.cross_entropy_forward(np.ones((2, 3)), np.array([-100, -100]), -100, 0.1)
    np.testing.assert_array_equal(losses, 0)


# ----------------------------------------------------------------------------- layer norm


def test_layer_norm_matches_textbook(rng):
    x, weight, bias = rng.standard_normal((4, 6)), rng.standard_normal(6), rng.standard_normal(6)
    y, mean, rstd = ref.layer_norm_forward(x, weight, bias, 1e-5)
    expected = (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(y, expected * weight + bias)
    np.testing.assert_allclose(mean, x.mean(1))
    np.testing.assert_allclose(rstd, 1 / np.sqrt(x.var(1) + 1e-5))


@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_backward_matches_central_differences(affine, rng):
    x = rng.standard_normal((3, 5))
    weight, bias = (rng.standard_normal(5), rng.standard_normal(5)) if affine else (None, None)
    gy = rng.standard_normal(x.shape)
    _, mean, rstd = ref.layer_norm_forward(x, weight, bias, 1e-5)
    gx, gweight, gbias = ref.layer_norm_backward(gy, x, weight, mean, rstd)
    assert_gradient("layer_norm x", gx, numerical_gradient(
        lambda x_: ref.layer_norm_forward(x_, weight, bias, 1e-5)[0], x, gy))
    if not affine:
        assert gweight is None and gbias is None
        return
    assert_gradient("layer_norm weight", gweight, numerical_gradient(
        lambda w: ref.layer_norm_forward(x, w, bias, 1e-5)[0], weight, gy))
    assert_gradient("layer_norm bias", gbias, numerical_gradient(
        lambda b: ref.layer_norm_forward(x, weight, b, 1e-5)[0], bias, gy))


# ----------------------------------------------------------------------------- dropout


def splitmix64_with_python_ints(z):
    mask64 = 2**64 - 1
    z ^= z >> 30
    z = (z * 0xBF58476D1CE4E5B9) & mask64
    z ^= z >> 27
    z = (z * 0x94D049BB133111EB) & mask64
    return z ^ (z >> 31)


def test_dropout_hash_matches_python_integers():
    seed = 2**63 + 12345  # large seeds exercise the wraparound
    u = ref.dropout_uniform((2, 3), seed)
    for i in range(6):
        z = splitmix64_with_python_ints((seed + (i + 1) * 0x9E3779B97F4A7C15) % 2**64)
        assert u.flat[i] == (z >> 40) * 2.0**-24


def test_dropout_mask_and_scaling(rng):
    x = rng.standard_normal((100, 100)).astype(np.float32)
    y, keep = ref.dropout_forward(x, 0.3, seed=7)
    assert y.dtype == np.float32 and keep.dtype == bool
    assert abs(keep.mean() - 0.7) < 0.02
    np.testing.assert_allclose(y, np.where(keep, x / np.float32(0.7), 0), rtol=1e-6)
    np.testing.assert_array_equal(keep, ref.dropout_forward(x, 0.3, seed=7)[1])
    assert not np.array_equal(keep, ref.dropout_forward(x, 0.3, seed=8)[1])
    gy = rng.standard_normal(x.shape).astype(np.float32)
    np.testing.assert_array_equal(ref.dropout_backward(gy, keep, 0.3), np.where(keep, gy * np.float32(1 / 0.7), 0))
    assert ref.dropout_forward(x, 0.0, 1)[1].all() and not ref.dropout_forward(x, 1.0, 1)[1].any()


# ----------------------------------------------------------------------------- embedding


def test_embedding_forward_and_backward_sum_repeated_indices(rng):
    weight = rng.standard_normal((5, 3))
    indices = np.array([[0, 2], [2, 2]])
    np.testing.assert_array_equal(ref.embedding_forward(weight, indices), weight[indices])
    gy = rng.standard_normal((2, 2, 3))
    gweight = ref.embedding_backward(indices, gy, 5)
    np.testing.assert_allclose(gweight[2], gy[0, 1] + gy[1, 0] + gy[1, 1])
    np.testing.assert_array_equal(gweight[[1, 3, 4]], 0)


# ----------------------------------------------------------------------------- attention


def naive_attention(q, k, v, mask, scale, causal):
    """softmax(Q K^T * scale + mask) V, one query row at a time, in plain Python loops."""
    batch, num_queries, _ = q.shape
    o = np.zeros((batch, num_queries, v.shape[2]))
    lse = np.full((batch, num_queries), -np.inf)
    for b in range(batch):
        for i in range(num_queries):
            scores = [scale * q[b, i] @ k[b, j] + (mask[b, i, j] if mask is not None else 0)
                      for j in range(k.shape[1])]
            allowed = [j for j, s in enumerate(scores) if s != -np.inf and (not causal or j <= i)]
            if not allowed:
                continue
            top = max(scores[j] for j in allowed)
            weights = {j: math.exp(scores[j] - top) for j in allowed}
            total = sum(weights.values())
            lse[b, i] = top + math.log(total)
            o[b, i] = sum(weights[j] / total * v[b, j] for j in allowed)
    return o, lse


ATTENTION_CASES = {  # name -> (L, S, use a mask, causal)
    "plain": (4, 6, False, False),
    "masked": (4, 6, True, False),
    "causal-L<S": (3, 5, False, True),
    "causal-L>S": (5, 3, True, True),
}


def attention_inputs(rng, num_queries, num_keys, use_mask):
    q = rng.standard_normal((2, num_queries, 3))
    k = rng.standard_normal((2, num_keys, 3))
    v = rng.standard_normal((2, num_keys, 2))
    mask = None
    if use_mask:
        mask = np.where(rng.random((2, num_queries, num_keys)) < 0.3, -np.inf,
                        rng.standard_normal((2, num_queries, num_keys)))
        mask[1, 0, :] = -np.inf  # a fully masked row
    return q, k, v, mask


@pytest.mark.parametrize("case", ATTENTION_CASES)
def test_attention_forward_matches_naive(case, rng):
    num_queries, num_keys, use_mask, causal = ATTENTION_CASES[case]
    q, k, v, mask = attention_inputs(rng, num_queries, num_keys, use_mask)
    o, lse = ref.attention_forward(q, k, v, mask, 0.7, causal)
    expected_o, expected_lse = naive_attention(q, k, v, mask, 0.7, causal)
    np.testing.assert_allclose(o, expected_o, atol=1e-12)
    np.testing.assert_allclose(lse[0] + lse[1], expected_lse)


@pytest.mark.parametrize("case", ATTENTION_CASES)
def test_attention_backward_matches_central_differences(case, rng):
    num_queries, num_keys, use_mask, causal = ATTENTION_CASES[case]
    q, k, v, mask = attention_inputs(rng, num_queries, num_keys, use_mask)
    o, lse = ref.attention_forward(q, k, v, mask, 0.7, causal)
    go = rng.standard_normal(o.shape)
    gq, gk, gv = ref.attention_backward(q, k, v, o, lse, go, mask, 0.7, causal)
    for name, analytic, wrt in (("q", gq, q), ("k", gk, k), ("v", gv, v)):
        def output(changed, name=name):
            inputs = {"q": q, "k": k, "v": v} | {name: changed}
            return ref.attention_forward(inputs["q"], inputs["k"], inputs["v"], mask, 0.7, causal)[0]
        assert_gradient(f"attention {case} d{name}", analytic, numerical_gradient(output, wrt, go))


def test_attention_fully_masked_rows_are_zero_without_nan():
    q, k, v = np.ones((1, 2, 3)), np.ones((1, 4, 3)), np.ones((1, 4, 2))
    mask = np.zeros((1, 2, 4))
    mask[0, 1] = -np.inf
    o, lse = ref.attention_forward(q, k, v, mask, 1.0, False)
    np.testing.assert_array_equal(o[0, 1], 0)
    row_max, log_sum = lse
    assert log_sum[0, 1] == -np.inf and np.isfinite(row_max[0, 0] + log_sum[0, 0])
    grads = ref.attention_backward(q, k, v, o, lse, np.ones_like(o), mask, 1.0, False)
    assert all(np.isfinite(g).all() for g in grads)
    np.testing.assert_array_equal(grads[0][0, 1], 0)


# ----------------------------------------------------------------------------- optimizers


@pytest.mark.parametrize("momentum, dampening, weight_decay, nesterov", [
    (0.0, 0.0, 0.0, False), (0.9, 0.0, 0.0, False), (0.9, 0.3, 0.01, False), (0.9, 0.0, 0.01, True),
])
def test_sgd_matches_pytorch_formulas(momentum, dampening, weight_decay, nesterov):
    lr, grads = 0.1, [0.5, -1.0, 2.0]  # one scalar parameter, three steps
    param, buffer = np.array([1.0]), np.zeros(1)
    p, b = 1.0, 0.0
    for step, g in enumerate(grads):
        ref.sgd_step([param], [np.array([g])], [buffer] if momentum else None, lr, momentum,
                     dampening, weight_decay, nesterov, step == 0)
        d = g + weight_decay * p
        if momentum:
            b = d if step == 0 else momentum * b + (1 - dampening) * d
            d = d + momentum * b if nesterov else b
        p -= lr * d
        np.testing.assert_allclose(param, [p], rtol=1e-14)
        if momentum:
            np.testing.assert_allclose(buffer, [b], rtol=1e-14)


@pytest.mark.parametrize("decoupled", [False, True])
def test_adam_matches_pytorch_formulas(decoupled):
    lr, beta1, beta2, eps, weight_decay = 0.01, 0.9, 0.999, 1e-8, 0.1
    param, exp_avg, exp_avg_sq = np.array([1.0]), np.zeros(1), np.zeros(1)
    p, m, v = 1.0, 0.0, 0.0
    for step, g in enumerate([0.5, -1.0, 2.0], start=1):
        ref.adam_step([param], [np.array([g])], [exp_avg], [exp_avg_sq], step, lr, beta1, beta2,
                      eps, weight_decay, decoupled)
        if decoupled:
            p *= 1 - lr * weight_decay
        else:
            g += weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat, v_hat = m / (1 - beta1**step), v / (1 - beta2**step)
        p -= lr * m_hat / (math.sqrt(v_hat) + eps)
        np.testing.assert_allclose(param, [p], rtol=1e-12)
        np.testing.assert_allclose(exp_avg, [m], rtol=1e-14)
        np.testing.assert_allclose(exp_avg_sq, [v], rtol=1e-14)
