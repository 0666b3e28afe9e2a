"""Tests of track step 8: Module.parameters, Linear and Sequential."""
import numpy as np

from ..framework import ExerciseFailure, earlier_step, expect_close


def test_linear_shapes_and_init(mod):
    layer = mod.Linear(64, 32, np.random.default_rng(0))
    for name, shape in [("weight", (32, 64)), ("bias", (32,))]:
        value = getattr(layer, name, None)
        if value is None or np.shape(value.data) != shape:
            raise ExerciseFailure(f"Linear(64, 32).{name} with shape {shape} (PyTorch's layout)",
                                  "missing" if value is None else f"shape {np.shape(value.data)}")
    bound = 1 / 8
    w = layer.weight.data
    if np.abs(w).max() > bound or np.abs(w).max() < 0.8 * bound:
        raise ExerciseFailure(f"weights uniform in [-{bound}, {bound}] (k = 1/sqrt(64))",
                              f"largest |w| = {np.abs(w).max():.4g}",
                              "rng.uniform(-k, k, shape) with k = 1 / sqrt(in_features)")


def test_linear_forward_and_gradients(mod):
    Tensor = earlier_step(mod, "track04_tensor").Tensor
    backward = earlier_step(mod, "track02_backward").backward
    ops = earlier_step(mod, "track05_matmul")
    layer = mod.Linear(3, 2, np.random.default_rng(0))
    x = Tensor(np.random.default_rng(1).standard_normal((4, 3)))
    out = layer(x)
    w, b = layer.weight.data, layer.bias.data
    expect_close(out.data, x.data @ w.T + b, "Linear(3, 2) on a (4, 3) batch: x W^T + b")
    backward(ops.tensor_sum(out))
    expect_close(layer.weight.grad, np.ones((4, 2)).T @ x.data, "weight.grad for sum(x W^T + b)",
                 "the gradient must flow through the transpose back to weight, in its shape")
    expect_close(layer.bias.grad, np.full(2, 4.0), "bias.grad (added to each of 4 rows)")


def test_parameters_found_everywhere_once(mod):
    rng = np.random.default_rng(0)
    shared = mod.Linear(2, 2, rng)

    class Block(mod.Module):
        def __init__(self):
            self.first = mod.Linear(2, 3, rng)
            self.layers = [mod.Linear(3, 3, rng), mod.ReLU(), shared]
            self.again = shared
            self.note = "not a parameter"

    params = Block().parameters()
    expect_close(len(params), 2 * 3, "the number of parameters (3 Linear layers, one of them "
                 "reached twice)",
                 "collect Tensors from attributes, sub-modules (ask them) and lists, and skip "
                 "a Tensor you already have (compare with `is`)")


def test_sequential_and_zero_grad(mod):
    Tensor = earlier_step(mod, "track04_tensor").Tensor
    rng = np.random.default_rng(0)
    model = mod.Sequential(mod.Linear(4, 8, rng), mod.ReLU(), mod.Linear(8, 3, rng))
    x = np.random.default_rng(1).standard_normal((5, 4))
    first, second = model.modules[0], model.modules[2]
    expected = np.maximum(x @ first.weight.data.T + first.bias.data, 0) @ second.weight.data.T \
        + second.bias.data
    expect_close(model(Tensor(x)).data, expected, "Sequential(Linear, ReLU, Linear) forward")
    if len(model.parameters()) != 4:
        raise ExerciseFailure("4 parameters in the Sequential", f"{len(model.parameters())}")
    for p in model.parameters():
        p.grad = p.grad + 1.0
    model.zero_grad()
    if any(np.any(p.grad != 0) for p in model.parameters()):
        raise ExerciseFailure("every grad zero after zero_grad()", "non-zero grads")


TESTS = [test_linear_shapes_and_init, test_linear_forward_and_gradients,
         test_parameters_found_everywhere_once, test_sequential_and_zero_grad]
