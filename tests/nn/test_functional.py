"""nn.functional: linear, the losses and dropout. Gradchecks in float64 on both kernel sets,
values against NumPy formulas, errors that name the op, and (when PyTorch is installed) parity
with torch.nn.functional."""
import math

import numpy as np
import pytest

import minidl as dl
import minidl.nn.functional as F

REDUCTIONS = ["none", "mean", "sum"]


def randn(*shape, seed=0, requires_grad=True):
    array = np.random.default_rng(seed).standard_normal(shape)
    return dl.tensor(array, dtype=dl.float64, requires_grad=requires_grad)


def numpy_cross_entropy(logits, target, ignore_index=-100, reduction="mean", smoothing=0.0):
    """PyTorch's definition, written out: -sum_c q_c log softmax(x)_c, q = (1-s) onehot + s/C."""
    shifted = logits - logits.max(1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    kept = target != ignore_index
    picked = log_probs[np.arange(len(target)), np.where(kept, target, 0)]
    losses = -(1 - smoothing) * picked - smoothing * log_probs.mean(1)
    losses = np.where(kept, losses, 0)
    if reduction == "none":
        return losses
    return losses.sum() if reduction == "sum" else losses.sum() / kept.sum()


def test_functional_namespace():
    for name in ["relu", "sigmoid", "tanh", "gelu", "softmax", "log_softmax", "linear", "dropout",
                 "mse_loss", "cross_entropy", "binary_cross_entropy_with_logits"]:
        assert callable(getattr(F, name)), name


# ----------------------------------------------------------------------------- linear


def transposed_leaf(shape, seed):
    """A float64 leaf whose array is not C-contiguous: the first two axes of shape swapped."""
    array = np.random.default_rng(seed).standard_normal((shape[1], shape[0], *shape[2:]))
    return dl.tensor(array.swapaxes(0, 1), requires_grad=True)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("make_x", [lambda: randn(2, 3, 4, seed=1), lambda: randn(4, seed=1),
                                    lambda: transposed_leaf((2, 3, 4), seed=1)],
                         ids=["3d", "1d", "3d-non-contiguous"])
def test_linear_gradcheck(kernels, bias, make_x):
    """linear flattens the leading axes into one matrix: any number of them, any strides."""
    x, w = make_x(), randn(5, 4, seed=2)
    b = randn(5, seed=3) if bias else None
    inputs = [x, w] + ([b] if bias else [])
    assert dl.gradcheck(lambda x, w, *b: F.linear(x, w, *b), inputs)


def test_linear_value():
    x, w, b = randn(3, 4), randn(2, 4, seed=1), randn(2, seed=2)
    expected = x.numpy() @ w.numpy().T + b.numpy()
    np.testing.assert_allclose(F.linear(x, w, b).numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(F.linear(x[0], w).numpy(), expected[0] - b.numpy(), rtol=1e-12)


def test_linear_errors():
    with pytest.raises(ValueError, match=r"linear: input shape \(3, 5\) does not match weight "
                                         r"shape \(2, 4\)"):
        F.linear(dl.zeros(3, 5), dl.zeros(2, 4))
    with pytest.raises(ValueError, match=r"linear: expected bias of shape \(2,\), got \(3,\)"):
        F.linear(dl.zeros(3, 4), dl.zeros(2, 4), dl.zeros(3))
    with pytest.raises(TypeError, match="linear: input is float64 but weight is float32"):
        F.linear(dl.zeros(3, 4, dtype=dl.float64), dl.zeros(2, 4))


# ----------------------------------------------------------------------------- cross-entropy

TARGET = np.array([0, 4, -100, 2, 1, -100, 3])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.25])
def test_cross_entropy_gradcheck(kernels, reduction, smoothing):
    logits, target = randn(7, 5), dl.tensor(TARGET)
    assert dl.gradcheck(lambda x: F.cross_entropy(x, target, reduction=reduction,
                                                  label_smoothing=smoothing), [logits])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.25])
def test_cross_entropy_value(kernels, reduction, smoothing):
    logits = randn(7, 5, requires_grad=False)
    ours = F.cross_entropy(logits, dl.tensor(TARGET), reduction=reduction,
                           label_smoothing=smoothing)
    expected = numpy_cross_entropy(logits.numpy(), TARGET, reduction=reduction, smoothing=smoothing)
    np.testing.assert_allclose(ours.numpy(), expected, rtol=1e-12)
    assert ours.shape == ((7,) if reduction == "none" else ())


def test_cross_entropy_ignore_index_and_gradient():
    logits, target = randn(4, 3), dl.tensor([2, 7, 7, 0])
    loss = F.cross_entropy(logits, target, ignore_index=7)
    expected = numpy_cross_entropy(logits.numpy(), target.numpy(), ignore_index=7)
    assert loss.item() == pytest.approx(expected, rel=1e-12)  # mean over the 2 kept rows
    loss.backward()
    assert not logits.grad.numpy()[1:3].any()  # ignored rows get no gradient
    probabilities = np.exp(logits.numpy()) / np.exp(logits.numpy()).sum(1, keepdims=True)
    np.testing.assert_allclose(logits.grad.numpy()[0], (probabilities[0] - [0, 0, 1]) / 2)
    all_ignored = F.cross_entropy(randn(2, 3, requires_grad=False), dl.tensor([-100, -100]))
    assert math.isnan(all_ignored.item())  # 0 / 0, as in PyTorch


def test_cross_entropy_float32_extreme_logits(kernels):
    logits = dl.tensor([[1e4, 0.0, -1e4], [-1e4, -1e4, 1e4]], requires_grad=True)
    loss = F.cross_entropy(logits, dl.tensor([1, 2]), label_smoothing=0.1)
    loss.backward()
    assert loss.dtype == dl.float32 and np.isfinite(loss.item())
    assert np.isfinite(logits.grad.numpy()).all()


def test_cross_entropy_errors():
    logits = dl.zeros(32, 10)
    with pytest.raises(ValueError, match=r"cross_entropy: expected target of shape \(N,\) = "
                                         r"\(32,\), got \(32, 1\)"):
        F.cross_entropy(logits, dl.zeros(32, 1, dtype=dl.int64))
    with pytest.raises(TypeError, match="cross_entropy: expected target of dtype int64 "
                                        r"\(class indices\), got float32"):
        F.cross_entropy(logits, dl.zeros(32))
    with pytest.raises(IndexError, match="cross_entropy: target 10 is out of bounds for 10 "
                                         "classes"):
        F.cross_entropy(logits, dl.full((32,), 10))
    with pytest.raises(IndexError, match="cross_entropy: target -1 is out of bounds"):
        F.cross_entropy(logits, dl.full((32,), -1))
    with pytest.raises(ValueError, match=r"cross_entropy: expected input of shape \(N, C\)"):
        F.cross_entropy(dl.zeros(10), dl.zeros(1, dtype=dl.int64))
    with pytest.raises(ValueError, match="cross_entropy: reduction must be 'none', 'mean' or "
                                         "'sum', got 'avg'"):
        F.cross_entropy(logits, dl.zeros(32, dtype=dl.int64), reduction="avg")
    with pytest.raises(TypeError, match="cross_entropy: expected input to be a floating-point"):
        F.cross_entropy(dl.zeros(32, 10, dtype=dl.int64), dl.zeros(32, dtype=dl.int64))


# ----------------------------------------------------------------------------- mse, bce


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss_gradcheck_and_value(kernels, reduction):
    x, y = randn(3, 4), randn(3, 4, seed=1)
    assert dl.gradcheck(lambda x, y: F.mse_loss(x, y, reduction=reduction), [x, y])
    squared = (x.numpy() - y.numpy()) ** 2
    expected = {"none": squared, "mean": squared.mean(), "sum": squared.sum()}[reduction]
    np.testing.assert_allclose(F.mse_loss(x, y, reduction=reduction).numpy(), expected, rtol=1e-12)


def test_mse_loss_warns_when_shapes_broadcast():
    with pytest.warns(UserWarning, match=r"mse_loss: target shape \(3, 1\) differs from input "
                                         r"shape \(3,\)"):
        loss = F.mse_loss(dl.zeros(3), dl.ones(3, 1))
    assert loss.item() == 1.0


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_gradcheck_and_value(kernels, reduction):
    x = randn(3, 4)
    y = dl.tensor(np.random.default_rng(1).random((3, 4)), requires_grad=True)  # soft targets
    assert dl.gradcheck(
        lambda x, y: F.binary_cross_entropy_with_logits(x, y, reduction=reduction), [x, y])
    p = 1 / (1 + np.exp(-x.numpy()))
    naive = -(y.numpy() * np.log(p) + (1 - y.numpy()) * np.log(1 - p))
    expected = {"none": naive, "mean": naive.mean(), "sum": naive.sum()}[reduction]
    ours = F.binary_cross_entropy_with_logits(x, y, reduction=reduction)
    np.testing.assert_allclose(ours.numpy(), expected, rtol=1e-10)


def test_bce_with_logits_is_stable_for_extreme_logits(kernels):
    x = dl.tensor([1e4, -1e4, 1e4, -1e4, 0.0], requires_grad=True)
    y = dl.tensor([1.0, 0.0, 0.0, 1.0, 1.0])
    losses = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_allclose(losses.numpy(), [0, 0, 1e4, 1e4, math.log(2)], rtol=1e-6)
    losses.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0, 0, 1, -1, -0.5])


def test_bce_with_logits_errors():
    with pytest.raises(ValueError, match=r"binary_cross_entropy_with_logits: target shape \(4, 1\) "
                                         r"must be the same as input shape \(4,\)"):
        F.binary_cross_entropy_with_logits(dl.zeros(4), dl.zeros(4, 1))
    with pytest.raises(TypeError, match="binary_cross_entropy_with_logits: expected target to be "
                                        "a floating-point tensor, got int64"):
        F.binary_cross_entropy_with_logits(dl.zeros(4), dl.zeros(4, dtype=dl.int64))


# ----------------------------------------------------------------------------- dropout


def test_dropout_mask_statistics_and_scaling(kernels):
    dl.manual_seed(0)
    x = dl.ones(200, 500)
    y = F.dropout(x, p=0.3).numpy()
    kept = y != 0
    assert kept.mean() == pytest.approx(0.7, abs=0.01)
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    assert y.mean() == pytest.approx(1.0, abs=0.02)  # the expectation is unchanged


def test_dropout_backward_uses_the_forward_mask(kernels):
    dl.manual_seed(1)
    x = randn(50, 40)
    y = F.dropout(x, p=0.5)
    upstream = np.random.default_rng(2).standard_normal((50, 40))
    y.backward(dl.tensor(upstream))
    kept = y.numpy() != 0
    np.testing.assert_allclose(x.grad.numpy(), np.where(kept, upstream * 2, 0))


def test_dropout_gradcheck(kernels):
    def fixed_mask_dropout(x):
        dl.manual_seed(0)  # the same mask at every evaluation of the numerical gradient
        return F.dropout(x, p=0.4)

    assert dl.gradcheck(fixed_mask_dropout, [randn(4, 6)])


def test_dropout_seeding_and_kernel_sets_agree():
    x = dl.ones(64, 64)
    masks = {}
    for name in ["reference", "accelerated"]:
        with dl.use_kernels(name):
            dl.manual_seed(5)
            first, second = F.dropout(x).numpy(), F.dropout(x).numpy()
            masks[name] = first
            assert not np.array_equal(first, second)  # a new mask on every call
    np.testing.assert_array_equal(masks["reference"], masks["accelerated"])


def test_dropout_identity_and_extremes():
    x = randn(3, 4)
    assert F.dropout(x, p=0.5, training=False) is x
    assert F.dropout(x, p=0.0) is x
    y = F.dropout(x, p=1.0)
    assert not y.numpy().any()
    y.sum().backward()
    assert not x.grad.numpy().any()
    with pytest.raises(ValueError, match="dropout: probability has to be between 0 and 1, "
                                         "but got 1.5"):
        F.dropout(x, p=1.5)


# ----------------------------------------------------------------------------- PyTorch parity


def test_parity_with_pytorch(kernels):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    rng = np.random.default_rng(0)
    logits, soft = rng.standard_normal((7, 5)), rng.random((7, 5))
    target_2_ignored = np.where(TARGET < 0, 2, TARGET)
    cases = [
        (lambda x: F.cross_entropy(x, dl.tensor(TARGET), label_smoothing=0.1),
         lambda x: tf.cross_entropy(x, torch.tensor(TARGET), label_smoothing=0.1)),
        (lambda x: F.cross_entropy(x, dl.tensor(target_2_ignored), ignore_index=2),
         lambda x: tf.cross_entropy(x, torch.tensor(target_2_ignored), ignore_index=2)),
        (lambda x: F.mse_loss(x, dl.tensor(soft)), lambda x: tf.mse_loss(x, torch.tensor(soft))),
        (lambda x: F.binary_cross_entropy_with_logits(x, dl.tensor(soft), reduction="sum"),
         lambda x: tf.binary_cross_entropy_with_logits(x, torch.tensor(soft), reduction="sum")),
        (lambda x: F.linear(x, dl.tensor(soft[:3]), dl.tensor(soft[0, :3])),
         lambda x: tf.linear(x, torch.tensor(soft[:3]), torch.tensor(soft[0, :3]))),
    ]
    for ours_fn, theirs_fn in cases:
        ours_x = dl.tensor(logits, requires_grad=True)
        theirs_x = torch.tensor(logits, requires_grad=True)
        ours, theirs = ours_fn(ours_x), theirs_fn(theirs_x)
        np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12)
        ours.sum().backward()
        theirs.sum().backward()
        np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=1e-10,
                                   atol=1e-15)
