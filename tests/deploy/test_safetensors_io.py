"""state_dicts to and from .safetensors, and through PyTorch's reader and writer."""
import os

import numpy as np
import pytest

import minidl as dl
import minidl.nn as nn

pytest.importorskip("safetensors")


def mlp():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def test_round_trip_keeps_names_dtypes_and_values(tmp_path):
    dl.manual_seed(0)
    model = mlp()
    path = tmp_path / "weights.safetensors"
    dl.save_safetensors(model.state_dict(), path)
    loaded = dl.load_safetensors(path)
    assert list(loaded) == sorted(model.state_dict())  # safetensors sorts names
    for name, value in model.state_dict().items():
        assert isinstance(loaded[name], dl.Tensor)
        assert loaded[name].dtype == value.dtype
        np.testing.assert_array_equal(loaded[name].numpy(), value.numpy())
    other = mlp()
    other.load_state_dict(loaded)
    x = dl.randn(5, 4)
    np.testing.assert_array_equal(other(x).numpy(), model(x).numpy())


def test_integer_arrays_and_metadata(tmp_path):
    path = tmp_path / "mixed.safetensors"
    dl.save_safetensors({"ids": np.arange(6).reshape(2, 3), "w": dl.ones(2)}, path,
                        metadata={"format": "pt"})
    loaded = dl.load_safetensors(path)
    assert loaded["ids"].dtype == dl.int64
    np.testing.assert_array_equal(loaded["ids"].numpy(), np.arange(6).reshape(2, 3))


def test_rejects_non_tensors_and_leaves_no_partial_file(tmp_path):
    path = tmp_path / "bad.safetensors"
    with pytest.raises(TypeError, match="'lr' is a float"):
        dl.save_safetensors({"w": dl.ones(2), "lr": 0.1}, path)
    assert os.listdir(tmp_path) == []


def test_write_is_atomic_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "w.safetensors"
    dl.save_safetensors({"w": dl.ones(2)}, path)

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        dl.save_safetensors({"w": dl.zeros(2)}, path)
    assert os.listdir(tmp_path) == ["w.safetensors"]
    np.testing.assert_array_equal(dl.load_safetensors(path)["w"].numpy(), np.ones(2))


def test_pytorch_reads_minidl_weights_and_minidl_reads_pytorchs(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file, save_file

    dl.manual_seed(1)
    model = mlp()
    path = tmp_path / "from_minidl.safetensors"
    dl.save_safetensors(model.state_dict(), path)
    torch_model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(),
                                      torch.nn.Linear(8, 3))
    torch_model.load_state_dict(load_file(path))
    x = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32)
    expected = torch_model(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(model(dl.tensor(x)).numpy(), expected, atol=1e-6)

    torch.manual_seed(2)
    torch_layer = torch.nn.TransformerEncoderLayer(16, 4, 32, dropout=0.0, batch_first=True)
    path = tmp_path / "from_torch.safetensors"
    save_file(torch_layer.state_dict(), path)
    layer = nn.TransformerEncoderLayer(16, 4, 32, dropout=0.0)
    layer.load_state_dict(dl.load_safetensors(path))
    torch_layer.eval()
    x = np.random.default_rng(1).standard_normal((2, 5, 16)).astype(np.float32)
    expected = torch_layer(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(layer(dl.tensor(x)).numpy(), expected, atol=1e-5)
