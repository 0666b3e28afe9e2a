"""clip_grad_norm_ with a NaN gradient: every gradient becomes NaN, as in PyTorch (whose default
error_if_nonfinite=False does the same), so that the failure is loud, not half-hidden. With an
inf gradient the norm is inf and every gradient is scaled by 0 (inf * 0 = NaN where it was inf)."""
import math

import numpy as np
import pytest

import minidl as dl
import minidl.nn as nn


def test_a_nan_gradient_makes_every_gradient_nan(kernels):
    first, second = nn.Parameter(dl.ones(3)), nn.Parameter(dl.ones(2))
    first.grad, second.grad = dl.tensor([1.0, float("nan"), 1.0]), dl.ones(2)
    total = nn.utils.clip_grad_norm_([first, second], 1.0)
    assert math.isnan(total.item())
    assert np.isnan(first.grad.numpy()).all() and np.isnan(second.grad.numpy()).all()


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
@pytest.mark.filterwarnings("ignore:invalid value")  # inf * 0
def test_matches_pytorch_with_a_non_finite_gradient(bad):
    torch = pytest.importorskip("torch")
    grads = [np.array([1.0, bad, 2.0], dtype=np.float32), np.ones(2, dtype=np.float32)]
    params = [nn.Parameter(dl.zeros(*g.shape)) for g in grads]
    torch_params = [torch.zeros(*g.shape, requires_grad=True) for g in grads]
    for p, tp, g in zip(params, torch_params, grads):
        p.grad, tp.grad = dl.tensor(g), torch.from_numpy(g.copy())
    nn.utils.clip_grad_norm_(params, 0.5)
    torch.nn.utils.clip_grad_norm_(torch_params, 0.5)
    for p, tp in zip(params, torch_params):
        np.testing.assert_array_equal(p.grad.numpy(), tp.grad.numpy())
