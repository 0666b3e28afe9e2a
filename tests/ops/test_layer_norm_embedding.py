"""layer_norm and embedding: gradients on both kernel sets, shapes, errors, PyTorch parity."""
import numpy as np
import pytest

import minidl as dl
from minidl.ops.embedding import embedding
from minidl.ops.layer_norm import layer_norm


def leaf(shape, seed):
    return dl.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


# (x shape, normalized_shape, affine: "both" | "weight" | "none")
LAYER_NORM_CASES = [
    ((4, 5), (5,), "both"),
    ((2, 3, 5), 5, "both"),
    ((2, 3, 4), (3, 4), "both"),
    ((3, 6), (6,), "none"),
    ((3, 6), (6,), "weight"),
]


def layer_norm_inputs(x_shape, normalized_shape, affine, seed=0):
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
    x = leaf(x_shape, seed)
    weight = leaf(shape, seed + 1) if affine in ("both", "weight") else None
    bias = leaf(shape, seed + 2) if affine == "both" else None
    return x, weight, bias


@pytest.mark.parametrize("x_shape, normalized_shape, affine", LAYER_NORM_CASES)
def test_layer_norm_gradcheck(x_shape, normalized_shape, affine, kernels):
    x, weight, bias = layer_norm_inputs(x_shape, normalized_shape, affine)
    inputs = [t for t in (x, weight, bias) if t is not None]

    def fn(*tensors):
        args = iter(tensors[1:])
        w = next(args) if weight is not None else None
        b = next(args) if bias is not None else None
        return layer_norm(tensors[0], normalized_shape, w, b, eps=1e-3)

    assert dl.gradcheck(fn, inputs)


def test_layer_norm_normalizes_each_row(kernels):
    x = leaf((3, 4, 8), 0) * 5 + 2
    y = layer_norm(x, (8,)).numpy()
    np.testing.assert_allclose(y.mean(axis=-1), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=-1), 1, rtol=1e-4)


def test_layer_norm_float32(kernels):
    x = dl.randn(4, 6)
    w, b = dl.ones(6), dl.zeros(6)
    assert layer_norm(x, (6,), w, b).dtype == dl.float32


@pytest.mark.parametrize(
    "normalized_shape, weight_shape, message",
    [((4,), None, "trailing axes"), ((5,), (4,), "weight has shape")],
)
def test_layer_norm_shape_errors(normalized_shape, weight_shape, message):
    x = dl.randn(3, 5)
    weight = None if weight_shape is None else dl.ones(*weight_shape)
    with pytest.raises(ValueError, match=f"layer_norm: .*{message}"):
        layer_norm(x, normalized_shape, weight)


@pytest.mark.parametrize("x_shape, normalized_shape, affine", LAYER_NORM_CASES)
def test_layer_norm_matches_pytorch(x_shape, normalized_shape, affine):
    torch = pytest.importorskip("torch")
    ours = [t for t in layer_norm_inputs(x_shape, normalized_shape, affine) if t is not None]
    theirs = [torch.tensor(t.numpy(), requires_grad=True) for t in ours]

    def run(lib_layer_norm, tensors):
        x, rest = tensors[0], list(tensors[1:])
        w = rest.pop(0) if affine in ("both", "weight") else None
        b = rest.pop(0) if affine == "both" else None
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
        return lib_layer_norm(x, shape, w, b)

    out, expected = run(layer_norm, ours), run(torch.nn.functional.layer_norm, theirs)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-9, atol=1e-12)
    upstream = np.random.default_rng(5).standard_normal(out.shape)
    out.backward(dl.tensor(upstream))
    expected.backward(torch.tensor(upstream))
    for x, y in zip(ours, theirs):
        np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), rtol=1e-8, atol=1e-11)


# ----------------------------------------------------------------------------- embedding

INDICES = np.array([[0, 2, 2], [4, 1, 0]])


def test_embedding_looks_up_rows(kernels):
    weight = leaf((5, 3), 0)
    out = embedding(dl.tensor(INDICES), weight)
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out.numpy(), weight.numpy()[INDICES])


def test_embedding_gradcheck_with_repeated_indices(kernels):
    assert dl.gradcheck(lambda w: embedding(dl.tensor(INDICES), w), [leaf((5, 3), 1)])


def test_embedding_gradient_sums_repeated_indices(kernels):
    weight = leaf((5, 3), 2)
    embedding(dl.tensor(INDICES), weight).sum().backward()
    counts = np.bincount(INDICES.ravel(), minlength=5)
    np.testing.assert_array_equal(weight.grad.numpy(), np.repeat(counts[:, None], 3, axis=1))


def test_embedding_padding_idx_gets_no_gradient(kernels):
    weight = leaf((5, 3), 3)
    embedding(dl.tensor(INDICES), weight, padding_idx=2).sum().backward()
    np.testing.assert_array_equal(weight.grad.numpy()[2], 0)
    np.testing.assert_array_equal(weight.grad.numpy()[0], 2)


@pytest.mark.parametrize("bad", [5, -1])
def test_embedding_index_out_of_range(bad):
    with pytest.raises(IndexError, match=f"embedding: index {bad} is out of range for 5"):
        embedding(dl.tensor([[0, bad]]), leaf((5, 3), 0))


def test_embedding_rejects_float_indices():
    with pytest.raises(TypeError, match="embedding: expected integer indices"):
        embedding(dl.tensor([0.0, 1.0]), leaf((5, 3), 0))


def test_embedding_matches_pytorch():
    torch = pytest.importorskip("torch")
    weight = leaf((5, 3), 4)
    theirs = torch.tensor(weight.numpy(), requires_grad=True)
    out = embedding(dl.tensor(INDICES), weight, padding_idx=1)
    expected = torch.nn.functional.embedding(torch.tensor(INDICES), theirs, padding_idx=1)
    np.testing.assert_array_equal(out.numpy(), expected.detach().numpy())
    upstream = np.random.default_rng(6).standard_normal(out.shape)
    out.backward(dl.tensor(upstream))
    expected.backward(torch.tensor(upstream))
    np.testing.assert_allclose(weight.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)
