"""Tensor hooks: register_hook (may replace the gradient), retain_grad, post-accumulate hooks."""
import numpy as np
import pytest

import minidl as dl


def test_hook_sees_the_gradient_and_can_replace_it():
    x = dl.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    seen = []
    y.register_hook(lambda g: seen.append(g.numpy().copy()))
    y.register_hook(lambda g: g * 10)  # replaces dL/dy before it flows on to x
    (y * dl.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_allclose(seen[0], [1.0, 2.0, 3.0])
    np.testing.assert_allclose(x.grad.numpy(), [20.0, 40.0, 60.0])


def test_hooks_run_in_registration_order_each_on_the_previous_result():
    x = dl.ones(2, requires_grad=True)
    x.register_hook(lambda g: g + 1)
    x.register_hook(lambda g: g * 3)
    (x * 1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0])  # (1 + 1) * 3


def test_a_leaf_hook_replaces_what_is_accumulated():
    w = dl.ones(3, requires_grad=True)
    handle = w.register_hook(lambda g: g * 0)
    (w * 5).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [0.0, 0.0, 0.0])
    handle.remove()
    (w * 5).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [5.0, 5.0, 5.0])


def test_handle_works_as_a_context_manager():
    w = dl.ones(2, requires_grad=True)
    with w.register_hook(lambda g: g * 2):
        (w * 1).sum().backward()
    (w * 1).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [3.0, 3.0])


def test_a_hook_returning_the_wrong_shape_is_a_clear_error():
    x = dl.ones(3, requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: dl.ones(2))
    with pytest.raises(RuntimeError, match=r"changed the gradient.*\(2,\).*\(3,\)"):
        y.sum().backward()


def test_hooks_need_a_tensor_that_requires_grad():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        dl.ones(2).register_hook(lambda g: g)
    with pytest.raises(RuntimeError, match="requires_grad=False"):
        dl.ones(2).retain_grad()


def test_retain_grad_keeps_a_non_leaf_gradient_and_accumulates_it():
    x = dl.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    assert y.retains_grad and not x.retains_grad
    (y * y).sum().backward(retain_graph=True)
    np.testing.assert_allclose(y.grad.numpy(), [6.0, 12.0])  # 2 y
    (y * y).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [12.0, 24.0])
    np.testing.assert_allclose(x.grad.numpy(), [36.0, 72.0])


def test_retained_grad_is_the_hooked_gradient_and_is_not_aliased_with_a_leaf_grad():
    a = dl.ones(2, requires_grad=True)
    y = a * 1
    y.retain_grad()
    y.register_hook(lambda g: g * 2)
    z = a + y  # add's backward hands one array to both inputs
    z.sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [2.0, 2.0])
    np.testing.assert_allclose(a.grad.numpy(), [3.0, 3.0])
    y.grad.numpy()[...] = 0  # writing one must not change the other
    np.testing.assert_allclose(a.grad.numpy(), [3.0, 3.0])


def test_retain_grad_on_a_leaf_changes_nothing():
    x = dl.ones(2, requires_grad=True)
    x.retain_grad()
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_post_accumulate_grad_hook_sees_the_updated_grad():
    w = dl.ones(2, requires_grad=True)
    seen = []
    handle = w.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.numpy().copy()))
    (w * 2).sum().backward()
    (w * 3).sum().backward()
    handle.remove()
    (w * 4).sum().backward()
    assert len(seen) == 2
    np.testing.assert_allclose(seen[0], [2.0, 2.0])
    np.testing.assert_allclose(seen[1], [5.0, 5.0])


def test_post_accumulate_grad_hook_can_step_the_parameter_in_backward():
    # the optimizer-in-backward idiom: update each parameter as soon as its gradient is ready
    w = dl.tensor([1.0, 2.0], requires_grad=True)

    def sgd_step(p):
        with dl.no_grad():
            p[...] = p - 0.1 * p.grad
        p.grad = None

    w.register_post_accumulate_grad_hook(sgd_step)
    (w * w).sum().backward()
    np.testing.assert_allclose(w.numpy(), [0.8, 1.6])
    assert w.grad is None


def test_post_accumulate_grad_hook_only_on_leaves():
    x = dl.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="non-leaf"):
        (x * 2).register_post_accumulate_grad_hook(lambda p: None)


def test_parity_with_pytorch_hooks():
    torch = pytest.importorskip("torch")
    data = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    results = []
    for lib in (dl, torch):
        x = lib.tensor(data, requires_grad=True)
        y = x * x
        y.retain_grad()
        y.register_hook(lambda g: g * 3)
        x.register_hook(lambda g: g - 1)
        (y.sum() * 2).backward()
        results.append((x.grad.numpy().copy(), y.grad.numpy().copy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)
