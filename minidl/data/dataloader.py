"""``DataLoader``: iterate over a dataset in (optionally shuffled) mini-batches."""
import math
from collections.abc import Mapping

import numpy as np

from ..tensor import Tensor, tensor
from .dataset import TensorDataset


class DataLoader:
    """Yield batches of ``batch_size`` samples from ``dataset``; ``len()`` is the number of batches.

    With ``shuffle=True`` every epoch (every ``iter()``) visits the samples in a new random
    order. The orders come from a generator seeded with ``seed``: the same seed gives the same
    sequence of orders, and ``seed=None`` draws fresh entropy from the OS. ``drop_last=True``
    skips a final batch smaller than ``batch_size``. ``sampler=`` (any iterable of indices with a
    ``len``, such as a ``DistributedSampler``) chooses the order instead; it excludes ``shuffle``.

    Each batch is a tuple with one Tensor per sample field (a bare Tensor when the samples are
    not tuples, a dict of Tensors when they are dicts, nested as the samples are: PyTorch's
    default_collate); batches are new tensors that do not require grad. A
    TensorDataset is batched by indexing each of its tensors once per batch; any other dataset
    by stacking its samples' fields.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, seed=None,
                 sampler=None):
        if not (isinstance(batch_size, int) and batch_size >= 1):
            raise ValueError(f"DataLoader: batch_size must be a positive integer, "
                             f"got {batch_size!r}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        self.sampler = sampler
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self._rng = np.random.default_rng(seed)

    def __len__(self):
        n = len(self.dataset) if self.sampler is None else len(self.sampler)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        if self.sampler is not None:
            order = np.fromiter(self.sampler, dtype=np.int64)
        elif self.shuffle:
            order = self._rng.permutation(len(self.dataset))
        else:
            order = np.arange(len(self.dataset))
        batches = [order[i * self.batch_size:(i + 1) * self.batch_size] for i in range(len(self))]
        if isinstance(self.dataset, TensorDataset):
            return self._index_tensors(batches)
        return (_collate([self.dataset[int(i)] for i in batch]) for batch in batches)

    def _index_tensors(self, batches):
        tensors = self.dataset.tensors
        devices = {t.device for t in tensors}
        for batch in batches:
            # The batch's index array, as a backend array on each device the tensors live on.
            on_device = {device: tensor(batch, device=device)._data for device in devices}
            yield tuple(Tensor._wrap(t._data[on_device[t.device]]) for t in tensors)


def _collate(samples):
    """Merge a list of samples into a batch, as PyTorch's default_collate does: Tensors, arrays
    and numbers are stacked into one Tensor; dicts give a dict of batches (key by key); tuples
    and lists give a tuple or list with one batch per field (recursively); strings stay a list."""
    first = samples[0]
    if isinstance(first, str):
        return list(samples)
    if isinstance(first, Mapping):
        return {key: _collate([sample[key] for sample in samples]) for key in first}
    if isinstance(first, (tuple, list)):
        if any(len(sample) != len(first) for sample in samples):
            raise RuntimeError("DataLoader: each sample in a batch must have the same number of "
                               "fields")
        fields = [_collate(list(field)) for field in zip(*samples)]
        return fields if isinstance(first, list) else tuple(fields)
    return _stack(samples)


def _stack(values):
    """Stack Tensors, arrays or numbers along a new first axis, on the first value's device."""
    device = values[0].device if isinstance(values[0], Tensor) else "cpu"
    host = [v.numpy() if isinstance(v, Tensor) else np.asarray(v) for v in values]
    return tensor(np.stack(host), device=device)
