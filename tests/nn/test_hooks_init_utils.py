"""Forward hooks, the added nn.init functions and clip_grad_value_."""
import math

import numpy as np
import pytest

import minidl as dl
import minidl.nn as nn


def test_forward_hooks_see_and_replace_inputs_and_outputs():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    seen = {}
    handle = model[1].register_forward_hook(
        lambda module, args, output: seen.update(relu=(args[0].shape, output.shape)))
    model(dl.randn(5, 3))
    assert seen["relu"] == ((5, 4), (5, 4))
    handle.remove()
    seen.clear()
    model(dl.randn(5, 3))
    assert not seen
    zero_input = model[2].register_forward_pre_hook(lambda module, args: args[0] * 0)
    add_one = model.register_forward_hook(lambda module, args, output: output + 1)
    out = model(dl.randn(5, 3))
    np.testing.assert_allclose(out.numpy(), (model[2].bias + 1).numpy()[None].repeat(5, 0),
                               rtol=1e-6)
    zero_input.remove()
    add_one.remove()


def test_hook_order_prepend_and_context_manager():
    layer, calls = nn.Identity(), []
    layer.register_forward_hook(lambda m, a, o: calls.append("first"))
    with layer.register_forward_hook(lambda m, a, o: calls.append("early"), prepend=True):
        layer(dl.ones(1))
    layer(dl.ones(1))
    assert calls == ["early", "first", "first"]
    with pytest.raises(NotImplementedError, match="register_forward_hook: the with_kwargs="):
        layer.register_forward_hook(lambda *a: None, with_kwargs=True)


def test_hooks_match_pytorch_on_the_same_model():
    torch = pytest.importorskip("torch")
    for framework in (dl, torch):
        layer = framework.nn.Linear(2, 2)
        captured = []
        layer.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
        layer.register_forward_hook(lambda m, args, out: captured.append(float(args[0].sum())))
        layer(framework.ones(1, 2))
        assert captured == [4.0]


def std_of(fill, shape=(400, 300), **kwargs):
    dl.manual_seed(0)
    weight = dl.zeros(*shape, dtype=dl.float64)
    fill(weight, **kwargs)
    return float(weight.numpy().std())


def test_normal_initialisers_have_the_documented_spread():
    fan_in, fan_out = 300, 400
    assert std_of(nn.init.xavier_normal_, gain=2.0) == pytest.approx(
        2.0 * math.sqrt(2.0 / (fan_in + fan_out)), rel=0.02)
    assert std_of(nn.init.kaiming_normal_, nonlinearity="relu") == pytest.approx(
        math.sqrt(2.0 / fan_in), rel=0.02)
    assert std_of(nn.init.kaiming_normal_, mode="fan_out", nonlinearity="relu") == pytest.approx(
        math.sqrt(2.0 / fan_out), rel=0.02)


def test_trunc_normal_stays_inside_and_matches_the_truncated_spread():
    dl.manual_seed(0)
    weight = dl.zeros(200, 200, dtype=dl.float64)
    nn.init.trunc_normal_(weight, mean=0.5, std=1.0, a=0.0, b=1.0)
    values = weight.numpy()
    assert values.min() >= 0.0 and values.max() <= 1.0
    assert values.std() == pytest.approx(0.2805, rel=0.02)  # sd of N(0.5, 1) cut to [0, 1]
    with pytest.raises(ValueError, match="expected a < b"):
        nn.init.trunc_normal_(weight, a=1.0, b=0.0)


def test_constant_and_eye():
    weight = dl.zeros(2, 3)
    assert nn.init.constant_(weight, 0.5).tolist() == [[0.5] * 3] * 2
    assert nn.init.eye_(weight).tolist() == [[1, 0, 0], [0, 1, 0]]
    with pytest.raises(ValueError, match="eye_: only 2-D"):
        nn.init.eye_(dl.zeros(3))


def test_clip_grad_value_matches_pytorch():
    torch = pytest.importorskip("torch")
    grads = [np.array([-3.0, 0.5, 2.0]), np.array([[0.1, -0.2], [5.0, -5.0]])]
    ours = [dl.zeros(*g.shape, requires_grad=True) for g in grads]
    theirs = [torch.zeros(*g.shape, requires_grad=True) for g in grads]
    for p, q, g in zip(ours, theirs, grads):
        p.grad, q.grad = dl.tensor(g, dtype=dl.float32), torch.tensor(g, dtype=torch.float32)
    nn.utils.clip_grad_value_(ours, 1.0)
    torch.nn.utils.clip_grad_value_(theirs, 1.0)
    for p, q in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())
