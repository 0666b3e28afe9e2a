"""Module hooks: forward pre-hooks, forward hooks, full backward hooks (PyTorch's semantics)."""
import numpy as np
import pytest

import minidl as dl
import minidl.nn as nn


def _linear(seed=0):
    dl.manual_seed(seed)
    return nn.Linear(3, 2)


def test_forward_pre_hook_sees_and_may_replace_the_arguments():
    layer = _linear()
    seen = []
    handle = layer.register_forward_pre_hook(lambda m, args: seen.append((m, args[0].shape)))
    layer(dl.ones(4, 3))
    assert seen == [(layer, (4, 3))]
    handle.remove()
    layer.register_forward_pre_hook(lambda m, args: args[0] * 0)  # a single value is wrapped
    np.testing.assert_allclose(layer(dl.ones(4, 3)).detach().numpy(),
                               np.broadcast_to(layer.bias.detach().numpy(), (4, 2)))
    assert len(seen) == 1


def test_forward_hook_sees_the_output_and_may_replace_it():
    layer = _linear()
    outputs = []
    layer.register_forward_hook(lambda m, args, out: outputs.append(out))
    layer.register_forward_hook(lambda m, args, out: out * 2)
    y = layer(dl.ones(1, 3))
    np.testing.assert_allclose(y.detach().numpy(), 2 * outputs[0].detach().numpy())


def test_hooks_run_on_submodules_inside_sequential():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    shapes = []
    for module in model:
        module.register_forward_hook(lambda m, args, out: shapes.append(out.shape))
    model(dl.ones(5, 3))
    assert shapes == [(5, 4), (5, 4), (5, 2)]


def test_full_backward_hook_gets_the_module_gradients():
    layer = _linear()
    x = dl.randn(4, 3, requires_grad=True)
    calls = []
    layer.register_full_backward_hook(lambda m, gin, gout: calls.append((m, gin, gout)))
    y = layer(x)
    ((y * 3).sum() + x.sum()).backward()  # x's own extra use is not the module's
    (module, grad_input, grad_output), = calls
    assert module is layer and len(grad_input) == 1 and len(grad_output) == 1
    np.testing.assert_allclose(grad_output[0].numpy(), np.full((4, 2), 3.0))
    np.testing.assert_allclose(grad_input[0].numpy(), 3 * np.ones((4, 2)) @ layer.weight.numpy(),
                               rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), grad_input[0].numpy() + 1, rtol=1e-6)


def test_full_backward_hook_may_replace_grad_input():
    layer = _linear()
    x = dl.randn(2, 3, requires_grad=True)
    handle = layer.register_full_backward_hook(lambda m, gin, gout: (gin[0] * 0,))
    layer(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.zeros((2, 3)))
    assert layer.weight.grad is not None  # the parameters' gradients are not grad_input
    handle.remove()
    x.grad = None
    layer(x).sum().backward()
    assert np.abs(x.grad.numpy()).sum() > 0


def test_full_backward_hook_with_an_input_that_needs_no_gradient():
    layer = _linear()
    calls = []
    layer.register_full_backward_hook(lambda m, gin, gout: calls.append((gin, gout)))
    layer(dl.ones(2, 3)).sum().backward()
    (grad_input, grad_output), = calls
    assert grad_input == (None,) and grad_output[0].shape == (2, 2)


def test_full_backward_hook_returning_the_wrong_number_of_gradients():
    layer = _linear()
    layer.register_full_backward_hook(lambda m, gin, gout: (gin[0], gin[0]))
    with pytest.raises(RuntimeError, match="returned 2 gradients, expected 1"):
        layer(dl.ones(2, 3, requires_grad=True)).sum().backward()


def test_no_backward_hook_work_under_no_grad():
    layer = _linear()
    layer.register_full_backward_hook(lambda m, gin, gout: None)
    with dl.no_grad():
        assert not layer(dl.ones(2, 3, requires_grad=True)).requires_grad


def test_full_backward_hook_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    w, b = rng.standard_normal((2, 3)).astype(np.float32), rng.standard_normal(2).astype(np.float32)
    x0 = rng.standard_normal((4, 3)).astype(np.float32)
    results = []
    for lib, torch_nn in ((dl, nn), (torch, torch.nn)):
        layer = torch_nn.Linear(3, 2)
        with lib.no_grad():
            layer.weight.copy_(lib.tensor(w))
            layer.bias.copy_(lib.tensor(b))
        seen = {}

        def hook(module, grad_input, grad_output, seen=seen):
            seen["gin"], seen["gout"] = grad_input[0].numpy().copy(), grad_output[0].numpy().copy()
            return (grad_input[0] * 2,)

        layer.register_full_backward_hook(hook)
        layer.register_forward_hook(lambda m, args, out: out.tanh())
        x = lib.tensor(x0, requires_grad=True)
        (layer(x) ** 2).sum().backward()
        results.append((seen["gin"], seen["gout"], x.grad.numpy().copy(),
                        layer.weight.grad.numpy().copy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
