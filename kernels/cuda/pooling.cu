// Max and average pooling of (N, C, H, W) images, forward and backward.
// NumPy twins: max_pool2d_*, avg_pool2d_* in kernels/reference_convolution.py.
//
// Forwards: one thread per output element, which scans its window clipped to the image.
// Max backward: one thread per output adds its gradient to the winning pixel with atomicAdd
// (overlapping windows can share a winner). Average backward: one thread per input pixel
// gathers the shares of the windows that cover it: no atomics, a fixed order of additions.
#include "common.cuh"

template <typename T>
__global__ void max_pool2d_forward(const T* __restrict__ x, T* __restrict__ y,
                                   long long* __restrict__ indices, long long planes, int height,
                                   int width, int oh, int ow, int kh, int kw, int sh, int sw,
                                   int ph, int pw, int dh, int dw)
{
    const long long total = planes * oh * ow;
    for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < total;
         e += (long long)gridDim.x * blockDim.x) {
        const int q = e % ow, p = (e / ow) % oh;
        const T* plane = x + (e / ((long long)ow * oh)) * height * width;
        T best = negative_infinity<T>();
        long long where = -1;
        for (int i = 0; i < kh; ++i) {
            const int h = p * sh - ph + i * dh;
            if (h < 0 || h >= height) continue;
            for (int j = 0; j < kw; ++j) {
                const int w = q * sw - pw + j * dw;
                if (w < 0 || w >= width) continue;
                const T value = plane[h * width + w];
                if (where < 0 || value > best) {  // strict: the first maximum wins a tie
                    best = value;
                    where = (long long)h * width + w;
                }
            }
        }
        y[e] = best;
        indices[e] = where;
    }
}

template <typename T>
__global__ void max_pool2d_backward(const T* __restrict__ gy, const long long* __restrict__ indices,
                                    T* __restrict__ gx, long long planes, int outputs_per_plane,
                                    int pixels_per_plane)
{
    const long long total = planes * outputs_per_plane;
    for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < total;
         e += (long long)gridDim.x * blockDim.x) {
        const long long plane = e / outputs_per_plane;
        atomicAdd(&gx[plane * pixels_per_plane + indices[e]], gy[e]);
    }
}

// The window of output p along one axis, clipped to the image: [start, end), and its length
// counted as PyTorch divides (clipped to the padded image, or to the image itself).
struct Window {
    int start, end, count;
};

__device__ __forceinline__ Window avg_window(int p, int stride, int pad, int kernel, int size,
                                             bool count_include_pad)
{
    const int start = p * stride - pad;
    const int end = min(start + kernel, size + pad);
    const int clipped_start = max(start, 0), clipped_end = min(end, size);
    const int count = count_include_pad ? end - start : clipped_end - clipped_start;
    return {clipped_start, clipped_end, count};
}

template <typename T>
__global__ void avg_pool2d_forward(const T* __restrict__ x, T* __restrict__ y, long long planes,
                                   int height, int width, int oh, int ow, int kh, int kw, int sh,
                                   int sw, int ph, int pw, int count_include_pad)
{
    const long long total = planes * oh * ow;
    for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < total;
         e += (long long)gridDim.x * blockDim.x) {
        const int q = e % ow, p = (e / ow) % oh;
        const T* plane = x + (e / ((long long)ow * oh)) * height * width;
        const Window rows = avg_window(p, sh, ph, kh, height, count_include_pad);
        const Window columns = avg_window(q, sw, pw, kw, width, count_include_pad);
        T sum = 0;
        for (int h = rows.start; h < rows.end; ++h)
            for (int w = columns.start; w < columns.end; ++w) sum += plane[h * width + w];
        y[e] = sum / T(rows.count * columns.count);
    }
}

// Outputs p whose window covers pixel h: p * stride - pad <= h < p * stride - pad + kernel.
template <typename T>
__global__ void avg_pool2d_backward(const T* __restrict__ gy, T* __restrict__ gx, long long planes,
                                    int height, int width, int oh, int ow, int kh, int kw, int sh,
                                    int sw, int ph, int pw, int count_include_pad)
{
    const long long total = planes * height * width;
    for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < total;
         e += (long long)gridDim.x * blockDim.x) {
        const int w = e % width, h = (e / width) % height;
        const T* plane = gy + (e / ((long long)width * height)) * oh * ow;
        const int p_first = max(0, (h + ph - kh + sh) / sh), p_last = min(oh - 1, (h + ph) / sh);
        const int q_first = max(0, (w + pw - kw + sw) / sw), q_last = min(ow - 1, (w + pw) / sw);
        T sum = 0;
        for (int p = p_first; p <= p_last; ++p) {
            const Window rows = avg_window(p, sh, ph, kh, height, count_include_pad);
            if (h < rows.start || h >= rows.end) continue;
            for (int q = q_first; q <= q_last; ++q) {
                const Window columns = avg_window(q, sw, pw, kw, width, count_include_pad);
                if (w < columns.start || w >= columns.end) continue;
                sum += plane[p * ow + q] / T(rows.count * columns.count);
            }
        }
        gx[e] = sum;
    }
}
