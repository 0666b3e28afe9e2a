// The int8 matrix product of dynamic quantization, accumulated in int32.
// NumPy twin: quantized_matmul in kernels/reference.py.
//
// acc[m, n] = sum_k (a[m, k] - zero_point) * w[n, k], a (M, K) uint8, w (N, K) int8 (one row
// per output channel, so both operands are read along k). Tiled: a block of TILE x TILE threads
// computes a TILE x TILE tile of acc; at each step it loads a TILE-wide slab of a's rows and of
// w's rows into shared memory (widened to int, zero point already subtracted), then every
// thread adds TILE products from shared memory. Each element of a and w is read from global
// memory M / TILE or N / TILE times instead of N or M times.
#define TILE 16

__global__ void quantized_matmul(const unsigned char* __restrict__ a, int zero_point,
                                 const signed char* __restrict__ w, int* __restrict__ acc,
                                 int rows, int cols, int inner)
{
    __shared__ int a_tile[TILE][TILE];
    __shared__ int w_tile[TILE][TILE];
    const int m = blockIdx.y * TILE + threadIdx.y;  // this thread's output row
    const int n = blockIdx.x * TILE + threadIdx.x;  // and column
    const int w_row = blockIdx.x * TILE + threadIdx.y;  // the row of w this thread loads
    int sum = 0;
    for (int k0 = 0; k0 < inner; k0 += TILE) {
        const int k = k0 + threadIdx.x;
        a_tile[threadIdx.y][threadIdx.x] =
            (m < rows && k < inner) ? (int)a[(long long)m * inner + k] - zero_point : 0;
        w_tile[threadIdx.y][threadIdx.x] =
            (w_row < cols && k < inner) ? (int)w[(long long)w_row * inner + k] : 0;
        __syncthreads();
        for (int j = 0; j < TILE; ++j) sum += a_tile[threadIdx.y][j] * w_tile[threadIdx.x][j];
        __syncthreads();
    }
    if (m < rows && n < cols) acc[(long long)m * cols + n] = sum;
}
