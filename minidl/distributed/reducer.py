"""The gradient reducer behind DistributedDataParallel: buckets of gradients, each averaged over
the ranks by one all-reduce that starts while backward is still computing the other gradients.

Backward produces the last layers' gradients first, so the parameters are taken in reverse
order and packed into buckets of about ``bucket_cap_bytes``::

    parameters:   w1 b1 w2 b2 w3 b3          (forward order)
    buckets:      [b3 w3] [b2 w2] [b1 w1]    (backward order, ~bucket_cap_bytes each)

As backward finishes each parameter's gradient (its post-accumulate-grad hook), the gradient is
copied into its slot of the bucket's flat buffer; when a bucket is full, its all-reduce starts
(nonblocking) and backward goes on with the next layers while the messages travel. The buckets
start in the same order on every rank, which is what MPI and NCCL need: collectives must be
called in the same order everywhere. When the last gradient is in, the reducer waits for the
all-reduces and copies each bucket's average back into the parameters' ``.grad``.
"""
import time

from ..tensor import Tensor
from .collectives import all_reduce
from .process_group import ReduceOp


class _Bucket:
    """Some parameters of one dtype and device, and one flat buffer for all their gradients."""

    def __init__(self, params):
        self.params = params
        self.offsets, total = [], 0
        for param in params:
            self.offsets.append(total)
            total += param.numel()
        first = params[0]
        self.buffer = first._backend.xp.empty(total, dtype=first.dtype)
        self.pending = len(params)
        self.work = None

    @property
    def nbytes(self):
        return self.buffer.nbytes


class Reducer:
    """Average the gradients of ``params`` over the ranks, bucket by bucket (see module doc)."""

    def __init__(self, params, bucket_cap_bytes):
        params = [p for p in params if p.requires_grad]
        self.buckets = _pack(reversed(params), bucket_cap_bytes)
        self._slot = {}  # id(param) -> (bucket, offset)
        for bucket in self.buckets:
            for param, offset in zip(bucket.params, bucket.offsets):
                self._slot[id(param)] = (bucket, offset)
        self.enabled = True  # False inside no_sync(): gradients stay local
        self.bytes_per_step = sum(bucket.nbytes for bucket in self.buckets)
        # What the last synchronized backward saw, for benchmarks: the time it spent waiting
        # for the all-reduces at its end, and the bytes whose all-reduce had already finished
        # by then (overlapped with backward).
        self.last_wait_seconds = 0.0
        self.last_overlapped_bytes = 0
        self._next_to_start = 0
        self._in_progress = False
        for param in params:
            param.register_post_accumulate_grad_hook(self._gradient_ready)

    def prepare_for_backward(self, enabled):
        """Called by each forward: will the coming backward all-reduce (False in no_sync)?"""
        if self._in_progress:
            unready = [i for i, bucket in enumerate(self.buckets) if bucket.pending]
            raise RuntimeError(
                "DistributedDataParallel: expected to have finished reduction in the prior "
                f"iteration before starting a new one; bucket(s) {unready} never got all their "
                "gradients, so some parameters took no part in computing the loss (every "
                "parameter must receive a gradient in every synchronized backward)")
        self.enabled = enabled

    def _gradient_ready(self, param):
        """Post-accumulate-grad hook: copy ``param.grad`` into its bucket; start full buckets."""
        if not self.enabled:
            return
        self._in_progress = True
        bucket, offset = self._slot[id(param)]
        bucket.buffer[offset:offset + param.numel()] = param.grad._data.reshape(-1)
        bucket.pending -= 1
        for started in self.buckets[:self._next_to_start]:
            started.work.is_completed()  # lets MPI move the messages on (progress)
        while self._next_to_start < len(self.buckets) and \
                self.buckets[self._next_to_start].pending == 0:
            started = self.buckets[self._next_to_start]
            started.work = all_reduce(Tensor._wrap(started.buffer), op=ReduceOp.AVG,
                                      async_op=True)
            self._next_to_start += 1
        if self._next_to_start == len(self.buckets):
            self._finish()

    def _finish(self):
        """Wait for every bucket and write the averages back into the gradients."""
        self.last_overlapped_bytes = sum(bucket.nbytes for bucket in self.buckets
                                         if bucket.work.is_completed())
        start = time.perf_counter()
        for bucket in self.buckets:
            bucket.work.wait()
        self.last_wait_seconds = time.perf_counter() - start
        for bucket in self.buckets:
            for param, offset in zip(bucket.params, bucket.offsets):
                grad = param.grad._data
                grad[...] = bucket.buffer[offset:offset + grad.size].reshape(grad.shape)
            bucket.work = None
            bucket.pending = len(bucket.params)  # ready for the next backward
        self._next_to_start = 0
        self._in_progress = False


def _pack(params, cap_bytes):
    """Greedy buckets: consecutive parameters of one dtype and device, up to ~cap_bytes each."""
    buckets, current, size = [], [], 0
    for param in params:
        nbytes = param.numel() * param.dtype.itemsize
        same_kind = not current or (current[0].dtype == param.dtype and
                                    current[0].device == param.device)
        if current and (size + nbytes > cap_bytes or not same_kind):
            buckets.append(_Bucket(current))
            current, size = [], 0
        current.append(param)
        size += nbytes
    if current:
        buckets.append(_Bucket(current))
    return buckets
