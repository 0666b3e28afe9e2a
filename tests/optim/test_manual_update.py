"""The manual update idioms every course teaches train exactly like optim.SGD (issue 11)."""
import copy

import numpy as np
import pytest

import minidl as dl
import minidl.nn as nn
import minidl.nn.functional as F
import minidl.optim as optim
from minidl.datasets import load_digits

LR, BATCH, STEPS = 0.5, 64, 40


def _train(update, seed=0):
    """Train the digits MLP for STEPS batches; ``update(model)`` applies one step."""
    dl.manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    X, y = load_digits()
    losses = []
    for step in range(STEPS):
        rows = slice((step * BATCH) % 1700, (step * BATCH) % 1700 + BATCH)
        loss = F.cross_entropy(model(dl.tensor(X[rows])), dl.tensor(y[rows]))
        model.zero_grad()
        loss.backward()
        update(model)
        losses.append(loss.item())
    return model, losses


def _sgd():
    state = {}

    def update(model):
        if "opt" not in state:
            state["opt"] = optim.SGD(model.parameters(), lr=LR)
        state["opt"].step()

    return update


def _minus_equals(model):
    with dl.no_grad():
        for p in model.parameters():
            p -= LR * p.grad


def _data_add(model):
    for p in model.parameters():
        p.data.add_(p.grad, alpha=-LR)


def test_manual_updates_train_the_digits_mlp_to_the_same_weights_as_sgd():
    reference, sgd_losses = _train(_sgd())
    assert sgd_losses[-1] < 0.5 * sgd_losses[0]  # it does learn
    for update in (_minus_equals, _data_add):
        model, losses = _train(update)
        np.testing.assert_allclose(losses, sgd_losses, rtol=1e-5)
        for (name, p), q in zip(model.named_parameters(), reference.parameters()):
            np.testing.assert_allclose(p.numpy(), q.numpy(), rtol=1e-5, atol=1e-6,
                                       err_msg=f"{update.__name__}: {name}")


def test_the_update_changes_the_parameter_objects_in_place():
    model, _ = _train(_minus_equals)
    params_before = list(model.parameters())
    before = copy.deepcopy([p.numpy() for p in params_before])
    _minus_equals(model)
    assert all(p is q for p, q in zip(model.parameters(), params_before))
    assert all(p.is_leaf and p.requires_grad for p in model.parameters())
    assert any(not np.array_equal(p.numpy(), b) for p, b in zip(model.parameters(), before))


def test_an_optimizer_step_between_forward_and_backward_is_refused():
    # SGD writes the weights in place: the graph saved the old ones (PyTorch raises too)
    layer = nn.Linear(3, 2)
    opt = optim.SGD(layer.parameters(), lr=0.1)
    layer(dl.ones(4, 3)).sum().backward()
    loss = layer(dl.ones(4, 3)).sum()
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()
