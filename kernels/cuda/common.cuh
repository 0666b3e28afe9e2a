// Small device helpers shared by the row-wise kernels (softmax, cross-entropy, layer norm,
// attention). Python inlines this file in place of `#include "common.cuh"` before NVRTC
// compiles a module, so that CuPy's on-disk cache (keyed on the source text) sees edits here.
//
// No standard headers: NVRTC compiles without a host C++ library, and the CUDA math functions
// (exp, log, sqrt, ...) it provides are overloaded for float and double.
#pragma once

constexpr unsigned FULL_WARP = 0xffffffffu;
constexpr int WARP_SIZE = 32;

// -inf of type T. The masks of attention and the all -inf rows of softmax depend on it.
template <typename T> __device__ __forceinline__ T negative_infinity();
template <> __device__ __forceinline__ float negative_infinity<float>()
{
    return __int_as_float(0xff800000);
}
template <> __device__ __forceinline__ double negative_infinity<double>()
{
    return __longlong_as_double(0xfff0000000000000LL);
}

// Sum of v over the 32 lanes of a warp; every lane receives the total. The butterfly pattern
// (xor) adds the values in the same order on every lane, so the result is bitwise identical
// across lanes and across runs.
template <typename T> __device__ __forceinline__ T warp_sum(T v)
{
    for (int offset = WARP_SIZE / 2; offset > 0; offset /= 2)
        v += __shfl_xor_sync(FULL_WARP, v, offset);
    return v;
}

// max(a, b), NaN if either is NaN (fmax would drop it), as NumPy's max in the reference
template <typename T> __device__ __forceinline__ T nan_max(T a, T b)
{
    return (a != a || b != b) ? a + b : fmax(a, b);
}

template <typename T> __device__ __forceinline__ T warp_max(T v)
{
    for (int offset = WARP_SIZE / 2; offset > 0; offset /= 2)
        v = nan_max(v, __shfl_xor_sync(FULL_WARP, v, offset));
    return v;
}

// Sum of v over the whole block (blockDim.x a multiple of 32, at most 1024); every thread
// receives the total. Each warp reduces its own values with shuffles, warp leaders park the 32
// partial sums in shared memory, and then every warp reduces those partials again, so no
// second broadcast round is needed.
template <typename T> __device__ T block_sum(T v)
{
    __shared__ T partials[WARP_SIZE];
    const int lane = threadIdx.x % WARP_SIZE, warp = threadIdx.x / WARP_SIZE;
    v = warp_sum(v);
    __syncthreads();  // a previous block_sum call may still be reading `partials`
    if (lane == 0) partials[warp] = v;
    __syncthreads();
    v = lane < blockDim.x / WARP_SIZE ? partials[lane] : T(0);
    return warp_sum(v);
}

// ---- Online (streaming) softmax statistics -------------------------------------------------
// A running pair (max, sum) with sum = sum_k exp(x_k - max) over the values seen so far. It
// lets a thread see each value once: when a larger value arrives, the old sum is rescaled by
// exp(old_max - new_max) instead of being recomputed. -inf values contribute exp(-inf) = 0, and
// a pair that has seen only -inf stays (-inf, 0) instead of producing exp(-inf - -inf) = NaN.
// A value equal to the max contributes exp(0) = 1 even when both are +inf (exp(inf - inf) would
// be NaN), so a row holding +inf has max +inf, a finite sum, and log-sum-exp +inf, as in NumPy.
template <typename T> struct MaxSum {
    T max;
    T sum;
};

template <typename T> __device__ __forceinline__ MaxSum<T> max_sum_identity()
{
    return {negative_infinity<T>(), T(0)};
}

// exp(x - max) for x <= max, with exp(max - max) = 1 also for max = +inf.
template <typename T> __device__ __forceinline__ T exp_below_max(T x, T max)
{
    return x == max ? T(1) : exp(x - max);
}

template <typename T> __device__ __forceinline__ void max_sum_add(MaxSum<T>& acc, T x)
{
    if (x > acc.max) {
        acc.sum = acc.sum * exp(acc.max - x) + exp(x - x);  // 1, or NaN for x = +inf (reference)
        acc.max = x;
    } else if (x > negative_infinity<T>()) {
        acc.sum += exp_below_max(x, acc.max);
    } else if (x != x) {
        acc.sum = x;  // NaN poisons the row, as it does in the NumPy reference
    }
}

template <typename T> __device__ __forceinline__ MaxSum<T> max_sum_merge(MaxSum<T> a, MaxSum<T> b)
{
    const T m = fmax(a.max, b.max);
    if (m == negative_infinity<T>()) return {m, a.sum + b.sum};  // both empty (sums are 0 or NaN)
    return {m, a.sum * exp_below_max(a.max, m) + b.sum * exp_below_max(b.max, m)};
}

template <typename T> __device__ __forceinline__ MaxSum<T> warp_max_sum(MaxSum<T> v)
{
    for (int offset = WARP_SIZE / 2; offset > 0; offset /= 2) {
        MaxSum<T> other = {__shfl_xor_sync(FULL_WARP, v.max, offset),
                           __shfl_xor_sync(FULL_WARP, v.sum, offset)};
        v = max_sum_merge(v, other);
    }
    return v;
}

// The block-wide (max, sum) of a row; every thread receives it. Same scheme as block_sum.
template <typename T> __device__ MaxSum<T> block_max_sum(MaxSum<T> v)
{
    __shared__ T partial_max[WARP_SIZE];
    __shared__ T partial_sum[WARP_SIZE];
    const int lane = threadIdx.x % WARP_SIZE, warp = threadIdx.x / WARP_SIZE;
    v = warp_max_sum(v);
    __syncthreads();
    if (lane == 0) {
        partial_max[warp] = v.max;
        partial_sum[warp] = v.sum;
    }
    __syncthreads();
    v = lane < blockDim.x / WARP_SIZE ? MaxSum<T>{partial_max[lane], partial_sum[lane]}
                                      : max_sum_identity<T>();
    return warp_max_sum(v);
}
