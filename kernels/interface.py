"""The kernel interface as code: every kernel's name, its parameters in order, and what it
returns. ``kernels/__init__.py`` explains each one; ``tests/kernels/test_interface.py`` checks
that every kernel set (reference, cpu, cuda) implements exactly this table, so a kernel added
to one set and not the others, or a parameter renamed in one, fails a test.

Kernels trust their inputs: the op layer (``minidl/ops``, the optimizers' ``step``) checks
shapes, dtypes, devices and index ranges once, before any kernel runs.
"""

KERNELS = {
    # name: (parameters, returns)
    "relu_forward": (("x",), "y"),
    "relu_backward": (("x", "gy"), "gx"),
    "sigmoid_forward": (("x",), "y"),
    "sigmoid_backward": (("y", "gy"), "gx"),
    "tanh_forward": (("x",), "y"),
    "tanh_backward": (("y", "gy"), "gx"),
    "gelu_forward": (("x", "approximate"), "y"),
    "gelu_backward": (("x", "gy", "approximate"), "gx"),
    "softmax_forward": (("x",), "y"),
    "softmax_backward": (("y", "gy"), "gx"),
    "log_softmax_forward": (("x",), "y"),
    "log_softmax_backward": (("y", "gy"), "gx"),
    "cross_entropy_forward": (("logits", "target", "ignore_index", "label_smoothing"),
                              "(losses, (row_max, log_sum))"),
    "cross_entropy_backward": (("logits", "target", "lse", "grad_losses", "ignore_index",
                                "label_smoothing"), "glogits"),
    "layer_norm_forward": (("x", "weight", "bias", "eps"), "(y, mean, rstd)"),
    "layer_norm_backward": (("gy", "x", "weight", "mean", "rstd"), "(gx, gweight, gbias)"),
    "dropout_forward": (("x", "p", "seed"), "(y, keep)"),
    "dropout_backward": (("gy", "keep", "p"), "gx"),
    "embedding_forward": (("weight", "indices"), "out"),
    "embedding_backward": (("indices", "gy", "num_embeddings"), "gweight"),
    "attention_forward": (("q", "k", "v", "mask", "scale", "causal"), "(o, (row_max, log_sum))"),
    "attention_backward": (("q", "k", "v", "o", "lse", "go", "mask", "scale", "causal"),
                           "(gq, gk, gv)"),
    "sgd_step": (("params", "grads", "momentum_buffers", "lr", "momentum", "dampening",
                  "weight_decay", "nesterov", "first_step"), "None (in place)"),
    "adam_step": (("params", "grads", "exp_avgs", "exp_avg_sqs", "step", "lr", "beta1", "beta2",
                   "eps", "weight_decay", "decoupled"), "None (in place)"),
    # convolution, pooling and batch norm of (N, C, H, W) images
    "im2col": (("x", "kernel_size", "stride", "padding", "dilation"), "cols"),
    "col2im": (("cols", "input_shape", "kernel_size", "stride", "padding", "dilation"), "x"),
    "max_pool2d_forward": (("x", "kernel_size", "stride", "padding", "dilation", "output_size"),
                           "(y, indices)"),
    "max_pool2d_backward": (("gy", "indices", "input_shape"), "gx"),
    "avg_pool2d_forward": (("x", "kernel_size", "stride", "padding", "output_size",
                            "count_include_pad"), "y"),
    "avg_pool2d_backward": (("gy", "input_shape", "kernel_size", "stride", "padding",
                             "output_size", "count_include_pad"), "gx"),
    "batch_norm_forward": (("x", "weight", "bias", "eps"), "(y, mean, var)"),
    "batch_norm_backward": (("gy", "x", "weight", "mean", "var", "eps"), "(gx, gweight, gbias)"),
    # the int8 matrix product of dynamic quantization
    "quantized_matmul": (("a", "a_zero_point", "w"), "acc"),
}
