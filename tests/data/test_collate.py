"""DataLoader batches samples of any nesting as PyTorch's default_collate does: dicts of
tensors, tuples and lists, numbers and strings."""
import numpy as np

import minidl as dl
from minidl.data import DataLoader


class Samples:
    def __init__(self, samples):
        self.samples = samples

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index):
        return self.samples[index]


def test_dict_samples_give_a_dict_of_tensors():
    samples = [{"image": dl.ones(2, 3) * i, "label": i, "name": f"s{i}"} for i in range(5)]
    batches = list(DataLoader(Samples(samples), batch_size=2))
    assert len(batches) == 3 and set(batches[0]) == {"image", "label", "name"}
    first = batches[0]
    assert first["image"].shape == (2, 2, 3) and first["image"].dtype == dl.float32
    np.testing.assert_array_equal(first["image"].numpy()[1], np.ones((2, 3)))
    assert first["label"].dtype == dl.int64 and first["label"].tolist() == [0, 1]
    assert first["name"] == ["s0", "s1"]
    assert batches[2]["label"].tolist() == [4]


def test_nested_tuples_and_lists_keep_their_structure():
    samples = [(np.full(2, i, dtype=np.float32), (i, [float(i), 2.0 * i])) for i in range(4)]
    x, (label, pair) = next(iter(DataLoader(Samples(samples), batch_size=4)))
    assert x.shape == (4, 2) and label.tolist() == [0, 1, 2, 3]
    assert isinstance(pair, list) and pair[1].tolist() == [0.0, 2.0, 4.0, 6.0]
    assert pair[0].dtype == dl.float64  # Python floats batch to float64, as in PyTorch


def test_matches_pytorch_default_collate():
    torch = pytest_importorskip_torch()
    samples = [{"x": np.arange(3, dtype=np.float32) + i, "y": (i, float(i))} for i in range(3)]
    got = next(iter(DataLoader(Samples(samples), batch_size=3)))
    want = torch.utils.data.default_collate(samples)
    np.testing.assert_array_equal(got["x"].numpy(), want["x"].numpy())
    for g, w in zip(got["y"], want["y"]):
        np.testing.assert_array_equal(g.numpy(), w.numpy())
        assert str(w.dtype) == f"torch.{g.dtype}"


def pytest_importorskip_torch():
    import pytest
    return pytest.importorskip("torch")
