"""The activations, losses, pad, normalize and cosine_similarity added for PyTorch code:
float64 gradchecks on both kernel sets (random upstream gradients), values and gradients
against torch.nn.functional when PyTorch is installed, modules, and error messages."""
import numpy as np
import pytest
from nn_cases import CASES, FLAT_CLASSES, WEIGHT, array, probabilities

import minidl as dl
import minidl.nn as nn
import minidl.nn.functional as F


def minidl_inputs(arrays, with_grad):
    return [dl.tensor(a, dtype=None if a.dtype.kind != "f" else dl.float64,
                      requires_grad=i in with_grad) for i, a in enumerate(arrays)]


@pytest.mark.parametrize("name", list(CASES))
def test_gradcheck(kernels, name):
    function, arrays, with_grad = CASES[name]
    inputs = minidl_inputs(arrays, with_grad)
    assert dl.gradcheck(lambda *xs: function(F, *xs), inputs)


@pytest.mark.parametrize("name", list(CASES))
def test_matches_pytorch(name):
    torch = pytest.importorskip("torch")
    function, arrays, with_grad = CASES[name]
    ours = minidl_inputs(arrays, with_grad)
    theirs = [torch.tensor(a, requires_grad=i in with_grad) for i, a in enumerate(arrays)]
    out, expected = function(F, *ours), function(torch.nn.functional, *theirs)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    upstream = array(*expected.shape, seed=9)
    out.backward(dl.tensor(upstream))
    expected.backward(torch.tensor(upstream))
    # PyTorch's hardsigmoid backward multiplies by 1/6 rounded to float32, also in float64
    rtol = 1e-7 if name.startswith("hards") else 1e-9
    for i in with_grad:
        np.testing.assert_allclose(ours[i].grad.numpy(), theirs[i].grad.numpy(), rtol=rtol,
                                   atol=1e-12, err_msg=f"{name}: gradient of input {i}")


MODULES = [
    (lambda nn: nn.SiLU(), 1), (lambda nn: nn.LeakyReLU(0.1), 1), (lambda nn: nn.ELU(0.5), 1),
    (lambda nn: nn.Softplus(beta=2.0), 1), (lambda nn: nn.LogSoftmax(dim=1), 1),
    (lambda nn: nn.Softmax(dim=0), 1), (lambda nn: nn.GELU(approximate="tanh"), 1),
    (lambda nn: nn.L1Loss(), 2), (lambda nn: nn.SmoothL1Loss(beta=0.5), 2),
    (lambda nn: nn.HuberLoss(delta=0.5), 2), (lambda nn: nn.MSELoss(reduction="sum"), 2),
    (lambda nn: nn.Hardtanh(-0.5, 0.5), 1), (lambda nn: nn.ReLU6(), 1), (lambda nn: nn.SELU(), 1),
    (lambda nn: nn.CELU(0.7), 1), (lambda nn: nn.GLU(), 1), (lambda nn: nn.Mish(), 1),
    (lambda nn: nn.Hardswish(), 1), (lambda nn: nn.Hardsigmoid(), 1),
    (lambda nn: nn.LogSigmoid(), 1), (lambda nn: nn.Softsign(), 1), (lambda nn: nn.Tanhshrink(), 1),
    (lambda nn: nn.PReLU(), 1), (lambda nn: nn.PReLU(4, init=0.1), 1),
    (lambda nn: nn.CosineSimilarity(dim=0), 2), (lambda nn: nn.PairwiseDistance(p=1.0), 2),
    (lambda nn: nn.ZeroPad2d(1), 1), (lambda nn: nn.ConstantPad1d((1, 2), 0.5), 1),
    (lambda nn: nn.ReflectionPad1d((1, 2)), 1), (lambda nn: nn.ReplicationPad1d(3), 1),
    (lambda nn: nn.CircularPad1d((1, 0)), 1), (lambda nn: nn.ZeroPad1d((1, 2)), 1),
]


@pytest.mark.parametrize("index", range(len(MODULES)))
def test_modules_match_pytorch_and_print_the_same(index):
    torch = pytest.importorskip("torch")
    build, num_inputs = MODULES[index]
    arrays = [array(3, 4, seed=i) for i in range(num_inputs)]
    ours, theirs = build(nn).double(), build(torch.nn).double()
    expected = theirs(*[torch.tensor(a) for a in arrays]).detach().numpy()
    np.testing.assert_allclose(ours(*[dl.tensor(a) for a in arrays]).numpy(), expected,
                               rtol=1e-10)
    assert repr(ours) == repr(theirs)


def test_classification_loss_modules_match_pytorch():
    torch = pytest.importorskip("torch")
    logits, weight = array(4, 5), WEIGHT
    pairs = [
        (nn.NLLLoss(dl.tensor(weight), ignore_index=1),
         torch.nn.NLLLoss(torch.tensor(weight), ignore_index=1), FLAT_CLASSES),
        (nn.CrossEntropyLoss(dl.tensor(weight), reduction="sum"),
         torch.nn.CrossEntropyLoss(torch.tensor(weight), reduction="sum"), FLAT_CLASSES),
        (nn.CrossEntropyLoss(label_smoothing=0.1), torch.nn.CrossEntropyLoss(label_smoothing=0.1),
         probabilities(4, 5, seed=3)),
        (nn.KLDivLoss(reduction="batchmean"), torch.nn.KLDivLoss(reduction="batchmean"),
         probabilities(4, 5, seed=3)),
    ]
    for ours, theirs, target in pairs:
        got = ours(dl.tensor(logits), dl.tensor(target)).item()
        assert got == pytest.approx(theirs(torch.tensor(logits), torch.tensor(target)).item())
    bce = nn.BCELoss(weight=dl.tensor(array(4, seed=4)))
    x, y = array(3, 4, low=0.1, high=0.9), array(3, 4, seed=1, low=0, high=1)
    expected = torch.nn.BCELoss(weight=torch.tensor(array(4, seed=4)))(torch.tensor(x),
                                                                       torch.tensor(y))
    assert bce(dl.tensor(x), dl.tensor(y)).item() == pytest.approx(expected.item())


def test_loss_module_weight_moves_with_to():
    loss = nn.CrossEntropyLoss(weight=dl.ones(3))
    assert loss.to(dl.float64).weight.dtype == dl.float64
    assert list(loss.state_dict()) == ["weight"]


def test_binary_cross_entropy_is_finite_at_zero_and_one():
    x = dl.tensor([0.0, 1.0], dtype=dl.float64, requires_grad=True)
    loss = F.binary_cross_entropy(x, dl.tensor([1.0, 0.0], dtype=dl.float64), reduction="sum")
    assert loss.item() == pytest.approx(200.0)  # each log clamped at -100, as in PyTorch
    loss.backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_normalize_keeps_a_zero_vector_at_zero():
    x = dl.zeros(2, 3, dtype=dl.float64, requires_grad=True)
    y = F.normalize(x, dim=1)
    y.backward(dl.ones(2, 3, dtype=dl.float64))
    assert float(y.abs().sum()) == 0 and np.isfinite(x.grad.numpy()).all()


def test_errors_name_the_function_and_the_argument():
    x, t = dl.randn(4, 5), dl.tensor(FLAT_CLASSES)
    with pytest.raises(NotImplementedError, match="nll_loss: the deprecated size_average="):
        F.nll_loss(x, t, size_average=True)
    with pytest.raises(NotImplementedError, match="CrossEntropyLoss: the deprecated reduce="):
        nn.CrossEntropyLoss(reduce=False)
    with pytest.raises(NotImplementedError, match="weight= together with label_smoothing="):
        F.cross_entropy(x, t, weight=dl.ones(5), label_smoothing=0.1)
    with pytest.raises(NotImplementedError, match="BCEWithLogitsLoss: the pos_weight="):
        nn.BCEWithLogitsLoss(pos_weight=dl.ones(1))
    with pytest.raises(NotImplementedError, match="huber_loss: the weight="):
        F.huber_loss(x, x, weight=dl.ones(5))
    with pytest.raises(NotImplementedError, match="pad: mode 'wrap'"):
        F.pad(x, (1, 1), mode="wrap")
    with pytest.raises(RuntimeError, match="pad: reflect padding \\(5, 0\\) is invalid for "
                                           "dimension 1 of size 5"):
        F.pad(x, (5, 0), mode="reflect")
    with pytest.raises(RuntimeError, match="pad: padding length 3 must be even"):
        F.pad(x, (1, 1, 1))
    with pytest.raises(RuntimeError, match="binary_cross_entropy: all elements of input"):
        F.binary_cross_entropy(dl.tensor([1.5]), dl.tensor([1.0]))
    with pytest.raises(ValueError, match="kl_div: 'batch' is not a valid value for reduction"):
        F.kl_div(x, x, reduction="batch")
    with pytest.raises(IndexError, match="nll_loss: target 7 is out of bounds for 5 classes"):
        F.nll_loss(x, dl.tensor([0, 1, 7, 2]))
    with pytest.raises(ValueError, match=r"nll_loss: expected target of shape \(4,\)"):
        F.nll_loss(x, dl.tensor([0, 1]))


def test_inplace_flags_are_accepted_and_leave_the_input_unchanged():
    x = dl.tensor([-1.0, 2.0])
    for out in (F.relu(x, inplace=True), nn.ReLU(inplace=True)(x), F.silu(x, inplace=True),
                F.leaky_relu(x, 0.1, inplace=True), F.elu(x, inplace=True),
                F.dropout(x, 0.5, training=False, inplace=True), nn.Dropout(0.0, inplace=True)(x)):
        assert out.shape == (2,)
    assert x.tolist() == [-1.0, 2.0]
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)"


def test_older_loss_functions_name_their_unsupported_arguments():
    x = dl.randn(3)
    with pytest.raises(NotImplementedError, match="mse_loss: the deprecated reduce="):
        F.mse_loss(x, x, reduce=False)
    with pytest.raises(NotImplementedError, match="mse_loss: the weight="):
        F.mse_loss(x, x, weight=dl.ones(3))
    with pytest.raises(NotImplementedError, match="binary_cross_entropy_with_logits: the "
                                                  "pos_weight="):
        F.binary_cross_entropy_with_logits(x, x, pos_weight=dl.ones(3))
    with pytest.raises(NotImplementedError, match="l1_loss: the weight="):
        F.l1_loss(x, x, weight=dl.ones(3))


@pytest.mark.parametrize("name", ["ReflectionPad2d", "ReplicationPad3d", "CircularPad2d",
                                  "ConstantPad3d", "ZeroPad2d"])
def test_padding_layers_of_images_match_pytorch(name):
    torch = pytest.importorskip("torch")
    dims = int(name[-2])
    x = array(2, 3, 4, 5, 6)[(0,) * (3 - dims)]  # (N, C) + dims spatial axes
    padding = (1, 2, 0, 3, 2, 1)[:2 * dims]
    args = (padding, 0.5) if name.startswith("Constant") else (padding,)
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    expected = theirs(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours(dl.tensor(x)).numpy(), expected)
    assert repr(ours) == repr(theirs)


def test_softmax_dtype_and_implicit_dim_as_pytorch():
    torch = pytest.importorskip("torch")
    x, tf = array(2, 3, 4), torch.nn.functional
    for ours, theirs in [(lambda: F.softmax(dl.tensor(x), dtype=dl.float32),
                          lambda: tf.softmax(torch.tensor(x), dtype=torch.float32)),
                         (lambda: nn.LogSoftmax()(dl.tensor(x[0])),
                          lambda: torch.nn.LogSoftmax()(torch.tensor(x[0])))]:
        with pytest.warns(UserWarning, match="Implicit dimension choice"):
            got = ours()
        with pytest.warns(UserWarning, match="Implicit dimension choice"):
            expected = theirs()
        assert got.dtype == {torch.float32: dl.float32, torch.float64: dl.float64}[expected.dtype]
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6)
