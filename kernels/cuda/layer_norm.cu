// Layer norm over the last axis of a contiguous (N, D) array.
// NumPy twins: layer_norm_forward, layer_norm_backward in kernels/reference.py.
//
// Forward: one thread block per row; the mean and the variance are two block reductions over
// the row (two-pass variance, sum((x - mean)^2), which stays accurate when |mean| >> std, unlike
// E[x^2] - E[x]^2), then one pass writes y. The row is small and stays in L1 between passes.
// Backward: one block per row for gx (two row sums fused into one pass), and a separate
// column-wise kernel for gweight and gbias, which sum over rows.
#include "common.cuh"

// xhat = (x - mean) * rstd, y = xhat * weight + bias, rstd = 1 / sqrt(var + eps) with the
// biased variance. weight and bias are always given here (the Python wrapper passes ones and
// zeros when the layer has none), so the kernel has no branches on them.
template <typename T>
__global__ void layer_norm_forward(const T* __restrict__ x, const T* __restrict__ weight,
                                   const T* __restrict__ bias, T* __restrict__ y, T* __restrict__ mean,
                                   T* __restrict__ rstd, int cols, T eps)
{
    const long long row = blockIdx.x;
    x += row * cols;
    y += row * cols;

    T partial = 0;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) partial += x[c];
    const T row_mean = block_sum(partial) / cols;

    partial = 0;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        const T centered = x[c] - row_mean;
        partial += centered * centered;
    }
    const T row_rstd = T(1) / sqrt(block_sum(partial) / cols + eps);

    for (int c = threadIdx.x; c < cols; c += blockDim.x)
        y[c] = (x[c] - row_mean) * row_rstd * weight[c] + bias[c];
    if (threadIdx.x == 0) {
        mean[row] = row_mean;
        rstd[row] = row_rstd;
    }
}

// With g = gy * weight (the gradient reaching xhat):
//   gx = rstd * (g - mean_c(g) - xhat * mean_c(g * xhat))
// The two means are accumulated in the same pass over the row.
template <typename T>
__global__ void layer_norm_backward_input(const T* __restrict__ gy, const T* __restrict__ x,
                                          const T* __restrict__ weight, const T* __restrict__ mean,
                                          const T* __restrict__ rstd, T* __restrict__ gx, int cols)
{
    const long long row = blockIdx.x;
    gy += row * cols;
    x += row * cols;
    gx += row * cols;
    const T row_mean = mean[row], row_rstd = rstd[row];

    T partial_g = 0, partial_g_xhat = 0;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        const T g = gy[c] * weight[c];
        partial_g += g;
        partial_g_xhat += g * (x[c] - row_mean) * row_rstd;
    }
    const T mean_g = block_sum(partial_g) / cols;
    const T mean_g_xhat = block_sum(partial_g_xhat) / cols;

    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        const T xhat = (x[c] - row_mean) * row_rstd;
        gx[c] = row_rstd * (gy[c] * weight[c] - mean_g - xhat * mean_g_xhat);
    }
}

// gweight[c] = sum_i gy[i, c] * xhat[i, c],  gbias[c] = sum_i gy[i, c]: sums down columns.
// Stage 1 (this kernel): block (bx, by) sums the rows of chunk `by` for the columns of `bx`,
// one thread per column (consecutive threads read consecutive addresses), and writes one
// partial sum per (chunk, column). Stage 2 (cupy.sum over chunks in Python) adds the partials.
// Every sum happens in a fixed order, so the result is bitwise reproducible, which atomicAdd
// (in whatever order blocks finish) would not be.
template <typename T>
__global__ void layer_norm_backward_params(const T* __restrict__ gy, const T* __restrict__ x,
                                           const T* __restrict__ mean, const T* __restrict__ rstd,
                                           T* __restrict__ partial_gweight, T* __restrict__ partial_gbias,
                                           long long rows, int cols, long long rows_per_chunk)
{
    const int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= cols) return;
    const long long first = blockIdx.y * rows_per_chunk;
    const long long last = min(first + rows_per_chunk, rows);

    T sum_gw = 0, sum_gb = 0;
    for (long long i = first; i < last; ++i) {
        const T g = gy[i * cols + c];
        sum_gw += g * (x[i * cols + c] - mean[i]) * rstd[i];
        sum_gb += g;
    }
    partial_gweight[blockIdx.y * (long long)cols + c] = sum_gw;
    partial_gbias[blockIdx.y * (long long)cols + c] = sum_gb;
}
