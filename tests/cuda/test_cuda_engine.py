"""The "cuda" device: the same op table as on the CPU, gradchecked in float64 on the GPU, plus
device moves and an end-to-end training run whose loss curve matches the CPU run.

Every test here carries the ``cuda`` marker and is skipped where ``dl.cuda.is_available()`` is
False (no CuPy or no NVIDIA GPU).
"""
import numpy as np
import pytest
from op_table import CASES, make_inputs

import minidl as dl

pytestmark = pytest.mark.cuda


class OnCuda:
    """Stands in for ``minidl`` in the op table's lambdas, creating tensors on the GPU."""

    def __getattr__(self, name):
        return getattr(dl, name)

    @staticmethod
    def tensor(data, **kwargs):
        return dl.tensor(data, device="cuda", **kwargs)


def cuda_leaves(arrays):
    return [dl.tensor(a, dtype=dl.float64, device="cuda", requires_grad=True) for a in arrays]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_op_matches_cpu_and_gradchecks_on_cuda(case, kernels):
    arrays = make_inputs(case, seed=5)
    on_gpu = case.fn(OnCuda(), *cuda_leaves(arrays))
    assert on_gpu.device == "cuda"
    on_cpu = case.fn(dl, *[dl.tensor(a, requires_grad=True) for a in arrays])
    np.testing.assert_allclose(on_gpu.numpy(), on_cpu.numpy(), rtol=1e-10, atol=1e-12)
    assert dl.gradcheck(lambda *xs: case.fn(OnCuda(), *xs), cuda_leaves(arrays))


def test_moving_between_devices_is_differentiable():
    x = dl.randn(3, 4, dtype=dl.float64, requires_grad=True)
    y = (x.cuda() * 2).sum()
    assert y.device == "cuda"
    y.backward()
    assert x.grad.device == "cpu"
    np.testing.assert_allclose(x.grad.numpy(), np.full((3, 4), 2.0))
    back = x.to("cuda").cpu()
    assert back.device == "cpu" and back.tolist() == x.tolist()


def test_creation_on_cuda_and_seeding():
    dl.manual_seed(3)
    a = dl.randn(4, device="cuda")
    dl.manual_seed(3)
    b = dl.randn(4, device="cuda")
    assert a.device == "cuda" and a.tolist() == b.tolist()
    assert dl.zeros(2, 3, device="cuda").numpy().sum() == 0
    assert dl.arange(5, device="cuda").dtype == dl.int64


def test_mixing_devices_is_a_clear_error():
    with pytest.raises(RuntimeError, match="add: expected all tensors on the same device, got cpu and cuda"):
        dl.ones(2) + dl.ones(2, device="cuda")


def _train_losses(device, steps=30):
    import minidl.nn as nn
    import minidl.optim as optim

    dl.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    model.to(device)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    X, y = dl.datasets.load_digits()
    X = dl.tensor(X[:256], device=device)
    y = dl.tensor(y[:256], device=device)
    losses = []
    for _ in range(steps):
        loss = nn.functional.cross_entropy(model(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def test_training_on_cuda_matches_the_cpu_loss_curve():
    import minidl.datasets  # noqa: F401

    np.testing.assert_allclose(_train_losses("cuda"), _train_losses("cpu"), rtol=2e-3, atol=1e-4)
