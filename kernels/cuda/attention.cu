// Fused scaled-dot-product attention, flash-attention style, in float and double.
// NumPy twins: attention_forward, attention_backward in kernels/reference.py, which build the
// full (L, S) score matrix. These kernels never write it to global memory: they stream key
// tiles through shared memory and keep each query row's softmax statistics in registers.
//
// Shapes (one batch-and-head index b per blockIdx.x, all arrays contiguous but the mask):
//   q (B, L, E), k (B, S, E), v (B, S, Ev), mask (B, L, S) or nullptr, o (B, L, Ev),
//   lse in two parts (reference._logsumexp): row_max (B, L) and log_sum (B, L), lse = row_max + log_sum
//   scores[i, j] = scale * dot(q[i], k[j]) + mask[i, j], and -inf where causal and j > i.
// The mask's element [b, i, j] is mask[b * mask_batch_stride + i * mask_row_stride + j]: a
// stride of 0 reads one (L, S) or (1, S) mask for every b or every row, without a broadcast copy.
//
// Thread layout, the same in all three kernels: a block of WARPS warps owns BLOCK_ROWS "own"
// rows (query rows in the forward and in the dq kernel, key rows in the dk/dv kernel), each
// warp ROWS_PER_WARP of them. The block walks over tiles of TILE = 32 "other" rows (keys, or
// queries), loaded once into shared memory and used by every warp. Inside a tile, lane j
// computes the scores of its warp's own rows against tile row j, so a row's max and sum over
// the tile are warp shuffles; the products with the tile (P @ V and friends) are accumulated
// by lane d for output columns d, d + 32, ... (CHUNKS registers per row, CHUNKS * 32 >= the
// head dimension). CHUNKS is a template parameter so those accumulators live in registers.
#include "common.cuh"

constexpr int WARPS = 4;
constexpr int ROWS_PER_WARP = 4;
constexpr int BLOCK_ROWS = WARPS * ROWS_PER_WARP;
constexpr int TILE = WARP_SIZE;
static_assert(TILE == WARP_SIZE, "lane j of a warp handles row j of a tile");
static_assert(BLOCK_ROWS == 16 && TILE == 32, "attention.py sizes grids and shared memory with these");

extern __shared__ __align__(16) unsigned char shared_bytes[];

// The dynamic shared memory of every kernel here, carved into four arrays. The Python wrapper
// allocates (BLOCK_ROWS * (E + Ev) + TILE * (E + 1 + Ev + 1)) elements (attention.py,
// _shared_memory_bytes). Tile rows are padded by one element so that lane j reading row j,
// column e touches bank (j + e) % 32: no two lanes of a warp hit the same bank.
template <typename T> struct SharedArrays {
    T* own_e;    // BLOCK_ROWS x E         own rows of width E (q, or k)
    T* own_ev;   // BLOCK_ROWS x Ev        own rows of width Ev (go, or v)
    T* tile_e;   // TILE x (E + 1)         tile rows of width E (k, or q)
    T* tile_ev;  // TILE x (Ev + 1)        tile rows of width Ev (v, or go)
};

template <typename T> __device__ SharedArrays<T> carve_shared(int E, int Ev)
{
    SharedArrays<T> s;
    s.own_e = reinterpret_cast<T*>(shared_bytes);
    s.own_ev = s.own_e + BLOCK_ROWS * E;
    s.tile_e = s.own_ev + BLOCK_ROWS * Ev;
    s.tile_ev = s.tile_e + TILE * (E + 1);
    return s;
}

// Copy rows [first, first + n_rows) of a (rows_total, width) matrix into shared memory (row
// stride dst_stride), writing zeros for rows past the end. Consecutive threads copy
// consecutive elements, so the global reads are coalesced.
template <typename T>
__device__ void load_rows(T* dst, int dst_stride, const T* src, long long first, int n_rows,
                          long long rows_total, int width)
{
    for (int idx = threadIdx.x; idx < n_rows * width; idx += blockDim.x) {
        const int r = idx / width, c = idx - r * width;
        const long long row = first + r;
        dst[r * dst_stride + c] = row < rows_total ? src[row * width + c] : T(0);
    }
}

// dots[r] = dot(own[r, :], lane_row[:]) for this warp's own rows: the score (or dP) entries of
// the lane's tile row. Each element of lane_row is read once and used ROWS_PER_WARP times.
template <typename T>
__device__ __forceinline__ void dot_own_rows(T (&dots)[ROWS_PER_WARP], const T* own, int own_stride,
                                             const T* lane_row, int width)
{
#pragma unroll
    for (int r = 0; r < ROWS_PER_WARP; ++r) dots[r] = T(0);
    for (int e = 0; e < width; ++e) {
        const T b = lane_row[e];
#pragma unroll
        for (int r = 0; r < ROWS_PER_WARP; ++r) dots[r] += own[r * own_stride + e] * b;
    }
}

// acc[r][c] += sum_j weight_j[r] * tile[j, c * 32 + lane] for j < n_tile_rows, where lane j
// holds weight_j (a row of P or dS, one entry per lane). This is the (own rows x tile) @
// (tile x width) product: the weights are broadcast with shuffles, the tile row is read once
// for all own rows.
template <typename T, int CHUNKS>
__device__ __forceinline__ void add_weighted_tile_rows(T (&acc)[ROWS_PER_WARP][CHUNKS],
                                                       const T (&weight)[ROWS_PER_WARP], const T* tile,
                                                       int tile_stride, int n_tile_rows, int width)
{
    const int lane = threadIdx.x % WARP_SIZE;
    for (int j = 0; j < n_tile_rows; ++j) {
        T tile_row[CHUNKS];
#pragma unroll
        for (int c = 0; c < CHUNKS; ++c) {
            const int d = c * WARP_SIZE + lane;
            tile_row[c] = d < width ? tile[j * tile_stride + d] : T(0);
        }
#pragma unroll
        for (int r = 0; r < ROWS_PER_WARP; ++r) {
            const T w = __shfl_sync(FULL_WARP, weight[r], j);
#pragma unroll
            for (int c = 0; c < CHUNKS; ++c) acc[r][c] += w * tile_row[c];
        }
    }
}

// Write acc[r][:width] * factor to out rows first_row + r (rows past rows_total are skipped).
template <typename T, int CHUNKS>
__device__ void store_own_rows(T* out, const T (&acc)[ROWS_PER_WARP][CHUNKS], T factor, long long first_row,
                               long long rows_total, int width)
{
    const int lane = threadIdx.x % WARP_SIZE;
#pragma unroll
    for (int r = 0; r < ROWS_PER_WARP; ++r) {
        if (first_row + r >= rows_total) break;
#pragma unroll
        for (int c = 0; c < CHUNKS; ++c) {
            const int d = c * WARP_SIZE + lane;
            if (d < width) out[(first_row + r) * width + d] = acc[r][c] * factor;
        }
    }
}

// The masked, scaled score of query i and key j, from dot = dot(q[i], k[j]).
template <typename T>
__device__ __forceinline__ T masked_score(T dot, T scale, const T* mask, long long mask_row_stride, int i, int j,
                                          int L, int S, bool causal)
{
    if (i >= L || j >= S || (causal && j > i)) return negative_infinity<T>();
    return mask ? dot * scale + mask[i * mask_row_stride + j] : dot * scale;
}

// P[i, j] = exp((score - row_max[i]) - log_sum[i]), the forward's softmax recomputed from the
// parts of its saved row lse (their sum would lose log_sum next to a huge row_max).
// A fully masked row (log_sum = -inf) has P = 0 instead of exp(-inf - -inf) = NaN.
template <typename T> __device__ __forceinline__ T probability(T score, T row_max, T log_sum)
{
    return log_sum == negative_infinity<T>() ? T(0) : exp((score - row_max) - log_sum);
}

// ---- Forward ------------------------------------------------------------------------------
// Grid (B, ceil(L / BLOCK_ROWS)). Per own query row the warp keeps the running max m, the
// running sum l = sum_j exp(s_j - m) and the unnormalised output acc = sum_j exp(s_j - m) v_j.
// When a tile raises the max, l and acc are rescaled by exp(m_old - m_new) (online softmax).
// At the end o = acc / l, row_max = m and log_sum = log(l); a row that saw only -inf scores keeps
// m = -inf and gets o = 0, row_max = 0, log_sum = -inf.
template <typename T, int CHUNKS>
__global__ void __launch_bounds__(WARPS* WARP_SIZE)
    attention_forward(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v,
                      const T* __restrict__ mask, T* __restrict__ o, T* __restrict__ lse_max,
                      T* __restrict__ lse_log_sum, int L, int S, int E, int Ev, T scale, bool causal,
                      long long mask_batch_stride, long long mask_row_stride)
{
    const T NEG_INF = negative_infinity<T>();
    const int b = blockIdx.x, warp = threadIdx.x / WARP_SIZE, lane = threadIdx.x % WARP_SIZE;
    // Blocks start roughly in blockIdx order: hand out the last query rows, which see the most
    // keys under a causal mask, first, so that no long block starts at the end.
    const int block_row0 = (gridDim.y - 1 - blockIdx.y) * BLOCK_ROWS;
    const int row0 = block_row0 + warp * ROWS_PER_WARP;  // this warp's first query row
    q += (long long)b * L * E;
    k += (long long)b * S * E;
    v += (long long)b * S * Ev;
    o += (long long)b * L * Ev;
    lse_max += (long long)b * L;
    lse_log_sum += (long long)b * L;
    if (mask) mask += b * mask_batch_stride;

    const SharedArrays<T> shared = carve_shared<T>(E, Ev);
    load_rows(shared.own_e, E, q, block_row0, BLOCK_ROWS, L, E);
    const T* my_q = shared.own_e + warp * ROWS_PER_WARP * E;

    T row_max[ROWS_PER_WARP], row_sum[ROWS_PER_WARP], acc[ROWS_PER_WARP][CHUNKS];
#pragma unroll
    for (int r = 0; r < ROWS_PER_WARP; ++r) {
        row_max[r] = NEG_INF;
        row_sum[r] = T(0);
#pragma unroll
        for (int c = 0; c < CHUNKS; ++c) acc[r][c] = T(0);
    }

    // Under the causal mask, keys past the block's last query row are masked for all its rows:
    // those tiles are skipped entirely.
    const int key_end = causal ? min(S, block_row0 + BLOCK_ROWS) : S;
    for (int key0 = 0; key0 < key_end; key0 += TILE) {
        __syncthreads();  // every warp is done with the previous tile (and the q rows are loaded)
        load_rows(shared.tile_e, E + 1, k, key0, TILE, S, E);
        load_rows(shared.tile_ev, Ev + 1, v, key0, TILE, S, Ev);
        __syncthreads();

        T p[ROWS_PER_WARP];
        dot_own_rows(p, my_q, E, shared.tile_e + lane * (E + 1), E);
#pragma unroll
        for (int r = 0; r < ROWS_PER_WARP; ++r) {
            const T score = masked_score(p[r], scale, mask, mask_row_stride, row0 + r, key0 + lane, L, S, causal);
            const T new_max = nan_max(row_max[r], warp_max(score));  // NaN sticks, as in the reference
            // new_max = -inf: everything so far is masked; keep l = 0, acc = 0 and avoid NaN
            const T rescale = new_max == NEG_INF ? T(1) : exp(row_max[r] - new_max);
            p[r] = new_max == NEG_INF ? T(0) : exp(score - new_max);
            row_sum[r] = row_sum[r] * rescale + warp_sum(p[r]);
            row_max[r] = new_max;
#pragma unroll
            for (int c = 0; c < CHUNKS; ++c) acc[r][c] *= rescale;
        }
        add_weighted_tile_rows(acc, p, shared.tile_ev, Ev + 1, min(TILE, S - key0), Ev);
    }

#pragma unroll
    for (int r = 0; r < ROWS_PER_WARP; ++r) {
        const int i = row0 + r;
        if (i >= L) break;
        const bool masked_row = row_max[r] == NEG_INF;
        const T inv_sum = masked_row ? T(0) : T(1) / row_sum[r];
#pragma unroll
        for (int c = 0; c < CHUNKS; ++c) {
            const int d = c * WARP_SIZE + lane;
            if (d < Ev) o[(long long)i * Ev + d] = acc[r][c] * inv_sum;
        }
        if (lane == 0) {
            lse_max[i] = masked_row ? T(0) : row_max[r];
            lse_log_sum[i] = masked_row ? NEG_INF : log(row_sum[r]);
        }
    }
}

// ---- Backward -----------------------------------------------------------------------------
// With P recomputed from lse, dO = go and delta[i] = sum_d dO[i, d] * O[i, d] (computed by the
// wrapper):
//   dV = P^T dO,   dP = dO V^T,   dS = P * (dP - delta),   dQ = scale * dS K,   dK = scale * dS^T Q
// Two kernels, each owning the rows it writes, so nothing is accumulated with atomics and the
// result is reproducible: one over query rows for dQ, one over key rows for dK and dV. Both
// recompute P and dP (twice the score work of a single kernel with atomic dQ adds).

// Grid (B, ceil(L / BLOCK_ROWS)); CHUNKS * 32 >= E.
template <typename T, int CHUNKS>
__global__ void __launch_bounds__(WARPS* WARP_SIZE)
    attention_backward_query(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v,
                             const T* __restrict__ mask, const T* __restrict__ go,
                             const T* __restrict__ lse_max, const T* __restrict__ lse_log_sum,
                             const T* __restrict__ delta, T* __restrict__ gq, int L, int S, int E, int Ev,
                             T scale, bool causal, long long mask_batch_stride, long long mask_row_stride)
{
    const int b = blockIdx.x, warp = threadIdx.x / WARP_SIZE, lane = threadIdx.x % WARP_SIZE;
    const int block_row0 = (gridDim.y - 1 - blockIdx.y) * BLOCK_ROWS;
    const int row0 = block_row0 + warp * ROWS_PER_WARP;
    q += (long long)b * L * E;
    k += (long long)b * S * E;
    v += (long long)b * S * Ev;
    go += (long long)b * L * Ev;
    lse_max += (long long)b * L;
    lse_log_sum += (long long)b * L;
    delta += (long long)b * L;
    gq += (long long)b * L * E;
    if (mask) mask += b * mask_batch_stride;

    const SharedArrays<T> shared = carve_shared<T>(E, Ev);
    load_rows(shared.own_e, E, q, block_row0, BLOCK_ROWS, L, E);
    load_rows(shared.own_ev, Ev, go, block_row0, BLOCK_ROWS, L, Ev);
    const T* my_q = shared.own_e + warp * ROWS_PER_WARP * E;
    const T* my_go = shared.own_ev + warp * ROWS_PER_WARP * Ev;

    T row_max[ROWS_PER_WARP], row_log_sum[ROWS_PER_WARP], row_delta[ROWS_PER_WARP], acc[ROWS_PER_WARP][CHUNKS];
#pragma unroll
    for (int r = 0; r < ROWS_PER_WARP; ++r) {
        const int i = row0 + r;
        row_max[r] = i < L ? lse_max[i] : T(0);
        row_log_sum[r] = i < L ? lse_log_sum[i] : negative_infinity<T>();
        row_delta[r] = i < L ? delta[i] : T(0);
#pragma unroll
        for (int c = 0; c < CHUNKS; ++c) acc[r][c] = T(0);
    }

    const int key_end = causal ? min(S, block_row0 + BLOCK_ROWS) : S;
    for (int key0 = 0; key0 < key_end; key0 += TILE) {
        __syncthreads();
        load_rows(shared.tile_e, E + 1, k, key0, TILE, S, E);
        load_rows(shared.tile_ev, Ev + 1, v, key0, TILE, S, Ev);
        __syncthreads();

        T ds[ROWS_PER_WARP], dp[ROWS_PER_WARP];
        dot_own_rows(ds, my_q, E, shared.tile_e + lane * (E + 1), E);
        dot_own_rows(dp, my_go, Ev, shared.tile_ev + lane * (Ev + 1), Ev);
#pragma unroll
        for (int r = 0; r < ROWS_PER_WARP; ++r) {
            const T score = masked_score(ds[r], scale, mask, mask_row_stride, row0 + r, key0 + lane, L, S, causal);
            ds[r] = probability(score, row_max[r], row_log_sum[r]) * (dp[r] - row_delta[r]);
        }
        add_weighted_tile_rows(acc, ds, shared.tile_e, E + 1, min(TILE, S - key0), E);
    }
    store_own_rows(gq, acc, scale, row0, L, E);
}

// Grid (B, ceil(S / BLOCK_ROWS)); CHUNKS * 32 >= max(E, Ev). The roles swap: the block owns key
// rows, lane i of a tile is a query, and each score is computed "transposed".
template <typename T, int CHUNKS>
__global__ void __launch_bounds__(WARPS* WARP_SIZE)
    attention_backward_key_value(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v,
                                 const T* __restrict__ mask, const T* __restrict__ go,
                                 const T* __restrict__ lse_max, const T* __restrict__ lse_log_sum,
                                 const T* __restrict__ delta, T* __restrict__ gk,
                                 T* __restrict__ gv, int L, int S, int E, int Ev, T scale, bool causal,
                                 long long mask_batch_stride, long long mask_row_stride)
{
    const int b = blockIdx.x, warp = threadIdx.x / WARP_SIZE, lane = threadIdx.x % WARP_SIZE;
    // Under the causal mask the first keys are seen by the most queries: start those first.
    const int block_key0 = blockIdx.y * BLOCK_ROWS;
    const int key0 = block_key0 + warp * ROWS_PER_WARP;  // this warp's first key row
    q += (long long)b * L * E;
    k += (long long)b * S * E;
    v += (long long)b * S * Ev;
    go += (long long)b * L * Ev;
    lse_max += (long long)b * L;
    lse_log_sum += (long long)b * L;
    delta += (long long)b * L;
    gk += (long long)b * S * E;
    gv += (long long)b * S * Ev;
    if (mask) mask += b * mask_batch_stride;

    const SharedArrays<T> shared = carve_shared<T>(E, Ev);
    load_rows(shared.own_e, E, k, block_key0, BLOCK_ROWS, S, E);
    load_rows(shared.own_ev, Ev, v, block_key0, BLOCK_ROWS, S, Ev);
    const T* my_k = shared.own_e + warp * ROWS_PER_WARP * E;
    const T* my_v = shared.own_ev + warp * ROWS_PER_WARP * Ev;

    T acc_k[ROWS_PER_WARP][CHUNKS], acc_v[ROWS_PER_WARP][CHUNKS];
#pragma unroll
    for (int r = 0; r < ROWS_PER_WARP; ++r)
#pragma unroll
        for (int c = 0; c < CHUNKS; ++c) acc_k[r][c] = acc_v[r][c] = T(0);

    // Under the causal mask, queries before the block's first key see none of its keys.
    const int query_begin = causal ? (block_key0 / TILE) * TILE : 0;
    for (int query0 = query_begin; query0 < L; query0 += TILE) {
        __syncthreads();
        load_rows(shared.tile_e, E + 1, q, query0, TILE, L, E);
        load_rows(shared.tile_ev, Ev + 1, go, query0, TILE, L, Ev);
        __syncthreads();

        const int query = query0 + lane;
        const T query_max = query < L ? lse_max[query] : T(0);
        const T query_log_sum = query < L ? lse_log_sum[query] : negative_infinity<T>();
        const T query_delta = query < L ? delta[query] : T(0);
        T p[ROWS_PER_WARP], ds[ROWS_PER_WARP];
        dot_own_rows(p, my_k, E, shared.tile_e + lane * (E + 1), E);
        dot_own_rows(ds, my_v, Ev, shared.tile_ev + lane * (Ev + 1), Ev);  // dP[query, key]
#pragma unroll
        for (int r = 0; r < ROWS_PER_WARP; ++r) {
            // (mask reads here are strided by S across lanes: masks are the uncommon path)
            const T score = masked_score(p[r], scale, mask, mask_row_stride, query, key0 + r, L, S, causal);
            p[r] = probability(score, query_max, query_log_sum);
            ds[r] = p[r] * (ds[r] - query_delta);
        }
        const int n_queries = min(TILE, L - query0);
        add_weighted_tile_rows(acc_v, p, shared.tile_ev, Ev + 1, n_queries, Ev);
        add_weighted_tile_rows(acc_k, ds, shared.tile_e, E + 1, n_queries, E);
    }
    store_own_rows(gk, acc_k, scale, key0, S, E);
    store_own_rows(gv, acc_v, T(1), key0, S, Ev);
}
