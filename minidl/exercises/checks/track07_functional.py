"""Tests of track step 7: relu, a stable log_softmax and cross-entropy's own backward."""
import numpy as np

from ..framework import ExerciseFailure, earlier_step, expect_close


def _reference_log_softmax(z):
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def test_relu(mod):
    Tensor = earlier_step(mod, "track04_tensor").Tensor
    x = Tensor(np.array([-1.0, 0.0, 2.0]))
    out = mod.relu(x)
    expect_close(out.data, [0.0, 0.0, 2.0], "relu forward")
    out.grad = np.array([1.0, 1.0, 1.0])
    out._backward()
    expect_close(x.grad, [0.0, 0.0, 1.0], "relu's grad (0 at x = 0, as PyTorch)",
                 "let the gradient through only where x > 0")


def test_log_softmax_is_stable(mod):
    z = np.array([[1.0, 2.0, 3.0], [1000.0, 1001.0, 999.0]])
    got = np.asarray(mod.log_softmax(z), dtype=float)
    hint = "log(sum(exp(z))) - z: the same as log_softmax, but written to avoid overflow"
    if not np.isfinite(got).all():
        hint = ("exp(1000) overflows to inf: subtract each row's max first; softmax does not "
                "change when every logit of a row moves by the same amount")
    expect_close(got, _reference_log_softmax(z), "log_softmax of rows with logits near 1000", hint)


def test_cross_entropy_value_and_gradient(mod):
    Tensor = earlier_step(mod, "track04_tensor").Tensor
    rng = np.random.default_rng(0)
    z, targets = rng.standard_normal((4, 5)), np.array([0, 3, 1, 3])
    logits = Tensor(z)
    loss = mod.cross_entropy(logits, targets)
    expected = -_reference_log_softmax(z)[np.arange(4), targets].mean()
    hint = "the *mean* over rows of -log_softmax[i, targets[i]]"
    if np.isclose(float(loss.data), 4 * expected):
        hint = "you summed over the rows: cross-entropy is the mean"
    expect_close(loss.data, expected, "the mean cross-entropy", hint)
    loss.grad = np.ones_like(loss.data)
    loss._backward()
    softmax = np.exp(_reference_log_softmax(z))
    onehot = np.eye(5)[targets]
    hint = ("differentiate -log_softmax[i, t] by logits[i, c]: it is short when written with "
            "softmax[i, c], for c = t and c != t")
    got = np.asarray(logits.grad)
    if got.shape == z.shape and np.allclose(got, softmax - onehot):
        hint = "almost: the loss is a mean over the 4 rows, so the gradient has a factor 1/4"
    expect_close(got, (softmax - onehot) / 4, "d loss / d logits", hint)


def test_your_gradcheck_agrees(mod):
    tensor_step = earlier_step(mod, "track04_tensor")
    gradcheck = earlier_step(mod, "track06_gradcheck").gradcheck
    ops = earlier_step(mod, "track05_matmul")
    rng = np.random.default_rng(1)
    x, w = tensor_step.Tensor(rng.standard_normal((3, 4))), tensor_step.Tensor(rng.standard_normal((4, 5)))
    targets = np.array([4, 0, 2])
    if not gradcheck(lambda t: mod.cross_entropy(mod.relu(ops.matmul(t[0], t[1])), targets), [x, w]):
        raise ExerciseFailure("your step-6 gradcheck passes on cross_entropy(relu(x @ w))",
                              "False", "compare each backward with its derivation; the tests "
                              "above say which op is off")


TESTS = [test_relu, test_log_softmax_is_stable, test_cross_entropy_value_and_gradient,
         test_your_gradcheck_agrees]
