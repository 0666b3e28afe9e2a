"""The convolutional-network layers: PyTorch's parameter layouts, state_dict keys (buffers
included), initialisation ranges, train/eval behaviour of batch norm, and outputs equal to
PyTorch's layers given the same weights."""
import math

import numpy as np
import pytest

import minidl as dl
import minidl.nn as nn


def copy_into_torch(module, torch_module):
    torch = pytest.importorskip("torch")
    state = {k: torch.tensor(v.numpy()) for k, v in module.state_dict().items()}
    torch_module.load_state_dict(state)


LAYERS = [
    ("Conv1d", (3, 4, 3), dict(stride=2, padding=1), (2, 3, 9)),
    ("Conv2d", (3, 4, 3), dict(padding="same", bias=False), (2, 3, 6, 5)),
    ("Conv2d", (4, 6, (3, 2)), dict(stride=2, groups=2, dilation=(1, 2)), (2, 4, 9, 9)),
    ("ConvTranspose2d", (3, 2, 3), dict(stride=2, padding=1, output_padding=1), (2, 3, 4, 4)),
    ("MaxPool2d", (3,), dict(stride=2, padding=1, ceil_mode=True), (2, 2, 7, 7)),
    ("MaxPool1d", (2,), {}, (2, 2, 7)),
    ("AvgPool2d", (2,), dict(count_include_pad=False, padding=1), (2, 2, 5, 6)),
    ("AdaptiveAvgPool2d", ((2, 3),), {}, (2, 2, 5, 7)),
    ("BatchNorm1d", (3,), {}, (5, 3)),
    ("BatchNorm1d", (3,), dict(affine=False, momentum=None), (5, 3, 4)),
    ("BatchNorm2d", (3,), {}, (4, 3, 3, 2)),
    ("BatchNorm2d", (3,), dict(track_running_stats=False), (4, 3, 3, 2)),
    ("GroupNorm", (2, 4), {}, (3, 4, 3, 3)),
    ("Upsample", (), dict(scale_factor=2, mode="bilinear", align_corners=False), (1, 2, 3, 4)),
    ("Upsample", (), dict(size=(5, 5)), (1, 2, 3, 4)),
]


@pytest.mark.parametrize("name, args, kwargs, shape", LAYERS,
                         ids=[f"{layer[0]}-{i}" for i, layer in enumerate(LAYERS)])
def test_layer_matches_pytorch(name, args, kwargs, shape, kernels):
    torch = pytest.importorskip("torch")
    ours = getattr(nn, name)(*args, **kwargs).double()
    theirs = getattr(torch.nn, name)(*args, **kwargs).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in ours.state_dict().items():
        assert value.shape == tuple(theirs.state_dict()[key].shape), key
    copy_into_torch(ours, theirs)
    rng = np.random.default_rng(0)
    for mode in ("train", "eval", "train"):  # running statistics evolve, then are used
        getattr(ours, mode)(), getattr(theirs, mode)()
        values = rng.standard_normal(shape)
        x, tx = dl.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
        y, ty = ours(x), theirs(tx)
        np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
        upstream = rng.standard_normal(ty.shape)
        y.backward(dl.tensor(upstream))
        ty.backward(torch.tensor(upstream))
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-11)
        for key, value in ours.state_dict().items():
            np.testing.assert_allclose(value.numpy(), theirs.state_dict()[key].numpy(),
                                       rtol=1e-10, atol=1e-12, err_msg=key)
    for (key, param), (_, their_param) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(param.grad.numpy(), their_param.grad.numpy(), rtol=1e-9,
                                   atol=1e-11, err_msg=key)


@pytest.mark.parametrize("layer, fan_in", [
    (lambda: nn.Conv2d(6, 8, (5, 3)), 6 * 15),
    (lambda: nn.Conv2d(6, 9, 3, groups=3), 2 * 9),
    (lambda: nn.Conv1d(4, 2, 7), 28),
    (lambda: nn.ConvTranspose2d(4, 6, 3), 6 * 9),
])
def test_default_initialisation_is_pytorchs(layer, fan_in):
    """kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)); the bias too."""
    dl.manual_seed(0)
    module = layer()
    bound = 1 / math.sqrt(fan_in)
    for param in (module.weight, module.bias):
        values = param.numpy()
        assert np.abs(values).max() <= bound
        if values.size >= 50:  # spread over the whole range, not a smaller one
            assert np.abs(values).max() > 0.8 * bound


def test_batch_norm_buffers_move_with_to_and_load_from_a_state_dict():
    bn = nn.BatchNorm2d(3)
    assert [name for name, _ in bn.named_buffers()] == [
        "running_mean", "running_var", "num_batches_tracked"]
    bn(dl.randn(4, 3, 2, 2))
    assert bn.num_batches_tracked.item() == 1
    bn.double()
    assert bn.running_mean.dtype == dl.float64 and bn.num_batches_tracked.dtype == dl.int64
    other = nn.BatchNorm2d(3).double()
    other.load_state_dict(bn.state_dict())
    np.testing.assert_array_equal(other.running_var.numpy(), bn.running_var.numpy())
    assert other.num_batches_tracked.item() == 1
    model = nn.Sequential(nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3))
    assert "1.running_mean" in model.state_dict()
    assert [name for name, _ in model.named_buffers()][0] == "1.running_mean"


def test_batch_norm_eval_output_does_not_depend_on_the_batch():
    bn = nn.BatchNorm2d(2)
    for _ in range(3):
        bn(dl.randn(8, 2, 3, 3) * 2 + 1)
    bn.eval()
    x = dl.randn(4, 2, 3, 3)
    alone = bn(x[:1]).numpy()
    np.testing.assert_allclose(bn(x).numpy()[:1], alone, rtol=1e-6)


def test_dropout2d_module_is_identity_in_eval():
    layer = nn.Dropout2d(0.5).eval()
    x = dl.randn(2, 3, 4, 4)
    assert layer(x) is x


def test_batch_norm2d_rejects_a_3d_input():
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected a 4-D input, got shape \(2, 3, 4\)"):
        nn.BatchNorm2d(3)(dl.randn(2, 3, 4))
