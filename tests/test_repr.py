"""Tensors and modules print as PyTorch's do (checked against PyTorch when it is installed,
and against fixed strings otherwise)."""
import numpy as np
import pytest

import minidl as dl
import minidl.nn as nn

EXPECTED = [
    ([0.9840, 0.1234], "tensor([0.9840, 0.1234])"),
    ([1.0, 2.0], "tensor([1., 2.])"),
    ([1e-5, 300.0], "tensor([1.0000e-05, 3.0000e+02])"),
    ([[1, 2], [3, 40]], "tensor([[ 1,  2],\n        [ 3, 40]])"),
    (3.0, "tensor(3.)"),
    ([True, False], "tensor([ True, False])"),
    ([float("nan"), -1.5, float("inf")], "tensor([    nan, -1.5000,     inf])"),
    (np.zeros((0, 3), np.float32), "tensor([], size=(0, 3))"),
    (np.arange(3, dtype=np.float64), "tensor([0., 1., 2.], dtype=minidl.float64)"),
    (np.arange(8, dtype=np.float32).reshape(2, 2, 2),
     "tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]])"),
]


@pytest.mark.parametrize("data, text", EXPECTED)
def test_tensor_repr(data, text):
    assert repr(dl.tensor(data)) == text


def test_repr_names_grad_and_summarizes_long_tensors():
    x = dl.tensor([0.9840, 1.0], requires_grad=True)
    assert repr(x) == "tensor([0.9840, 1.0000], requires_grad=True)"
    assert repr(x * 2) == "tensor([1.9680, 2.0000], grad_fn=<MulBackward>)"
    long = repr(dl.arange(2000))
    assert long.startswith("tensor([   0,    1,    2,  ..., 1997, 1998, 1999])")


TENSOR_CASES = [
    [0.9840, 0.1234], [1e-3, 5e-1], [1.0, 1e9], [-0.0, 1.0], [0.0, 0.0],
    np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 7, np.arange(2000, dtype=np.float32),
    np.random.default_rng(0).standard_normal((40, 40)).astype(np.float32),
    np.random.default_rng(1).standard_normal(30), np.arange(30, dtype=np.int64) * 1000,
    np.random.default_rng(2).standard_normal((3, 1000)).astype(np.float32),
    np.arange(5, dtype=np.int32), np.random.default_rng(3).standard_normal((5, 4, 300)),
]


@pytest.mark.parametrize("index", range(len(TENSOR_CASES)))
def test_tensor_repr_matches_pytorch(index):
    torch = pytest.importorskip("torch")
    data = TENSOR_CASES[index]
    assert repr(dl.tensor(data)) == repr(torch.tensor(data)).replace("torch.", "minidl.")


def test_module_repr_matches_pytorch():
    torch = pytest.importorskip("torch")

    def build(nn):
        return nn.Sequential(nn.Linear(3, 4), nn.ReLU(inplace=True), nn.Dropout(0.1),
                             nn.ModuleList([nn.Linear(4, 4) for _ in range(3)] + [nn.GELU()]),
                             nn.LayerNorm(4, bias=False), nn.Embedding(10, 4), nn.Flatten(),
                             nn.ModuleDict({"act": nn.LeakyReLU(0.2), "soft": nn.Softmax(dim=-1)}),
                             nn.Identity(), nn.Unflatten(1, (2, 2)))

    assert repr(build(nn)) == repr(build(torch.nn))
