"""The reference kernels: plain NumPy, written to be read.

This file is the specification of every kernel in ``minidl.kernels`` (see the package docstring
for the interface) and the oracle the accelerated sets are tested against. Each forward sits
next to its backward, and each docstring gives the math. Speed is not a goal here; clarity and
exact edge-case behaviour (masked rows, ignored targets, extreme logits) are.

Arithmetic stays in the input's dtype: NumPy keeps ``float32_array * python_float`` in float32.
"""

import math

import numpy as np

# ----------------------------------------------------------------------------- activations


def relu_forward(x):
    """relu(x) = max(x, 0)."""
    return np.maximum(x, 0)


def relu_backward(x, gy):
    """d/dx relu(x) = 1 if x > 0 else 0."""
    return np.where(x > 0, gy, 0).astype(gy.dtype, copy=False)


def sigmoid_forward(x):
    """sigmoid(x) = 1 / (1 + exp(-x)), computed from exp(-|x|) so that exp never overflows."""
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))


def sigmoid_backward(y, gy):
    """d/dx sigmoid(x) = y * (1 - y), with y = sigmoid(x)."""
    return gy * y * (1 - y)


def tanh_forward(x):
    """tanh(x)."""
    return np.tanh(x)


def tanh_backward(y, gy):
    """d/dx tanh(x) = 1 - y^2, with y = tanh(x)."""
    return gy * (1 - y * y)


_erf = np.vectorize(math.erf, otypes=[np.float64])  # NumPy has no erf ufunc
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_GELU_CUBIC = 0.044715


def gelu_forward(x, approximate):
    """gelu(x) = x * Phi(x), Phi the standard normal CDF = (1 + erf(x / sqrt 2)) / 2.

    approximate="tanh": Phi(x) ~ (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))) / 2.
    """
    if approximate == "tanh":
        inner = _SQRT_2_OVER_PI * (x + _GELU_CUBIC * x**3)
        return 0.5 * x * (1 + np.tanh(inner))
    if approximate == "none":
        cdf = 0.5 * (1 + _erf(x / math.sqrt(2)).astype(x.dtype))
        return x * cdf
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def gelu_backward(x, gy, approximate):
    """d/dx gelu(x) = Phi(x) + x * phi(x), phi(x) = exp(-x^2 / 2) / sqrt(2 pi) the normal PDF.

    approximate="tanh", with t = tanh(u), u = sqrt(2/pi) (x + 0.044715 x^3):
    d/dx = (1 + t) / 2 + x / 2 * (1 - t^2) * sqrt(2/pi) * (1 + 3 * 0.044715 x^2).
    """
    if approximate == "tanh":
        t = np.tanh(_SQRT_2_OVER_PI * (x + _GELU_CUBIC * x**3))
        du_dx = _SQRT_2_OVER_PI * (1 + 3 * _GELU_CUBIC * x * x)
        # where tanh saturates (1 - t^2 = 0) the term is 0, also if x^2 overflowed du_dx to inf
        saturated_term = np.where(t * t == 1, 0, 0.5 * x * (1 - t * t) * du_dx)
        return gy * (0.5 * (1 + t) + saturated_term)
    if approximate == "none":
        cdf = 0.5 * (1 + _erf(x / math.sqrt(2)).astype(x.dtype))
        pdf = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
        return gy * (cdf + x * pdf)
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


# ----------------------------------------------------------------------------- softmax


def _logsumexp(x):
    """The log-sum-exp of each row (last axis) in two parts, lse = row_max + log_sum:

    row_max = max(x) (0 for an all -inf row), log_sum = log(sum(exp(x - row_max))). They are kept
    apart because log_sum vanishes next to a huge row_max: in float32 -1e9 + log(3) rounds to
    -1e9, and exp(x - lse) would then give probabilities of 1. An all -inf row has log_sum = -inf;
    a NaN or a +inf in a row makes its log_sum NaN, as PyTorch's logsumexp does. Returns
    (row_max, log_sum), each of x's shape without the last axis.
    """
    row_max = x.max(axis=-1, keepdims=True, initial=-np.inf)  # -inf for an empty row
    row_max = np.where(row_max == -np.inf, 0, row_max).astype(x.dtype, copy=False)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # log(0) = -inf, inf - inf
        log_sum = np.log(np.exp(x - row_max).sum(axis=-1))
    return row_max[..., 0], log_sum


def softmax_forward(x):
    """y = exp(x - m) / sum(exp(x - m)) over the last axis, m = max(x) so exp never overflows."""
    with np.errstate(invalid="ignore"):  # an all -inf row gives -inf - (-inf) = NaN, as PyTorch
        z = np.exp(x - x.max(axis=-1, keepdims=True, initial=-np.inf))  # initial: empty rows
    return z / z.sum(axis=-1, keepdims=True)


def softmax_backward(y, gy):
    """gx = y * (gy - sum(gy * y)), the Jacobian diag(y) - y y^T applied to gy."""
    return y * (gy - (gy * y).sum(axis=-1, keepdims=True))


def log_softmax_forward(x):
    """y = x - m - log(sum(exp(x - m))) over the last axis, m = max(x)."""
    with np.errstate(invalid="ignore", divide="ignore"):  # an all -inf row gives NaN, as PyTorch
        shifted = x - x.max(axis=-1, keepdims=True, initial=-np.inf)  # initial: empty rows
        return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def log_softmax_backward(y, gy):
    """gx = gy - softmax(x) * sum(gy), with softmax(x) = exp(y)."""
    return gy - np.exp(y) * gy.sum(axis=-1, keepdims=True)


# ----------------------------------------------------------------------------- cross-entropy


def cross_entropy_forward(logits, target, ignore_index, label_smoothing):
    """loss_i = (1 - s) * (lse_i - x[i, t_i]) + s * mean_c(lse_i - x[i, c]), lse_i = logsumexp(x_i).

    The target distribution is (1 - s) * onehot(t_i) + s / C; loss_i = 0 where t_i is ignored.
    Returns (losses, lse), lse = (row_max, log_sum) as ``_logsumexp`` gives it.
    """
    n, num_classes = logits.shape
    s = label_smoothing
    row_max, log_sum = _logsumexp(logits)
    ignored = target == ignore_index
    with np.errstate(invalid="ignore", over="ignore"):  # -3e38 - 3e38 = -inf; inf - inf = NaN
        shifted = logits - row_max[:, None]  # lse_i - x[i, c] = log_sum_i - shifted[i, c]
        picked = shifted[np.arange(n), np.where(ignored, 0, target)]  # any index if ignored
        losses = log_sum - picked
        if s != 0:  # skipped when 0, so that a -inf logit (a masked class) leaves the loss finite
            losses = (1 - s) * losses + s * (log_sum - shifted.mean(axis=1))
    return np.where(ignored, 0, losses).astype(logits.dtype, copy=False), (row_max, log_sum)


def cross_entropy_backward(logits, target, lse, grad_losses, ignore_index, label_smoothing):
    """d loss_i / d x[i, c] = softmax(x_i)_c - ((1 - s) * [c == t_i] + s / C); 0 for ignored rows."""
    n, num_classes = logits.shape
    s = label_smoothing
    ignored = target == ignore_index
    target_distribution = np.full_like(logits, s / num_classes)
    target_distribution[np.arange(n), np.where(ignored, 0, target)] += 1 - s
    row_max, log_sum = lse
    with np.errstate(invalid="ignore", over="ignore"):
        softmax = np.exp((logits - row_max[:, None]) - log_sum[:, None])
    glogits = (softmax - target_distribution) * grad_losses[:, None]
    return np.where(ignored[:, None], 0, glogits).astype(logits.dtype, copy=False)


# ----------------------------------------------------------------------------- layer norm


def layer_norm_forward(x, weight, bias, eps):
    """y = (x - mean) * rstd * weight + bias over the last axis, rstd = 1 / sqrt(var + eps).

    var is the biased variance mean((x - mean)^2). Returns (y, mean, rstd), mean and rstd (N,).
    """
    num_features = x.shape[1]
    with np.errstate(invalid="ignore"):  # D = 0: the mean of no features is 0 / 0 = NaN
        mean = x.sum(axis=1) / num_features
        var = ((x - mean[:, None]) ** 2).sum(axis=1) / num_features
    rstd = 1 / np.sqrt(var + eps)
    y = (x - mean[:, None]) * rstd[:, None]
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y, mean, rstd


def layer_norm_backward(gy, x, weight, mean, rstd):
    """With xhat = (x - mean) * rstd and g = gy * weight, over each row of D features:

    gx = rstd * (g - mean(g) - xhat * mean(g * xhat)),  gweight = sum_rows(gy * xhat),
    gbias = sum_rows(gy). gweight and gbias are None when weight is None.
    """
    xhat = (x - mean[:, None]) * rstd[:, None]
    g = gy * weight if weight is not None else gy
    num_features = x.shape[1]
    with np.errstate(invalid="ignore"):  # D = 0: means of no features (gx is empty anyway)
        g_mean = g.sum(axis=1, keepdims=True) / num_features
        g_xhat_mean = (g * xhat).sum(axis=1, keepdims=True) / num_features
    gx = rstd[:, None] * (g - g_mean - xhat * g_xhat_mean)
    if weight is None:
        return gx, None, None
    return gx, (gy * xhat).sum(axis=0), gy.sum(axis=0)


# ----------------------------------------------------------------------------- dropout


def _splitmix64(z):
    """The splitmix64 finaliser on a uint64 array (integer arrays wrap around mod 2**64)."""
    z = z ^ (z >> np.uint64(30))
    z = z * np.uint64(0xBF58476D1CE4E5B9)
    z = z ^ (z >> np.uint64(27))
    z = z * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def dropout_uniform(shape, seed):
    """One uniform number in [0, 1) per element, a pure function of (flat C-order index, seed).

    u_i = (splitmix64(seed + (i + 1) * 0x9E3779B97F4A7C15) >> 40) * 2**-24: the top 24 bits of
    the hash, so u_i is exact in float32 and float64 and every kernel set draws the same mask.
    """
    index = np.arange(math.prod(shape), dtype=np.uint64)  # 1-D: 0-d NumPy scalars warn on wraparound
    z = np.uint64(seed % 2**64) + (index + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
    return ((_splitmix64(z) >> np.uint64(40)) * 2.0**-24).reshape(shape)


def _dropout_scale(p, dtype):
    """1 / (1 - p) in the array's dtype; 0 when p == 1 (everything dropped)."""
    return dtype.type(1 / (1 - p) if p < 1 else 0)


def dropout_forward(x, p, seed):
    """keep_i = u_i >= p (probability 1 - p); y = x * keep / (1 - p). Returns (y, keep)."""
    keep = dropout_uniform(x.shape, seed) >= p
    return np.where(keep, x * _dropout_scale(p, x.dtype), 0).astype(x.dtype, copy=False), keep


def dropout_backward(gy, keep, p):
    """gx = gy * keep / (1 - p)."""
    return np.where(keep, gy * _dropout_scale(p, gy.dtype), 0).astype(gy.dtype, copy=False)


# ----------------------------------------------------------------------------- embedding


def embedding_forward(weight, indices):
    """out[..., :] = weight[indices[...], :] (the op checked 0 <= indices < V)."""
    return weight[indices]


def embedding_backward(indices, gy, num_embeddings):
    """gweight[v] = sum of gy[...] over every position where indices[...] == v."""
    gweight = np.zeros((num_embeddings, gy.shape[-1]), dtype=gy.dtype)
    np.add.at(gweight, indices.reshape(-1), gy.reshape(-1, gy.shape[-1]))
    return gweight


# ----------------------------------------------------------------------------- attention


def _attention_probabilities(q, k, mask, scale, causal):
    """P = softmax(scale * Q K^T + mask) over keys, and lse, the log-sum-exp of each score row.

    Materialises the (B, L, S) scores, which the accelerated kernels avoid. Causal masking is
    top-left aligned: query i sees key j iff j <= i, also when L != S. A row with every key
    masked out gets P = 0 and log_sum = -inf. lse = (row_max, log_sum), see ``_logsumexp``.
    """
    scores = scale * (q @ k.transpose(0, 2, 1))
    if mask is not None:
        scores = scores + mask.astype(q.dtype, copy=False)
    if causal:
        num_queries, num_keys = scores.shape[1:]
        scores = np.where(np.tri(num_queries, num_keys, dtype=bool), scores, -np.inf)
    row_max, log_sum = _logsumexp(scores)
    fully_masked = np.isneginf(log_sum)[..., None]
    with np.errstate(invalid="ignore"):  # -inf - (-inf) in fully masked rows, replaced by 0
        exponent = (scores - row_max[..., None]) - log_sum[..., None]
        probabilities = np.where(fully_masked, 0, np.exp(exponent))
    return probabilities.astype(q.dtype, copy=False), (row_max, log_sum)


def attention_forward(q, k, v, mask, scale, causal):
    """o = softmax(scale * Q K^T + mask) V, per batch entry. Returns (o, lse)."""
    probabilities, lse = _attention_probabilities(q, k, mask, scale, causal)
    return probabilities @ v, lse


def attention_backward(q, k, v, o, lse, go, mask, scale, causal):
    """With P the attention probabilities and dP = dO V^T:

    dV = P^T dO;  dS = P * (dP - D), D_i = sum_j P_ij dP_ij = sum_e dO_ie O_ie (the softmax
    Jacobian);  dQ = scale * dS K;  dK = scale * dS^T Q. Rows with log_sum = -inf have P = 0 and
    so contribute nothing. (lse is recomputed here; the accelerated kernels reuse it.)
    """
    probabilities, _ = _attention_probabilities(q, k, mask, scale, causal)
    gv = probabilities.transpose(0, 2, 1) @ go
    gp = go @ v.transpose(0, 2, 1)
    row_dot = (go * o).sum(axis=-1, keepdims=True)
    gscores = probabilities * (gp - row_dot)
    gq = scale * (gscores @ k)
    gk = scale * (gscores.transpose(0, 2, 1) @ q)
    return gq, gk, gv


# ----------------------------------------------------------------------------- optimizers


def sgd_step(params, grads, momentum_buffers, lr, momentum, dampening, weight_decay, nesterov,
             first_step):
    """PyTorch's SGD, in place. Per parameter p with gradient g:

    g = g + weight_decay * p;  buf = g on the first step, else momentum * buf + (1 - dampening) * g;
    g = g + momentum * buf if nesterov else buf;  p = p - lr * g.
    """
    for index, (param, grad) in enumerate(zip(params, grads)):
        update = grad + weight_decay * param if weight_decay != 0 else grad
        if momentum != 0:
            buffer = momentum_buffers[index]
            if first_step:
                buffer[...] = update
            else:
                buffer[...] = momentum * buffer + (1 - dampening) * update
            update = update + momentum * buffer if nesterov else buffer
        param -= lr * update


def adam_step(params, grads, exp_avgs, exp_avg_sqs, step, lr, beta1, beta2, eps, weight_decay,
              decoupled):
    """PyTorch's Adam (decoupled=False) and AdamW (decoupled=True), in place. Per parameter:

    AdamW: p = p * (1 - lr * weight_decay);  Adam: g = g + weight_decay * p;
    m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g^2;
    p = p - lr / (1 - beta1^step) * m / (sqrt(v) / sqrt(1 - beta2^step) + eps).
    """
    bias_correction1 = 1 - beta1**step
    bias_correction2_sqrt = math.sqrt(1 - beta2**step)
    for param, grad, exp_avg, exp_avg_sq in zip(params, grads, exp_avgs, exp_avg_sqs):
        if decoupled:
            param *= 1 - lr * weight_decay
        elif weight_decay != 0:
            grad = grad + weight_decay * param
        exp_avg[...] = beta1 * exp_avg + (1 - beta1) * grad
        exp_avg_sq[...] = beta2 * exp_avg_sq + (1 - beta2) * grad * grad
        denominator = np.sqrt(exp_avg_sq) / bias_correction2_sqrt + eps
        param -= lr / bias_correction1 * exp_avg / denominator


# ----------------------------------------------------------------------------- quantized
# (issue 17: int8 dynamic quantization; the op is minidl/ops/quantized.py)


def quantized_matmul(a, a_zero_point, w):
    """The int8 matrix product of dynamic quantization, accumulated in int32.

    a (M, K) uint8 activations with zero point ``a_zero_point`` (their real value is
    a_scale * (a - a_zero_point)); w (N, K) int8 weights, symmetric (zero point 0), one row per
    output channel. Returns acc (M, N) int32 with acc[m, n] = sum_k (a[m, k] - zp) * w[n, k];
    the op multiplies it by a_scale * w_scale[n] to get back to real numbers. int32 cannot
    overflow here for K < 2^31 / (255 * 128) = 65,793.
    """
    return (a.astype(np.int32) - np.int32(a_zero_point)) @ w.astype(np.int32).T


# ----------------------------------------------------------------------------- convolution, pooling, batch norm
# Written in their own module (images need more words than a row-wise kernel); part of this set.

from .reference_convolution import (  # noqa: E402
    avg_pool2d_backward, avg_pool2d_forward, batch_norm_backward, batch_norm_forward, col2im,
    im2col, max_pool2d_backward, max_pool2d_forward,
)
