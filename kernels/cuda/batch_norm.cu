// Training-mode batch norm of a contiguous (N, C, L) array, forward and backward.
// NumPy twins: batch_norm_forward, batch_norm_backward in kernels/reference_convolution.py.
//
// One thread block per channel: its N * L values are strided over by the block's threads (run
// by run of L consecutive values), and reduced with block_sum (common.cuh). The forward makes
// two passes for the statistics (two-pass variance) and one for y; the backward one pass for
// the two sums it needs, and one for gx. Sums are in a fixed order: the same bits every run.
#include "common.cuh"

// The index of value k (0 <= k < N * L) of channel c in the (N, C, L) array.
__device__ __forceinline__ long long channel_value(long long k, int c, int channels, int length)
{
    return (k / length * channels + c) * (long long)length + k % length;
}

// weight and bias are always given (the wrapper passes ones and zeros for a layer without).
template <typename T>
__global__ void batch_norm_forward(const T* __restrict__ x, const T* __restrict__ weight,
                                   const T* __restrict__ bias, T* __restrict__ y,
                                   T* __restrict__ mean, T* __restrict__ var, int batch,
                                   int channels, int length, T eps)
{
    const int c = blockIdx.x;
    const long long count = (long long)batch * length;
    T partial = 0;
    for (long long k = threadIdx.x; k < count; k += blockDim.x)
        partial += x[channel_value(k, c, channels, length)];
    const T channel_mean = block_sum(partial) / T(count);
    partial = 0;
    for (long long k = threadIdx.x; k < count; k += blockDim.x) {
        const T centered = x[channel_value(k, c, channels, length)] - channel_mean;
        partial += centered * centered;
    }
    const T channel_var = block_sum(partial) / T(count);
    const T scale = weight[c] / sqrt(channel_var + eps);
    const T shift = bias[c] - channel_mean * scale;
    for (long long k = threadIdx.x; k < count; k += blockDim.x) {
        const long long at = channel_value(k, c, channels, length);
        y[at] = x[at] * scale + shift;
    }
    if (threadIdx.x == 0) {
        mean[c] = channel_mean;
        var[c] = channel_var;
    }
}

// With g = gy * w: gx = rstd * (g - mean(g) - xhat * mean(g * xhat)),
// gweight = sum(gy * xhat), gbias = sum(gy).
template <typename T>
__global__ void batch_norm_backward(const T* __restrict__ gy, const T* __restrict__ x,
                                    const T* __restrict__ weight, const T* __restrict__ mean,
                                    const T* __restrict__ var, T* __restrict__ gx,
                                    T* __restrict__ gweight, T* __restrict__ gbias, int batch,
                                    int channels, int length, T eps)
{
    const int c = blockIdx.x;
    const long long count = (long long)batch * length;
    const T rstd = T(1) / sqrt(var[c] + eps), channel_mean = mean[c], w = weight[c];
    T partial_gy = 0, partial_gy_xhat = 0;
    for (long long k = threadIdx.x; k < count; k += blockDim.x) {
        const long long at = channel_value(k, c, channels, length);
        partial_gy += gy[at];
        partial_gy_xhat += gy[at] * (x[at] - channel_mean) * rstd;
    }
    const T sum_gy = block_sum(partial_gy);
    const T sum_gy_xhat = block_sum(partial_gy_xhat);
    const T mean_g = w * sum_gy / T(count), mean_g_xhat = w * sum_gy_xhat / T(count);
    for (long long k = threadIdx.x; k < count; k += blockDim.x) {
        const long long at = channel_value(k, c, channels, length);
        const T xhat = (x[at] - channel_mean) * rstd;
        gx[at] = rstd * (w * gy[at] - mean_g - xhat * mean_g_xhat);
    }
    if (threadIdx.x == 0) {
        gweight[c] = sum_gy_xhat;
        gbias[c] = sum_gy;
    }
}
