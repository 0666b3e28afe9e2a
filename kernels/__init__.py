"""minidl.kernels: the hot numerical routines, in three interchangeable sets.

- ``reference.py``: plain NumPy, written to be read. It is the specification and the test oracle.
- ``cpu/``: the same functions compiled with Numba (fused passes, parallel over rows).
- ``cuda/``: the same functions as CUDA C kernels launched through CuPy.

Every set exports the same names with the same signatures and return conventions: the table in
``interface.py``, which a test checks against every set. Arrays are NumPy arrays (reference,
cpu) or CuPy arrays (cuda); float32 and float64 are supported (float16 too: the cpu set computes
it in float32), and the output dtype equals the input dtype. Inputs are never modified, except
by the optimizer steps, which update their state in place. Inputs may be non-contiguous, and
any axis may have length 0. Kernels trust their inputs: the op layer has checked shapes,
dtypes, devices and index ranges once, so no kernel checks them again.

A log-sum-exp that a backward reuses (cross-entropy, attention) is saved as a pair
``lse = (row_max, log_sum)``, lse = row_max + log_sum with row_max the row's max (0 for a row
of -inf) and log_sum = log(sum(exp(x - row_max))): their sum would lose log_sum next to a huge
row_max (in float32, -1e9 + log 3 rounds to -1e9, and every probability exp(x - lse) to 1).
A NaN in a row makes that row's results NaN in every set.

Activations (elementwise, any shape)::

    relu_forward(x) -> y                          relu_backward(x, gy) -> gx
    sigmoid_forward(x) -> y                       sigmoid_backward(y, gy) -> gx
    tanh_forward(x) -> y                          tanh_backward(y, gy) -> gx
    gelu_forward(x, approximate) -> y             gelu_backward(x, gy, approximate) -> gx
        (approximate is "none" (erf form) or "tanh")

Softmax over the last axis (any leading shape)::

    softmax_forward(x) -> y                       softmax_backward(y, gy) -> gx
    log_softmax_forward(x) -> y                   log_softmax_backward(y, gy) -> gx
        (a row of all -inf gives a row of NaN, as in PyTorch)

Cross-entropy from logits, one loss per row (the op applies the reduction)::

    cross_entropy_forward(logits, target, ignore_index, label_smoothing) -> (losses, lse)
        logits (N, C) float, target (N,) int64; losses (N,) with 0 where target == ignore_index;
        lse = (row_max, log_sum), each (N,): the logsumexp of each row, saved for the backward.
        loss_i = (1 - s) * (lse_i - logits[i, t_i]) + s * mean_c(lse_i - logits[i, c])
    cross_entropy_backward(logits, target, lse, grad_losses, ignore_index, label_smoothing) -> glogits
        grad_losses (N,) is dL/dloss_i; rows whose target is ignored get zero gradient.

Layer norm over the last axis of a 2-D array (the op flattens leading axes)::

    layer_norm_forward(x, weight, bias, eps) -> (y, mean, rstd)
        x (N, D); weight, bias (D,) or None; mean, rstd (N,) with rstd = 1 / sqrt(var + eps)
        (biased variance).
    layer_norm_backward(gy, x, weight, mean, rstd) -> (gx, gweight, gbias)
        gweight and gbias are None when weight is None.

Dropout::

    dropout_forward(x, p, seed) -> (y, keep)      keep: bool array of x's shape, True with
                                                  probability 1 - p; y = x * keep / (1 - p)
    dropout_backward(gy, keep, p) -> gx           gx = gy * keep / (1 - p)
        The same (shape, p, seed) gives the same mask within one kernel set.

Embedding (rows gathered by index; the backward scatter-adds, summing repeated indices)::

    embedding_forward(weight, indices) -> out     weight (V, D), indices int64 of any shape,
                                                  out indices.shape + (D,)
    embedding_backward(indices, gy, num_embeddings) -> gweight   (V, D)

Attention (batch and head axes flattened into B by the op)::

    attention_forward(q, k, v, mask, scale, causal) -> (o, lse)
        q (B, L, E), k (B, S, E), v (B, S, Ev); mask None or a float array (B, L, S) added to
        the scores (-inf masks a position out); causal masks key j > query i (top-left aligned).
        o (B, L, Ev); lse = (row_max, log_sum), each (B, L): the log-sum-exp of each row of
        scaled, masked scores. A row whose keys are all masked out (also S = 0) gives o = 0
        and log_sum = -inf (never NaN).
    attention_backward(q, k, v, o, lse, go, mask, scale, causal) -> (gq, gk, gv)
        Rows with log_sum = -inf contribute zero gradient.

Optimizer updates (in place on every param and state array of the lists; PyTorch's formulas;
one call updates a whole list of parameters, which the CUDA set does in one launch)::

    sgd_step(params, grads, momentum_buffers, lr, momentum, dampening, weight_decay, nesterov,
             first_step)
        lists of equal length; momentum_buffers is None when momentum == 0; on first_step each
        buffer is set to the (decayed) gradient, as PyTorch initialises it.
    adam_step(params, grads, exp_avgs, exp_avg_sqs, step, lr, beta1, beta2, eps, weight_decay,
              decoupled)
        step is the 1-based step count after incrementing (shared by the list); decoupled=True
        is AdamW (param *= 1 - lr * weight_decay), False is Adam's L2 (grad += wd * param).

Quantized (int8 dynamic quantization, issue 17)::

    quantized_matmul(a, a_zero_point, w) -> acc
        a (M, K) uint8 with zero point a_zero_point (an int in [0, 255]), w (N, K) int8
        (symmetric, one row per output channel); acc (M, N) int32,
        acc[m, n] = sum_k (a[m, k] - a_zero_point) * w[n, k].
Convolution, pooling and batch norm (images are (N, C, H, W); the NumPy specification is in
``reference_convolution.py``, and the ops check the geometry before calling a kernel)::

    im2col(x, kernel_size, stride, padding, dilation) -> cols
        kernel_size (kh, kw), stride (sh, sw), dilation (dh, dw); padding ((top, bottom),
        (left, right)), zeros. cols (C * kh * kw, N * OH * OW): row (c, i, j), column (n, p, q)
        holds x[n, c, p * sh + i * dh - top, q * sw + j * dw - left] (0 in the padding), with
        OH = (H + top + bottom - dh * (kh - 1) - 1) // sh + 1 (and OW likewise).
    col2im(cols, input_shape, kernel_size, stride, padding, dilation) -> x
        the adjoint of im2col: every entry of cols added onto the pixel it came from.
    max_pool2d_forward(x, kernel_size, stride, padding, dilation, output_size) -> (y, indices)
        padding (ph, pw) symmetric, output_size (OH, OW) given by the op (ceil_mode); windows
        clipped to the image, each with at least one pixel of it (the op checks); indices int64 (N, C, OH, OW), the maximum's h * W + w (the first
        one in a tie).
    max_pool2d_backward(gy, indices, input_shape) -> gx    gy added at each window's maximum
    avg_pool2d_forward(x, kernel_size, stride, padding, output_size, count_include_pad) -> y
        window sum / divisor: the window's area clipped to the padded image
        (count_include_pad) or to the image; ceil_mode's overhang never counts.
    avg_pool2d_backward(gy, input_shape, kernel_size, stride, padding, output_size,
                        count_include_pad) -> gx
    batch_norm_forward(x, weight, bias, eps) -> (y, mean, var)
        training mode over x (N, C, L): per channel, mean and biased var over N and L;
        y = (x - mean) / sqrt(var + eps) * weight + bias; weight, bias (C,) or None.
    batch_norm_backward(gy, x, weight, mean, var, eps) -> (gx, gweight, gbias)
        gweight = sum(gy * xhat) and gbias = sum(gy), returned even when weight is None.

Dropout masks come from a counter-based hash, so every set draws the same mask for the same
(shape, p, seed): for flat C-order index i, ``z = splitmix64(seed + (i + 1) * 0x9E3779B97F4A7C15)``
(arithmetic mod 2**64, where splitmix64(z) = z ^= z >> 30; z *= 0xBF58476D1CE4E5B9;
z ^= z >> 27; z *= 0x94D049BB133111EB; z ^= z >> 31), ``u = (z >> 40) * 2**-24`` and
``keep = u >= p``.
"""
