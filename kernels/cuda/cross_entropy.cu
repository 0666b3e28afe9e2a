// Cross-entropy from logits, with ignore_index and label smoothing.
// NumPy twins: cross_entropy_forward, cross_entropy_backward in kernels/reference.py.
//
// Forward: one thread block per row, one pass over the row that gathers the three numbers the
// loss needs (max, sum of exponentials, and sum of logits for label smoothing), instead of
// materialising log_softmax(logits) as an (N, C) array and then gathering from it.
// Backward: one thread per logit, recomputing softmax from the saved log-sum-exp, kept in two
// parts, lse = row_max + log_sum (reference._logsumexp): log_sum would vanish next to a huge
// row_max in their sum (in float32, -1e9 + log 3 rounds to -1e9).
#include "common.cuh"

// loss_i = (1 - s) * (lse_i - logits[i, t_i]) + s * mean_c(lse_i - logits[i, c]), with
// lse_i - x = log_sum_i - (x - row_max_i) and mean_c(x) - row_max_i = sum_c logits[i, c] / C - row_max_i.
// An ignored row gets loss 0 (its lse is still written). A target outside [0, C) that is not
// ignore_index cannot raise an error from inside a kernel, so its loss is NaN, which is loud.
template <typename T>
__global__ void cross_entropy_forward(const T* __restrict__ logits, const long long* __restrict__ target,
                                      T* __restrict__ losses, T* __restrict__ row_max,
                                      T* __restrict__ log_sum, int classes,
                                      long long ignore_index, T smoothing)
{
    const long long row = blockIdx.x;
    const T* x = logits + row * classes;

    MaxSum<T> stats = max_sum_identity<T>();
    T partial_sum = 0;
    for (int c = threadIdx.x; c < classes; c += blockDim.x) {
        max_sum_add(stats, x[c]);
        partial_sum += x[c];
    }
    stats = block_max_sum(stats);
    const T logit_sum = block_sum(partial_sum);

    if (threadIdx.x != 0) return;
    const T shift = stats.max == negative_infinity<T>() ? T(0) : stats.max;
    const T row_log_sum = log(stats.sum);
    row_max[row] = shift;
    log_sum[row] = row_log_sum;
    const long long t = target[row];
    if (t == ignore_index) {
        losses[row] = T(0);
    } else if (t < 0 || t >= classes) {
        losses[row] = T(0) / T(0);  // NaN: invalid target
    } else {
        const T nll = row_log_sum - (x[t] - shift);
        losses[row] = smoothing == T(0)
                          ? nll
                          : (T(1) - smoothing) * nll + smoothing * (row_log_sum - (logit_sum / classes - shift));
    }
}

// d loss_i / d logits[i, c] = softmax_c - (1 - s) * [c == t_i] - s / C, scaled by grad_losses[i];
// zero for ignored rows. softmax_c = exp((logits[i, c] - row_max_i) - log_sum_i) reuses the forward's lse.
template <typename T>
__global__ void cross_entropy_backward(const T* __restrict__ logits, const long long* __restrict__ target,
                                       const T* __restrict__ row_max, const T* __restrict__ log_sum,
                                       const T* __restrict__ grad_losses,
                                       T* __restrict__ glogits, long long rows, int classes,
                                       long long ignore_index, T smoothing)
{
    const long long total = rows * classes;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;
         i += (long long)gridDim.x * blockDim.x) {
        const long long row = i / classes;
        const int c = (int)(i - row * classes);
        const long long t = target[row];
        if (t == ignore_index) {
            glogits[i] = T(0);
            continue;
        }
        T g = exp((logits[i] - row_max[row]) - log_sum[row]) - smoothing / classes;
        if (c == t) g -= T(1) - smoothing;
        glogits[i] = grad_losses[row] * g;
    }
}
