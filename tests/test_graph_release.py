"""Backward lets the graph go: a kept loss keeps only its own value (issue 11's memory repro)."""
import gc
import weakref

import numpy as np
import pytest

import minidl as dl
import minidl.nn as nn
import minidl.nn.functional as F


def _mlp_step_keeping(model, x, y, activations):
    hidden = model[1](model[0](x))
    activations.append(weakref.ref(hidden._data))  # an array the graph saved for backward
    loss = F.cross_entropy(model[2](hidden), y)
    loss.backward()
    return loss


def test_kept_losses_do_not_keep_activations_alive():
    # Repro of issue 11: 300 kept losses of a small MLP held 748 MB (PyTorch: 26 MB).
    dl.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 4))
    x, y = dl.randn(16, 20), dl.tensor(np.arange(16) % 4)
    activations = []
    losses = [_mlp_step_keeping(model, x, y, activations) for _ in range(5)]
    gc.collect()
    assert all(ref() is None for ref in activations)
    for loss in losses:
        node = loss.grad_fn
        assert node.freed and node.inputs == ()
        assert not any(isinstance(v, np.ndarray) for v in vars(node).values())
        assert np.isfinite(loss.item())


def test_retain_graph_keeps_the_graph_until_the_last_backward():
    x = dl.ones(3, requires_grad=True)
    hidden = x.exp()
    ref = weakref.ref(hidden._data)
    loss = (hidden * 2).sum()
    del hidden
    loss.backward(retain_graph=True)
    gc.collect()
    assert ref() is not None  # exp's backward still needs its output
    loss.backward()
    gc.collect()
    assert ref() is None
    np.testing.assert_allclose(x.grad.numpy(), 4 * np.exp(np.ones(3)), rtol=1e-6)


def test_a_shared_trunk_freed_by_one_backward_is_a_clear_error_for_the_other():
    x = dl.ones(2, requires_grad=True)
    trunk = x * x
    first, second = trunk.sum(), (trunk * 3).sum()
    first.backward()
    with pytest.raises(RuntimeError, match="second time"):
        second.backward()
