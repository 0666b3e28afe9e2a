// Multi-tensor optimizer updates: one launch updates every parameter of a list, in place.
// NumPy twins: sgd_step, adam_step in kernels/reference.py (a Python loop over the parameters,
// several array operations each). The formulas are PyTorch's.
//
// A model has a few large and many small parameters; one launch per parameter (and several per
// update, as NumPy-style code does) would spend more time launching than computing. Here each
// list (params, grads, ...) arrives as a device table of raw pointers, every tensor is cut
// into chunks of chunk_size elements, and block c updates chunk c: elements
// [chunk_start[c], chunk_start[c] + chunk_size) of tensor chunk_tensor[c]. The Python wrapper
// builds the tables (optimizers.py, _TensorListTable). All math of one element happens in
// registers, so each array is read and written once.

// The pointer tables hold addresses as integers; this turns entry t back into a T*.
template <typename T> __device__ __forceinline__ T* tensor_at(const unsigned long long* table, int t)
{
    return reinterpret_cast<T*>(table[t]);
}

// g = grad + weight_decay * param
// buf = g on the first step, else momentum * buf + (1 - dampening) * g    (when momentum != 0;
// momentum_bufs is then a table, else nullptr)
// g = g + momentum * buf (nesterov) or g = buf
// param -= lr * g
template <typename T>
__global__ void sgd_step(const unsigned long long* __restrict__ params, const unsigned long long* __restrict__ grads,
                         const unsigned long long* __restrict__ momentum_bufs, const long long* __restrict__ sizes,
                         const int* __restrict__ chunk_tensor, const long long* __restrict__ chunk_start,
                         int chunk_size, T lr, T momentum, T dampening, T weight_decay, bool nesterov,
                         bool first_step)
{
    const int t = chunk_tensor[blockIdx.x];
    T* param = tensor_at<T>(params, t);
    const T* grad = tensor_at<T>(grads, t);
    T* buf = momentum_bufs ? tensor_at<T>(momentum_bufs, t) : nullptr;
    const long long begin = chunk_start[blockIdx.x];
    const long long end = min(begin + chunk_size, sizes[t]);

    for (long long i = begin + threadIdx.x; i < end; i += blockDim.x) {
        T g = grad[i];
        if (weight_decay != T(0)) g += weight_decay * param[i];
        if (buf) {
            const T b = first_step ? g : momentum * buf[i] + (T(1) - dampening) * g;
            buf[i] = b;
            g = nesterov ? g + momentum * b : b;
        }
        param[i] -= lr * g;
    }
}

// decoupled (AdamW): param *= 1 - lr * weight_decay;   else (Adam): g = grad + weight_decay * param
// m = beta1 * m + (1 - beta1) * g,   v = beta2 * v + (1 - beta2) * g^2
// param -= (lr / bias_correction1) * m / (sqrt(v) / sqrt(bias_correction2) + eps)
// with bias_correction_k = 1 - beta_k^step, computed once on the host.
template <typename T>
__global__ void adam_step(const unsigned long long* __restrict__ params, const unsigned long long* __restrict__ grads,
                          const unsigned long long* __restrict__ exp_avgs,
                          const unsigned long long* __restrict__ exp_avg_sqs, const long long* __restrict__ sizes,
                          const int* __restrict__ chunk_tensor, const long long* __restrict__ chunk_start,
                          int chunk_size, T lr, T beta1, T beta2, T eps, T weight_decay, bool decoupled,
                          T step_size, T bias_correction2_sqrt)
{
    const int t = chunk_tensor[blockIdx.x];
    T* param = tensor_at<T>(params, t);
    const T* grad = tensor_at<T>(grads, t);
    T* exp_avg = tensor_at<T>(exp_avgs, t);
    T* exp_avg_sq = tensor_at<T>(exp_avg_sqs, t);
    const long long begin = chunk_start[blockIdx.x];
    const long long end = min(begin + chunk_size, sizes[t]);

    for (long long i = begin + threadIdx.x; i < end; i += blockDim.x) {
        T p = param[i], g = grad[i];
        if (weight_decay != T(0)) {
            if (decoupled)
                p *= T(1) - lr * weight_decay;
            else
                g += weight_decay * p;
        }
        const T m = beta1 * exp_avg[i] + (T(1) - beta1) * g;
        const T v = beta2 * exp_avg_sq[i] + (T(1) - beta2) * g * g;
        exp_avg[i] = m;
        exp_avg_sq[i] = v;
        param[i] = p - step_size * m / (sqrt(v) / bias_correction2_sqrt + eps);
    }
}
