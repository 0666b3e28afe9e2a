// Softmax and log-softmax over the last axis of a contiguous (rows, cols) array.
// NumPy twins: softmax_forward, log_softmax_forward, softmax_backward, log_softmax_backward in
// kernels/reference.py.
//
// One thread block per row. The forward reads the row twice: pass 1 streams it once to get
// the row's max and sum of exponentials together (online softmax, see MaxSum in common.cuh),
// pass 2 writes the outputs. NumPy needs five passes (max, subtract, exp, sum, divide).
#include "common.cuh"

// y = exp(x - max) / sum        (LOG = false)
// y = x - max - log(sum)        (LOG = true)
// A row of all -inf has max = -inf and sum = 0, and gives NaN, as in PyTorch.
template <typename T, bool LOG>
__global__ void softmax_forward(const T* __restrict__ x, T* __restrict__ y, int cols)
{
    const long long offset = (long long)blockIdx.x * cols;
    x += offset;
    y += offset;

    MaxSum<T> stats = max_sum_identity<T>();
    for (int c = threadIdx.x; c < cols; c += blockDim.x) max_sum_add(stats, x[c]);
    stats = block_max_sum(stats);

    if (LOG) {
        // (x - max) first: with logits near 1e4, max + log(sum) would round away small outputs
        const T log_sum = log(stats.sum);
        for (int c = threadIdx.x; c < cols; c += blockDim.x) y[c] = (x[c] - stats.max) - log_sum;
    } else {
        for (int c = threadIdx.x; c < cols; c += blockDim.x) y[c] = exp(x[c] - stats.max) / stats.sum;
    }
}

// softmax:      gx = y * (gy - sum_c gy_c * y_c)
// log-softmax:  gx = gy - exp(y) * sum_c gy_c          (y is the log-softmax output)
// Both need one row sum, then one elementwise pass.
template <typename T, bool LOG>
__global__ void softmax_backward(const T* __restrict__ y, const T* __restrict__ gy, T* __restrict__ gx,
                                 int cols)
{
    const long long offset = (long long)blockIdx.x * cols;
    y += offset;
    gy += offset;
    gx += offset;

    T partial = 0;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) partial += LOG ? gy[c] : gy[c] * y[c];
    const T total = block_sum(partial);

    for (int c = threadIdx.x; c < cols; c += blockDim.x)
        gx[c] = LOG ? gy[c] - exp(y[c]) * total : y[c] * (gy[c] - total);
}
