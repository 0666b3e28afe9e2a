"""The table of nn.functional cases added for PyTorch code (activations, losses, padding,
distances), shared by tests/nn/test_losses_activations.py (CPU, PyTorch parity) and
tests/cuda/test_cuda_nn_surface.py (the same cases on the GPU).

Each case: (a function of the framework's functional module and tensors, the inputs as
arrays, the indices of the inputs that get gradients); the same function runs on
torch.nn.functional."""
import numpy as np


def array(*shape, seed=0, low=None, high=None):
    rng = np.random.default_rng(seed)
    if low is not None:
        return rng.uniform(low, high, size=shape)
    return rng.standard_normal(shape)


def probabilities(*shape, seed=0, axis=1):
    values = np.exp(array(*shape, seed=seed))
    return values / values.sum(axis=axis, keepdims=True)


CLASSES = np.array([[0, 2, 1], [3, 0, 3]])  # targets (2, 3) for logits (2, 4, 3)
FLAT_CLASSES = np.array([0, 2, 3, 1])  # targets (4,) for logits (4, 5)
IGNORING = np.array([0, -100, 3, 1])
WEIGHT = np.array([0.5, 2.0, 1.0, 3.0, 1.5])

# name: (minidl function of tensors, inputs as arrays, which inputs get gradients,
#        the same call on torch.nn.functional)
CASES = {
    "silu": (lambda F, x: F.silu(x), [array(3, 5)], [0]),
    "leaky_relu": (lambda F, x: F.leaky_relu(x, 0.2), [array(3, 5)], [0]),
    "elu": (lambda F, x: F.elu(x, alpha=1.5), [array(3, 5)], [0]),
    "softplus": (lambda F, x: F.softplus(x), [array(3, 5)], [0]),
    "softplus_beta_threshold": (lambda F, x: F.softplus(x * 10, beta=2.0, threshold=5.0),
                                [array(3, 5)], [0]),
    "nll_loss": (lambda F, x, t: F.nll_loss(x, t), [array(4, 5), FLAT_CLASSES], [0]),
    "nll_loss_ignore_sum": (lambda F, x, t: F.nll_loss(x, t, reduction="sum"),
                            [array(4, 5), IGNORING], [0]),
    "nll_loss_weight_mean": (lambda F, x, t, w: F.nll_loss(x, t, weight=w),
                             [array(4, 5), IGNORING, WEIGHT], [0]),
    "nll_loss_nd_none": (lambda F, x, t: F.nll_loss(x, t, reduction="none"),
                         [array(2, 4, 3), CLASSES], [0]),
    "cross_entropy_nd": (lambda F, x, t: F.cross_entropy(x, t), [array(2, 4, 3), CLASSES], [0]),
    "cross_entropy_nd_none": (lambda F, x, t: F.cross_entropy(x, t, reduction="none"),
                              [array(2, 4, 3), CLASSES], [0]),
    "cross_entropy_unbatched": (lambda F, x, t: F.cross_entropy(x, t),
                                [array(5), np.array(3)], [0]),
    "cross_entropy_weight": (lambda F, x, t, w: F.cross_entropy(x, t, weight=w),
                             [array(4, 5), IGNORING, WEIGHT], [0]),
    "cross_entropy_probabilities": (lambda F, x, t: F.cross_entropy(x, t),
                                    [array(4, 5), probabilities(4, 5, seed=1)], [0, 1]),
    "cross_entropy_probabilities_nd_smoothing": (
        lambda F, x, t: F.cross_entropy(x, t, label_smoothing=0.2, reduction="sum"),
        [array(2, 4, 3), probabilities(2, 4, 3, seed=1)], [0, 1]),
    "cross_entropy_probabilities_weight_none": (
        lambda F, x, t, w: F.cross_entropy(x, t, weight=w[:4], reduction="none"),
        [array(3, 4), probabilities(3, 4, seed=1), WEIGHT], [0, 1]),
    "binary_cross_entropy": (lambda F, x, y: F.binary_cross_entropy(x, y),
                             [array(3, 4, low=0.05, high=0.95), array(3, 4, seed=1, low=0, high=1)],
                             [0, 1]),
    "binary_cross_entropy_weight_none": (
        lambda F, x, y, w: F.binary_cross_entropy(x, y, weight=w, reduction="none"),
        [array(3, 4, low=0.05, high=0.95), array(3, 4, seed=1, low=0, high=1), array(4, seed=2)],
        [0, 1]),
    "l1_loss": (lambda F, x, y: F.l1_loss(x, y), [array(3, 4), array(3, 4, seed=1)], [0, 1]),
    "l1_loss_sum": (lambda F, x, y: F.l1_loss(x, y, reduction="sum"),
                    [array(3, 4), array(3, 4, seed=1)], [0, 1]),
    "smooth_l1_loss": (lambda F, x, y: F.smooth_l1_loss(x * 2, y, beta=0.5),
                       [array(3, 4), array(3, 4, seed=1)], [0, 1]),
    "smooth_l1_loss_beta0": (lambda F, x, y: F.smooth_l1_loss(x, y, beta=0.0, reduction="none"),
                             [array(3, 4), array(3, 4, seed=1)], [0, 1]),
    "huber_loss": (lambda F, x, y: F.huber_loss(x * 2, y, delta=0.7, reduction="sum"),
                   [array(3, 4), array(3, 4, seed=1)], [0, 1]),
    "kl_div_batchmean": (lambda F, x, y: F.kl_div(x, y, reduction="batchmean"),
                         [np.log(probabilities(3, 4)), probabilities(3, 4, seed=1)], [0, 1]),
    "kl_div_mean_zero_target": (lambda F, x, y: F.kl_div(x, y * (y > 0.2)),
                                [np.log(probabilities(3, 4)), probabilities(3, 4, seed=1)], [0]),
    "kl_div_log_target_none": (lambda F, x, y: F.kl_div(x, y, reduction="none", log_target=True),
                               [np.log(probabilities(3, 4)), np.log(probabilities(3, 4, seed=1))],
                               [0, 1]),
    "pad_constant": (lambda F, x: F.pad(x, (1, 2, 0, 1), value=0.5), [array(2, 3, 4)], [0]),
    "pad_constant_crop": (lambda F, x: F.pad(x, (-1, 2, 1, -1)), [array(2, 3, 4)], [0]),
    "pad_reflect": (lambda F, x: F.pad(x, (2, 3, 1, 2), mode="reflect"), [array(2, 3, 4)], [0]),
    "pad_replicate": (lambda F, x: F.pad(x, (3, 1, 2, 0), mode="replicate"),
                      [array(2, 3, 4)], [0]),
    "pad_circular_3d": (lambda F, x: F.pad(x, (1, 2, 2, 1, 1, 0), mode="circular"),
                        [array(1, 2, 3, 4)], [0]),
    "normalize": (lambda F, x: F.normalize(x), [array(3, 4, 2)], [0]),
    "normalize_p1_last": (lambda F, x: F.normalize(x, p=1.0, dim=-1), [array(3, 4)], [0]),
    "cosine_similarity": (lambda F, x, y: F.cosine_similarity(x, y),
                          [array(3, 4), array(3, 4, seed=1)], [0, 1]),
    "cosine_similarity_broadcast": (lambda F, x, y: F.cosine_similarity(x, y, dim=-1),
                                    [array(2, 3, 4), array(1, 4, seed=1)], [0, 1]),
    "pairwise_distance": (lambda F, x, y: F.pairwise_distance(x, y),
                          [array(3, 4), array(3, 4, seed=1)], [0, 1]),
    "pairwise_distance_p3_keepdim": (lambda F, x, y: F.pairwise_distance(x, y, 3.0, keepdim=True),
                                     [array(3, 4), array(1, 4, seed=1)], [0, 1]),
    "hardtanh": (lambda F, x: F.hardtanh(x * 2, -1.5, 0.5), [array(3, 5)], [0]),
    "relu6": (lambda F, x: F.relu6(x * 5), [array(3, 5)], [0]),
    "hardsigmoid": (lambda F, x: F.hardsigmoid(x * 4), [array(3, 5)], [0]),
    "hardswish": (lambda F, x: F.hardswish(x * 4), [array(3, 5)], [0]),
    "logsigmoid": (lambda F, x: F.logsigmoid(x * 4), [array(3, 5)], [0]),
    "softsign": (lambda F, x: F.softsign(x), [array(3, 5)], [0]),
    "tanhshrink": (lambda F, x: F.tanhshrink(x), [array(3, 5)], [0]),
    "mish": (lambda F, x: F.mish(x * 3), [array(3, 5)], [0]),
    "selu": (lambda F, x: F.selu(x), [array(3, 5)], [0]),
    "celu": (lambda F, x: F.celu(x, alpha=0.5), [array(3, 5)], [0]),
    "glu": (lambda F, x: F.glu(x, dim=1), [array(3, 4, 2)], [0]),
    "prelu_per_channel": (lambda F, x, w: F.prelu(x, w), [array(2, 3, 4), array(3, seed=1)],
                          [0, 1]),
    "prelu_shared": (lambda F, x, w: F.prelu(x, w), [array(5), array(1, seed=1)], [0, 1]),
}
