"""DistributedSampler: the ranks' shares partition the dataset exactly (padding or drop_last)."""
import numpy as np
import pytest

import minidl as dl
from minidl.data import DataLoader, DistributedSampler, TensorDataset


def shares(n, world, **options):
    dataset = list(range(n))
    return [list(DistributedSampler(dataset, num_replicas=world, rank=r, **options))
            for r in range(world)]


@pytest.mark.parametrize("n, world", [(12, 2), (12, 3), (10, 4), (7, 2), (3, 4), (1, 2)])
@pytest.mark.parametrize("shuffle", [False, True])
def test_padding_covers_every_sample_and_repeats_only_the_padding(n, world, shuffle):
    parts = shares(n, world, shuffle=shuffle, seed=5)
    per_rank = -(-n // world)  # ceil
    assert all(len(part) == per_rank for part in parts)
    everything = sorted(i for part in parts for i in part)
    assert set(everything) == set(range(n))  # nothing missed
    assert len(everything) - n == per_rank * world - n  # only the padding repeats


@pytest.mark.parametrize("n, world", [(12, 2), (10, 4), (7, 2), (11, 3)])
@pytest.mark.parametrize("shuffle", [False, True])
def test_drop_last_gives_disjoint_equal_shares(n, world, shuffle):
    parts = shares(n, world, shuffle=shuffle, drop_last=True)
    assert all(len(part) == n // world for part in parts)
    everything = [i for part in parts for i in part]
    assert len(set(everything)) == len(everything) == (n // world) * world


def test_without_shuffle_the_ranks_are_dealt_in_turn():
    assert shares(5, 2, shuffle=False) == [[0, 2, 4], [1, 3, 0]]


def test_set_epoch_changes_the_order_and_the_same_epoch_repeats_it():
    sampler = DistributedSampler(list(range(50)), num_replicas=2, rank=0, seed=3)
    first = list(sampler)
    assert list(sampler) == first
    sampler.set_epoch(1)
    second = list(sampler)
    assert second != first
    other_rank = DistributedSampler(list(range(50)), num_replicas=2, rank=1, seed=3)
    other_rank.set_epoch(1)
    assert sorted(second + list(other_rank)) == list(range(50))


def test_bad_rank_is_rejected():
    with pytest.raises(ValueError, match="invalid rank 2"):
        DistributedSampler([0, 1], num_replicas=2, rank=2)


def test_dataloader_reads_the_samplers_indices_in_batches():
    data = TensorDataset(dl.arange(10), dl.arange(10) * 2)
    sampler = DistributedSampler(data, num_replicas=2, rank=1, shuffle=False)
    loader = DataLoader(data, batch_size=2, sampler=sampler)
    assert len(loader) == 3
    batches = [x.tolist() for x, _ in loader]
    assert batches == [[1, 3], [5, 7], [9]]
    assert np.concatenate(batches).tolist() == list(sampler)


def test_dataloader_rejects_sampler_with_shuffle():
    data = TensorDataset(dl.arange(4))
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(data, shuffle=True, sampler=DistributedSampler(data, 2, 0))
