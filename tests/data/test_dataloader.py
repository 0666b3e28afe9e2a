import numpy as np
import pytest

import minidl as dl
from minidl.data import DataLoader, Dataset, TensorDataset


def _dataset(n=10):
    X = dl.tensor(np.arange(n * 2, dtype=np.float32).reshape(n, 2))
    y = dl.tensor(np.arange(n))
    return TensorDataset(X, y)


def _epoch_order(loader):
    return np.concatenate([y.numpy() for _, y in loader]).tolist()


def test_tensor_dataset_indexing_and_length():
    ds = _dataset(4)
    assert len(ds) == 4
    x, y = ds[2]
    assert x.tolist() == [4.0, 5.0] and y.item() == 2


def test_tensor_dataset_size_mismatch_names_sizes():
    with pytest.raises(ValueError, match=r"\[3, 4\]"):
        TensorDataset(dl.zeros(3, 2), dl.zeros(4))
    with pytest.raises(TypeError, match="argument 1"):
        TensorDataset(dl.zeros(3), np.zeros(3))


@pytest.mark.parametrize("drop_last, sizes", [(False, [4, 4, 2]), (True, [4, 4])])
def test_batches_in_order(drop_last, sizes):
    loader = DataLoader(_dataset(10), batch_size=4, drop_last=drop_last)
    batches = list(loader)
    assert len(loader) == len(sizes) == len(batches)
    assert [len(y) for _, y in batches] == sizes
    x, y = batches[0]
    assert isinstance(x, dl.Tensor) and x.shape == (4, 2) and x.dtype == dl.float32
    assert y.dtype == dl.int64 and y.tolist() == [0, 1, 2, 3]
    assert x.tolist() == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert not x.requires_grad and not y.requires_grad


def test_batches_are_new_tensors_without_grad():
    X = dl.randn(6, 3, requires_grad=True)
    (x,) = next(iter(DataLoader(TensorDataset(X), batch_size=6)))
    assert not x.requires_grad and x.grad_fn is None
    x._data[0, 0] = 123.0
    assert X.numpy()[0, 0] != 123.0


def test_shuffle_is_a_new_permutation_each_epoch():
    loader = DataLoader(_dataset(50), batch_size=8, shuffle=True, seed=0)
    first, second = _epoch_order(loader), _epoch_order(loader)
    assert sorted(first) == sorted(second) == list(range(50))
    assert first != second and first != list(range(50))


def test_same_seed_same_sequence_of_orders():
    a = DataLoader(_dataset(30), batch_size=7, shuffle=True, seed=123)
    b = DataLoader(_dataset(30), batch_size=7, shuffle=True, seed=123)
    assert [_epoch_order(a) for _ in range(3)] == [_epoch_order(b) for _ in range(3)]
    c = DataLoader(_dataset(30), batch_size=7, shuffle=True, seed=124)
    assert _epoch_order(c) != _epoch_order(DataLoader(_dataset(30), shuffle=True, seed=123))


def test_seed_none_draws_fresh_orders():
    orders = {tuple(_epoch_order(DataLoader(_dataset(30), shuffle=True))) for _ in range(3)}
    assert len(orders) == 3


def test_order_is_drawn_when_iter_is_called():
    loader = DataLoader(_dataset(20), batch_size=20, shuffle=True, seed=5)
    first, second = iter(loader), iter(loader)
    reference = DataLoader(_dataset(20), batch_size=20, shuffle=True, seed=5)
    expected_first, expected_second = _epoch_order(reference), _epoch_order(reference)
    assert next(second)[1].tolist() == expected_second
    assert next(first)[1].tolist() == expected_first


class Squares(Dataset):
    """A generic dataset: sample i is (array of i, i², a float)."""

    def __len__(self):
        return 5

    def __getitem__(self, i):
        return np.full(3, i, dtype=np.float32), i * i, 0.5 * i


def test_generic_dataset_is_collated_by_stacking():
    loader = DataLoader(Squares(), batch_size=2)
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    x, sq, half = batches[1]
    assert x.shape == (2, 3) and x.dtype == dl.float32 and x.tolist() == [[2] * 3, [3] * 3]
    assert sq.dtype == dl.int64 and sq.tolist() == [4, 9]
    assert half.dtype == dl.float64 and half.tolist() == [1.0, 1.5]  # as PyTorch's collate


class Single(Dataset):
    def __len__(self):
        return 3

    def __getitem__(self, i):
        return dl.tensor([float(i)], requires_grad=True)


def test_generic_dataset_of_single_tensors_yields_tensors():
    (batch,) = list(DataLoader(Single(), batch_size=3))
    assert isinstance(batch, dl.Tensor) and batch.shape == (3, 1)
    assert not batch.requires_grad


def test_base_dataset_says_what_to_implement():
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]


def test_invalid_batch_size():
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(_dataset(), batch_size=0)
