"""DistributedDataParallel: every rank holds the whole model and trains it on its own share of
each batch; averaging the gradients over the ranks keeps the copies identical.

Why the average is right: with a mean loss over a global batch of B = R * b samples split into
R shares of b, the gradient of the global loss is the mean of the R per-rank gradients. So R
ranks with batch b take exactly the steps that one process with batch R * b would take.

::

    dist.init_process_group("mpi")
    model = nn.parallel.DistributedDataParallel(build_model())   # rank 0's weights everywhere
    for inputs, targets in loader:               # a DistributedSampler gives each rank its share
        loss = F.cross_entropy(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()                          # gradients arrive averaged over the ranks
        optimizer.step()                         # the same step on every rank

The averaging is done by ``minidl.distributed.reducer.Reducer`` in buckets that start during
backward. ``no_sync()`` skips it for gradient accumulation.
"""
import contextlib

from ... import distributed as dist
from ...autograd import is_grad_enabled
from ...distributed.reducer import Reducer
from ..module import Module


class DistributedDataParallel(Module):
    """Wrap ``module`` for data-parallel training (PyTorch's name and semantics).

    At wrap time rank 0's parameters (and buffers) are broadcast to every rank. In each backward
    that follows a forward outside ``no_sync()``, gradients are averaged over the ranks in
    buckets of about ``bucket_cap_mb`` megabytes, each all-reduced as soon as its gradients are
    ready. Every parameter must receive a gradient in such a backward. The wrapped model is
    ``self.module``, so ``state_dict()`` keys carry a ``module.`` prefix, as in PyTorch.
    ``device_ids`` is accepted for PyTorch compatibility: each process uses one device.
    """

    def __init__(self, module, device_ids=None, broadcast_buffers=True, bucket_cap_mb=25.0):
        super().__init__()
        if not dist.is_initialized():
            raise RuntimeError("DistributedDataParallel: the default process group has not "
                               "been initialized; call minidl.distributed.init_process_group()")
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        self.require_backward_grad_sync = True
        self._sync_module_states()
        self.reducer = Reducer(module.parameters(), int(bucket_cap_mb * 1024 * 1024))

    def forward(self, *inputs, **kwargs):
        if is_grad_enabled():
            self.reducer.prepare_for_backward(enabled=self.require_backward_grad_sync)
        if self.broadcast_buffers:
            for buffer in _buffers(self.module):
                dist.broadcast(buffer, src=0)
        return self.module(*inputs, **kwargs)

    @contextlib.contextmanager
    def no_sync(self):
        """Backward passes of forwards run inside keep their gradients local (accumulating in
        ``.grad``); the first backward after it averages the accumulated gradients."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    def _sync_module_states(self):
        """Make every rank start from rank 0's parameters and buffers."""
        for param in self.module.parameters():
            dist.broadcast(param.detach(), src=0)
        for buffer in _buffers(self.module):
            dist.broadcast(buffer, src=0)


def _buffers(module):
    """The module's buffers, for modules that have them (e.g. batch norm's running stats)."""
    buffers = getattr(module, "buffers", None)
    return list(buffers()) if buffers is not None else []
