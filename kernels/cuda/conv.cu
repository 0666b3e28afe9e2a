// im2col and col2im for (N, C, H, W) images.
// NumPy twins: im2col, col2im in kernels/reference_convolution.py.
//
// cols is a (C * kh * kw, N * OH * OW) matrix: row (c, i, j), column (n, p, q) holds
// x[n, c, p * sh + i * dh - top, q * sw + j * dw - left], or 0 where that is padding.
// im2col: one thread per element of cols (grid-stride), consecutive threads on consecutive
// columns, so the writes coalesce. col2im: one thread per pixel of x, which gathers (sums) the
// entries of cols that came from it, so no two threads write the same address and the sum is in
// a fixed order (no atomics, the same bits on every run).

template <typename T>
__global__ void im2col(const T* __restrict__ x, T* __restrict__ cols, int batch, int channels,
                       int height, int width, int kh, int kw, int sh, int sw, int top, int left,
                       int dh, int dw, int oh, int ow)
{
    const long long columns = (long long)batch * oh * ow;
    const long long total = (long long)channels * kh * kw * columns;
    for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < total;
         e += (long long)gridDim.x * blockDim.x) {
        const long long row = e / columns, column = e % columns;
        const int j = row % kw, i = (row / kw) % kh, c = row / ((long long)kw * kh);
        const int q = column % ow, p = (column / ow) % oh, n = column / ((long long)ow * oh);
        const int h = p * sh + i * dh - top, w = q * sw + j * dw - left;
        const bool inside = h >= 0 && h < height && w >= 0 && w < width;
        cols[e] = inside ? x[(((long long)n * channels + c) * height + h) * width + w] : T(0);
    }
}

// Pixel (h, w) was copied to output p by kernel row i when p * sh + i * dh - top == h, i.e. for
// the i whose (h + top - i * dh) is a multiple of sh with quotient p in [0, OH).
template <typename T>
__global__ void col2im(const T* __restrict__ cols, T* __restrict__ x, int batch, int channels,
                       int height, int width, int kh, int kw, int sh, int sw, int top, int left,
                       int dh, int dw, int oh, int ow)
{
    const long long columns = (long long)batch * oh * ow;
    const long long total = (long long)batch * channels * height * width;
    for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < total;
         e += (long long)gridDim.x * blockDim.x) {
        const int w = e % width, h = (e / width) % height;
        const int c = (e / ((long long)width * height)) % channels;
        const int n = e / ((long long)width * height * channels);
        T sum = 0;
        for (int i = 0; i < kh; ++i) {
            const int p_scaled = h + top - i * dh;
            if (p_scaled < 0 || p_scaled % sh != 0 || p_scaled / sh >= oh) continue;
            const int p = p_scaled / sh;
            for (int j = 0; j < kw; ++j) {
                const int q_scaled = w + left - j * dw;
                if (q_scaled < 0 || q_scaled % sw != 0 || q_scaled / sw >= ow) continue;
                const int q = q_scaled / sw;
                const long long row = ((long long)c * kh + i) * kw + j;
                sum += cols[row * columns + ((long long)n * oh + p) * ow + q];
            }
        }
        x[e] = sum;
    }
}
