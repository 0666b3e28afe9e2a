"""The activations, losses, padding and distance functions of tests/nn/test_losses_activations.py
on the "cuda" device: the same values as on the CPU and a float64 gradcheck; the new
optimizers' updates on the GPU match the CPU's. Skipped without a GPU."""
import numpy as np
import pytest
from nn_cases import CASES

import minidl as dl
import minidl.nn.functional as F
import minidl.optim as optim

pytestmark = pytest.mark.cuda


def leaves(arrays, with_grad, device):
    return [dl.tensor(a, dtype=None if a.dtype.kind != "f" else dl.float64, device=device,
                      requires_grad=i in with_grad) for i, a in enumerate(arrays)]


@pytest.mark.parametrize("name", list(CASES))
def test_matches_cpu_and_gradchecks_on_cuda(kernels, name):
    function, arrays, with_grad = CASES[name]
    on_gpu = function(F, *leaves(arrays, with_grad, "cuda"))
    on_cpu = function(F, *leaves(arrays, with_grad, "cpu"))
    assert on_gpu.device == "cuda"
    np.testing.assert_allclose(on_gpu.numpy(), on_cpu.numpy(), rtol=1e-10, atol=1e-12)
    assert dl.gradcheck(lambda *xs: function(F, *xs), leaves(arrays, with_grad, "cuda"))


@pytest.mark.parametrize("make", [lambda p: optim.RMSprop(p, lr=0.01, momentum=0.9,
                                                          centered=True, weight_decay=0.1),
                                  lambda p: optim.Adagrad(p, lr=0.1, lr_decay=0.01),
                                  lambda p: optim.AdamW(p, lr=0.01),
                                  lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True)])
def test_optimizers_update_the_same_on_cuda(make, kernels):
    """With both kernel sets: the reference set runs on host copies and takes keyword arguments
    too (Adam's step count is one; a GPU run found it refused them)."""
    start = np.random.default_rng(0).standard_normal((3, 4))
    results = []
    for device in ("cpu", "cuda"):
        param = dl.tensor(start, device=device, requires_grad=True)
        optimizer = make([param])
        for step in range(3):
            param.grad = dl.tensor(np.full((3, 4), 0.1 * (step + 1)), device=device)
            optimizer.step()
        results.append(param.numpy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-12)
