"""``DistributedSampler``: each rank of a data-parallel job reads its own share of the dataset."""
import math

import numpy as np


class DistributedSampler:
    """Yield the indices of the samples that rank ``rank`` of ``num_replicas`` should read.

    Every epoch the indices 0..N-1 are shuffled (with ``shuffle=True``) by a generator seeded
    with ``seed + epoch``, the same on every rank, so call ``set_epoch(epoch)`` before each epoch
    to get a new order. The list is then made a multiple of ``num_replicas`` long, by repeating
    its first indices (``drop_last=False``) or cutting its tail (``drop_last=True``), and dealt
    out like cards: rank r takes positions r, r + num_replicas, r + 2 * num_replicas...
    Every rank gets ``len(sampler)`` indices, so every rank runs the same number of steps.

    ``num_replicas`` and ``rank`` default to the process group's world size and rank.
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        if num_replicas is None or rank is None:
            from ..distributed import get_rank, get_world_size

            num_replicas = get_world_size() if num_replicas is None else num_replicas
            rank = get_rank() if rank is None else rank
        if not 0 <= rank < num_replicas:
            raise ValueError(f"DistributedSampler: invalid rank {rank}, rank should be in the "
                             f"interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.shuffle = shuffle
        self.seed = seed
        self.drop_last = drop_last
        self.epoch = 0
        n = len(dataset)
        if drop_last:
            self.num_samples = n // num_replicas
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def set_epoch(self, epoch):
        """Choose the shuffle of this epoch (the same ``epoch`` on every rank)."""
        self.epoch = epoch

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            indices = np.random.default_rng(self.seed + self.epoch).permutation(n)
        else:
            indices = np.arange(n)
        if self.total_size > n:  # pad by repeating from the start (as often as needed)
            indices = np.resize(indices, self.total_size)
        indices = indices[:self.total_size]
        return iter(indices[self.rank::self.num_replicas].tolist())

    def __len__(self):
        return self.num_samples
