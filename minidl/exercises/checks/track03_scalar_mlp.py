"""Tests of track step 3: a Value-based MLP and its training step."""
import numpy as np

from ..framework import ExerciseFailure, earlier_step, expect_close


def test_neuron_output(mod):
    neuron = mod.Neuron(3, np.random.default_rng(0))
    w = [p.data for p in neuron.w]
    out = neuron([1.0, -2.0, 0.5])
    expected = np.tanh(w[0] - 2 * w[1] + 0.5 * w[2])
    expect_close(getattr(out, "data", out), expected, "tanh(w . x + b) with b = 0",
                 "sum w_i * x_i, starting from the bias, then .tanh(); return the Value")


def test_mlp_shapes_and_parameters(mod):
    model = mod.MLP(3, [4, 4, 1], np.random.default_rng(0))
    out = model([1.0, 2.0, 3.0])
    if not isinstance(out, list) or len(out) != 1:
        raise ExerciseFailure("a list with one Value (the last layer has one neuron)",
                              repr(out)[:80], "feed each layer's list of outputs to the next")
    expect_close(len(model.parameters()), 4 * 4 + 4 * 5 + 1 * 5,
                 "the number of parameters of MLP(3, [4, 4, 1])")


def test_gradients_match_finite_differences(mod):
    Value = earlier_step(mod, "track01_value").Value
    model = mod.MLP(2, [3, 1], np.random.default_rng(1))
    xs, ys = [[0.5, -1.0], [1.0, 2.0]], [1.0, -1.0]
    params = model.parameters()

    def loss_value():
        total = Value(0.0)
        for x, y in zip(xs, ys):
            total = total + (model(x)[0] - y) ** 2
        return total
    before = [p.data for p in params]
    mod.train_step(model, xs, ys, lr=0.0)  # lr 0: only the gradients
    got = [p.grad for p in params]
    numerical = []
    for p, value in zip(params, before):
        p.data = value + 1e-6
        plus = loss_value().data
        p.data = value - 1e-6
        minus = loss_value().data
        p.data = value
        numerical.append((plus - minus) / 2e-6)
    expect_close(got, numerical, "every parameter's grad after train_step, vs central differences",
                 "the loss is the sum over examples of (model(x)[0] - y) ** 2; call your "
                 "backward on it", atol=1e-5, rtol=1e-4)


def test_training_reduces_the_loss(mod):
    model = mod.MLP(3, [4, 4, 1], np.random.default_rng(0))
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    losses = [mod.train_step(model, xs, ys, lr=0.05) for _ in range(60)]
    if not np.isfinite(losses).all() or losses[-1] > 0.1 * losses[0]:
        hint = "reset every parameter's grad to 0 before backward, and step against the grad"
        if losses[-1] > losses[0]:
            hint = "the loss grew: move each parameter by -lr * grad (against the gradient)"
        raise ExerciseFailure("the loss falls to under a tenth in 60 steps (lr 0.05)",
                              f"{losses[0]:.4g} -> {losses[-1]:.4g}", hint)


TESTS = [test_neuron_output, test_mlp_shapes_and_parameters,
         test_gradients_match_finite_differences, test_training_reduces_the_loss]
