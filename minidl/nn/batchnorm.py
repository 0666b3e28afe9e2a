"""nn.BatchNorm1d and nn.BatchNorm2d: normalise each channel by the batch's statistics.

While training, each channel is normalised by the mean and variance of the batch (over samples,
and positions of a sequence or an image), and running averages of those statistics are kept in
buffers; in eval mode the running averages are used instead, so that a prediction does not
depend on the rest of its batch. The buffers ``running_mean``, ``running_var`` and
``num_batches_tracked`` are in the ``state_dict`` under PyTorch's keys. The op is in
minidl/ops/batch_norm.py.
"""
from .. import int64, ones, ones_like, tensor, zeros, zeros_like
from ..ops.batch_norm import batch_norm
from .module import Module
from .parameter import Parameter


class _BatchNorm(Module):
    expected_dims = ()

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(ones(num_features, device=device, dtype=dtype))
            self.bias = Parameter(zeros(num_features, device=device, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, device=device, dtype=dtype))
            self.register_buffer("running_var", ones(num_features, device=device, dtype=dtype))
            self.register_buffer("num_batches_tracked", tensor(0, dtype=int64, device=device))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean = zeros_like(self.running_mean)
            self.running_var = ones_like(self.running_var)
            self.num_batches_tracked = zeros_like(self.num_batches_tracked)

    def forward(self, input):  # noqa: A002
        if input.ndim not in self.expected_dims:
            raise ValueError(f"{type(self).__name__}: expected a "
                             f"{' or '.join(f'{d}-D' for d in self.expected_dims)} input, got "
                             f"shape {input.shape}")
        momentum = self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked = self.num_batches_tracked + 1
            if momentum is None:  # a cumulative average over all the batches seen
                momentum = 1.0 / int(self.num_batches_tracked.item())
        # without running statistics, even eval mode normalises by the batch's own
        use_batch_statistics = self.training or self.running_mean is None
        return batch_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                          use_batch_statistics, momentum, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """PyTorch's nn.BatchNorm1d on (N, C) or (N, C, L) inputs."""

    expected_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """PyTorch's nn.BatchNorm2d on (N, C, H, W) inputs."""

    expected_dims = (4,)
