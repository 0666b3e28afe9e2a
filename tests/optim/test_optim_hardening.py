"""Optimizer inputs that must never reach a kernel: a state dict of a differently shaped model, a
gradient or state tensor of the wrong shape, dtype or device; and non-contiguous parameters,
which every kernel set updates in place (both kernel sets, via the ``kernels`` fixture)."""
import numpy as np
import pytest

import minidl as dl
import minidl.nn as nn
import minidl.optim as optim

OPTIMIZERS = {
    "sgd": lambda params: optim.SGD(params, lr=0.1),
    "sgd_momentum": lambda params: optim.SGD(params, lr=0.1, momentum=0.9),
    "adam": lambda params: optim.Adam(params, lr=0.1),
    "adamw": lambda params: optim.AdamW(params, lr=0.1),
}


def trained_state(model, make_optimizer):
    optimizer = make_optimizer(model.parameters())
    model(dl.randn(2, model[0].in_features)).sum().backward()
    optimizer.step()
    return optimizer.state_dict()


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_a_group_of_another_size_is_refused(kernels, name):
    saved = trained_state(nn.Sequential(nn.Linear(4, 3)), OPTIMIZERS[name])
    other = OPTIMIZERS[name](nn.Sequential(nn.Linear(4, 3, bias=False)).parameters())
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        other.load_state_dict(saved)


@pytest.mark.parametrize("name", ["sgd_momentum", "adam", "adamw"])
def test_state_of_a_differently_shaped_model_is_refused(kernels, name):
    saved = trained_state(nn.Sequential(nn.Linear(6, 3)), OPTIMIZERS[name])
    model = nn.Sequential(nn.Linear(4, 3))
    optimizer = OPTIMIZERS[name](model.parameters())
    before = optimizer.state_dict()
    with pytest.raises(ValueError, match=r"shape \(3, 6\).*\(3, 4\)"):
        optimizer.load_state_dict(saved)
    assert optimizer.state_dict() == before  # nothing half-loaded


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("bad_grad", [
    lambda p: dl.zeros(p.shape[0] * p.shape[1] + 1),  # one element too many
    lambda p: dl.zeros(p.shape[1], p.shape[0]),       # same size, wrong shape
    lambda p: dl.zeros(*p.shape, dtype=dl.float64),   # wrong dtype
], ids=["size", "shape", "dtype"])
def test_a_wrong_gradient_never_reaches_a_kernel(kernels, name, bad_grad):
    weight = nn.Parameter(dl.randn(3, 4))
    optimizer = OPTIMIZERS[name]([weight])
    before = weight.numpy().copy()
    with pytest.raises(RuntimeError, match="grad"):  # the .grad setter's message or step()'s
        weight.grad = bad_grad(weight)  # refused here (engine check) or by step()
        optimizer.step()
    np.testing.assert_array_equal(weight.numpy(), before)


@pytest.mark.parametrize("name", ["sgd_momentum", "adam"])
def test_a_wrong_state_tensor_never_reaches_a_kernel(kernels, name):
    weight = nn.Parameter(dl.randn(3, 4))
    optimizer = OPTIMIZERS[name]([weight])
    weight.grad = dl.ones(3, 4)
    optimizer.step()
    state = optimizer.state[weight]
    key = "momentum_buffer" if "momentum_buffer" in state else "exp_avg"
    state[key] = dl.zeros(2)
    with pytest.raises(RuntimeError, match=f"state '{key}'"):
        optimizer.step()


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_non_contiguous_parameters_are_updated_in_place(name):
    rng = np.random.default_rng(0)
    start, grads = rng.standard_normal((4, 3)), [rng.standard_normal((3, 4)) for _ in range(3)]
    results = {}
    for kernel_set in ["reference", "accelerated"]:
        with dl.use_kernels(kernel_set):
            weight = dl.from_numpy(start.copy().T).requires_grad_()  # a transposed, strided view
            assert not weight.numpy().flags.c_contiguous
            optimizer = OPTIMIZERS[name]([weight])
            for grad in grads:
                weight.grad = dl.tensor(grad)
                optimizer.step()
            results[kernel_set] = weight.numpy().copy()
    contiguous = nn.Parameter(dl.tensor(start.T.copy()))
    optimizer = OPTIMIZERS[name]([contiguous])
    for grad in grads:
        contiguous.grad = dl.tensor(grad)
        optimizer.step()
    np.testing.assert_allclose(results["accelerated"], results["reference"], rtol=1e-12)
    np.testing.assert_allclose(results["accelerated"], contiguous.numpy(), rtol=1e-12)
