"""nn.Module and the basic layers: registration, names (as PyTorch's), state_dict round trips,
load_state_dict errors, train/eval, frozen parameters, containers, init, repr."""
import copy
import math

import numpy as np
import pytest

import minidl as dl
import minidl.nn as nn
import minidl.optim as optim


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(dl.ones(3))
        self.fc = nn.Linear(3, 2)
        self.act = nn.ReLU()
        self.note = "not registered"

    def forward(self, x):
        return self.act(self.fc(x * self.scale))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1, bias=False))
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        return self.head(self.drop(self.block(x)))


NET_NAMES = ["block.scale", "block.fc.weight", "block.fc.bias", "head.0.weight", "head.0.bias",
             "head.2.weight"]


# ----------------------------------------------------------------------------- registration


def test_parameters_and_submodules_register_in_assignment_order():
    net = Net()
    assert [name for name, _ in net.named_parameters()] == NET_NAMES
    assert list(net.state_dict()) == NET_NAMES
    assert [name for name, _ in net.named_modules()] == [
        "", "block", "block.fc", "block.act", "head", "head.0", "head.1", "head.2", "drop"]
    assert [type(m).__name__ for m in net.children()] == ["Block", "Sequential", "Dropout"]
    assert len(list(net.modules())) == 9
    assert net.block.note == "not registered"
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in net.parameters())
    assert [n for n, _ in net.named_parameters(recurse=False)] == []
    assert [n for n, _ in net.block.named_parameters(prefix="b", recurse=False)] == ["b.scale"]


def test_names_match_pytorch():
    torch = pytest.importorskip("torch")

    class TorchBlock(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = torch.nn.Parameter(torch.ones(3))
            self.fc = torch.nn.Linear(3, 2)
            self.act = torch.nn.ReLU()

    class TorchNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.block = TorchBlock()
            self.head = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Tanh(),
                                            torch.nn.Linear(4, 1, bias=False))
            self.drop = torch.nn.Dropout(0.5)

    theirs = TorchNet()
    assert [n for n, _ in theirs.named_parameters()] == NET_NAMES
    assert list(theirs.state_dict()) == NET_NAMES
    assert [n for n, _ in theirs.named_modules()] == [n for n, _ in Net().named_modules()]


def test_shared_parameters_and_modules_are_listed_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]  # as PyTorch


def test_reassignment_and_none_parameters():
    layer = nn.Linear(3, 2, bias=False)
    assert layer.bias is None and [n for n, _ in layer.named_parameters()] == ["weight"]
    layer.bias = nn.Parameter(dl.zeros(2))
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]
    layer.bias = None
    assert [n for n, _ in layer.named_parameters()] == ["weight"]
    with pytest.raises(TypeError, match="cannot assign Tensor as parameter 'weight'"):
        layer.weight = dl.zeros(2, 3)
    del layer.weight
    assert list(layer.state_dict()) == []


def test_forgetting_super_init_is_a_clear_error():
    class Broken(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match="super\\(\\).__init__\\(\\)"):
        Broken()


def test_missing_attribute_and_forward():
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'weights'"):
        nn.Linear(2, 2).weights
    with pytest.raises(NotImplementedError, match="must define forward"):
        nn.Module()(dl.zeros(1))


# ----------------------------------------------------------------------------- state_dict


def test_state_dict_is_detached_and_shares_data():
    net = Net()
    state = net.state_dict()
    assert all(not t.requires_grad and type(t) is dl.Tensor for t in state.values())
    assert np.shares_memory(state["block.fc.weight"].numpy(), net.block.fc.weight.numpy())


def test_state_dict_round_trip_through_a_file(tmp_path):
    dl.manual_seed(0)
    source, target = Net(), Net()
    x = dl.randn(5, 3)
    source.eval(), target.eval()
    assert not np.allclose(source(x).numpy(), target(x).numpy())
    dl.save(source.state_dict(), tmp_path / "net.mdl")
    result = target.load_state_dict(dl.load(tmp_path / "net.mdl"))
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(source(x).numpy(), target(x).numpy())
    # copies, not aliases: the two models stay independent
    assert not np.shares_memory(source.head[0].weight.numpy(), target.head[0].weight.numpy())


def test_load_state_dict_keeps_parameter_objects_and_casts_arrays():
    layer = nn.Linear(2, 3)
    weight = layer.weight
    layer.load_state_dict({"weight": np.ones((3, 2)), "bias": np.arange(3.0)})  # float64 arrays
    assert layer.weight is weight and weight.dtype == dl.float32
    np.testing.assert_array_equal(layer.bias.numpy(), [0, 1, 2])


def test_load_state_dict_errors_list_every_problem():
    net = Net()
    state = net.state_dict()
    del state["head.0.bias"]
    state["head.3.weight"] = dl.zeros(1)
    state["block.fc.weight"] = dl.zeros(3, 2)
    before = net.block.scale.numpy().copy()
    state["block.scale"] = dl.full((3,), 7.0)
    with pytest.raises(RuntimeError) as error:
        net.load_state_dict(state)
    message = str(error.value)
    assert "Error(s) in loading state_dict for Net" in message
    assert 'Missing key(s) in state_dict: "head.0.bias"' in message
    assert 'Unexpected key(s) in state_dict: "head.3.weight"' in message
    assert ("size mismatch for block.fc.weight: copying a param with shape (3, 2) from "
            "checkpoint, the shape in current model is (2, 3)") in message
    np.testing.assert_array_equal(net.block.scale.numpy(), before)  # nothing was copied


def test_load_state_dict_non_strict():
    net = Net()
    partial = {"block.scale": dl.full((3,), 2.0), "extra": dl.zeros(1)}
    result = net.load_state_dict(partial, strict=False)
    assert result.missing_keys == [n for n in NET_NAMES if n != "block.scale"]
    assert result.unexpected_keys == ["extra"]
    np.testing.assert_array_equal(net.block.scale.numpy(), [2, 2, 2])
    with pytest.raises(RuntimeError, match="size mismatch for block.scale"):
        net.load_state_dict({"block.scale": dl.zeros(4)}, strict=False)


def test_deepcopy_gives_independent_parameters_on_the_same_device():
    net = Net()
    clone = copy.deepcopy(net)
    assert [n for n, _ in clone.named_parameters()] == NET_NAMES
    for mine, theirs in zip(net.parameters(), clone.parameters()):
        assert mine is not theirs and isinstance(theirs, nn.Parameter)
        assert not np.shares_memory(mine.numpy(), theirs.numpy())
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    clone(dl.randn(2, 3)).sum().backward()  # the copy's parameters work in ops


# ----------------------------------------------------------------------------- modes, grads


def test_train_eval_propagate_and_switch_dropout():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    x = dl.ones(1000, 2)
    np.testing.assert_array_equal(net.drop(x).numpy(), x.numpy())
    net.train()
    assert all(m.training for m in net.modules())
    assert (net.drop(x).numpy() == 0).mean() == pytest.approx(0.5, abs=0.05)


def test_zero_grad():
    layer = nn.Linear(3, 2)
    layer(dl.randn(4, 3)).sum().backward()
    grad = layer.weight.grad
    layer.zero_grad(set_to_none=False)
    assert layer.weight.grad is grad and not grad.numpy().any()
    layer.zero_grad()
    assert layer.weight.grad is None and layer.bias.grad is None


def test_frozen_parameters_get_no_gradient_and_are_not_updated():
    dl.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    for p in model[0].parameters():
        p.requires_grad_(False)
    frozen = [p.numpy().copy() for p in model[0].parameters()]
    trained = model[2].weight.numpy().copy()
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for _ in range(2):
        optimizer.zero_grad()
        model(dl.randn(5, 3)).pow(2).sum().backward()
        optimizer.step()
    assert all(p.grad is None for p in model[0].parameters())
    for p, before in zip(model[0].parameters(), frozen):
        np.testing.assert_array_equal(p.numpy(), before)
    assert not np.array_equal(model[2].weight.numpy(), trained)
    assert [n for n, p in model.named_parameters() if p.requires_grad] == ["2.weight", "2.bias"]


def test_to_moves_and_casts_in_place():
    layer = nn.Linear(2, 2)
    weight = layer.weight
    optimizer = optim.SGD(layer.parameters(), lr=0.1)
    assert layer.to("cpu") is layer and layer.weight is weight
    layer.double()
    assert layer.weight is weight and weight.dtype == dl.float64 and layer.bias.dtype == dl.float64
    layer(dl.randn(3, 2, dtype=dl.float64)).sum().backward()
    optimizer.step()  # the optimizer still holds the same (now float64) parameters
    layer.to(dl.float32)
    assert weight.dtype == dl.float32 and weight.grad.dtype == dl.float32


@pytest.mark.cuda
def test_to_cuda_keeps_parameter_identity():
    layer = nn.Linear(2, 2)
    weight = layer.weight
    optimizer = optim.Adam(layer.parameters())
    layer.to("cuda")
    assert layer.weight is weight and weight.device == "cuda"
    layer(dl.randn(3, 2, device="cuda")).sum().backward()
    optimizer.step()
    assert weight.device == "cuda"


# ----------------------------------------------------------------------------- layers


def test_linear_shapes_and_init_bound():
    dl.manual_seed(0)
    layer = nn.Linear(100, 300)
    assert layer.weight.shape == (300, 100) and layer.bias.shape == (300,)
    bound = 1 / math.sqrt(100)
    for p in (layer.weight, layer.bias):
        values = p.numpy()
        assert np.abs(values).max() <= bound and np.abs(values).max() > 0.95 * bound
    # uniform on (-b, b) has standard deviation b / sqrt(3)
    assert layer.weight.numpy().std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert layer(dl.randn(7, 5, 100)).shape == (7, 5, 300)


def test_linear_reproducible_with_manual_seed():
    dl.manual_seed(3)
    first = nn.Linear(4, 4).weight.numpy().copy()
    dl.manual_seed(3)
    np.testing.assert_array_equal(nn.Linear(4, 4).weight.numpy(), first)


def test_init_functions():
    dl.manual_seed(0)
    w = dl.zeros(200, 300)
    assert nn.init.uniform_(w, -2, 3) is w
    assert w.numpy().min() >= -2 and w.numpy().max() < 3
    nn.init.normal_(w, mean=1.0, std=0.5)
    assert w.numpy().mean() == pytest.approx(1.0, abs=0.01)
    assert w.numpy().std() == pytest.approx(0.5, rel=0.02)
    nn.init.xavier_uniform_(w)
    assert np.abs(w.numpy()).max() <= math.sqrt(6 / 500)
    nn.init.kaiming_uniform_(w, nonlinearity="relu")
    assert np.abs(w.numpy()).max() <= math.sqrt(2) * math.sqrt(3 / 300)
    assert w.numpy().std() == pytest.approx(math.sqrt(2 / 300), rel=0.02)
    nn.init.zeros_(w)
    assert not w.numpy().any()
    nn.init.ones_(w)
    assert (w.numpy() == 1).all()
    p = nn.Parameter(dl.zeros(3, 3))
    nn.init.ones_(p)  # works on tensors that require grad
    assert p.requires_grad and p.grad_fn is None
    assert nn.init.calculate_gain("tanh") == pytest.approx(5 / 3)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        nn.init.xavier_uniform_(dl.zeros(3))


def test_activation_modules_match_functions():
    x = dl.randn(4, 5)
    F = nn.functional
    pairs = [(nn.ReLU(), F.relu(x)), (nn.Sigmoid(), F.sigmoid(x)), (nn.Tanh(), F.tanh(x)),
             (nn.GELU(), F.gelu(x)), (nn.GELU("tanh"), F.gelu(x, approximate="tanh")),
             (nn.Softmax(dim=0), F.softmax(x, 0))]
    for module, expected in pairs:
        np.testing.assert_array_equal(module(x).numpy(), expected.numpy())
        assert list(module.parameters()) == []


def test_sequential_indexing_iteration_and_state_dict_keys():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)]
    model = nn.Sequential(*layers)
    assert len(model) == 3 and list(model) == layers
    assert model[0] is layers[0] and model[-1] is layers[2]
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    tail = model[1:]
    assert isinstance(tail, nn.Sequential) and list(tail) == layers[1:]
    assert list(tail.state_dict()) == ["2.weight", "2.bias"]  # names kept, as in PyTorch
    x = dl.randn(4, 2)
    np.testing.assert_array_equal(model(x).numpy(), layers[2](layers[1](layers[0](x))).numpy())
    with pytest.raises(IndexError, match="index 3 is out of range for 3 modules"):
        model[3]
    model.append(nn.Sigmoid())
    assert len(model) == 4 and isinstance(model[3], nn.Sigmoid)


def test_module_list():
    blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(blocks) == 3
    assert [n for n, _ in blocks.named_parameters()][:2] == ["0.weight", "0.bias"]
    blocks.extend([nn.Linear(2, 1)])
    assert blocks[-1].out_features == 1 and len(blocks[1:]) == 3


def test_repr_matches_pytorch_layout():
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Dropout(0.1), nn.GELU("tanh"),
                          nn.Sequential(nn.Softmax(dim=1)))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=64, out_features=128, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Dropout(p=0.1, inplace=False)\n"
        "  (3): GELU(approximate='tanh')\n"
        "  (4): Sequential(\n"
        "    (0): Softmax(dim=1)\n"
        "  )\n"
        ")"
    )
    assert repr(nn.Parameter(dl.zeros(1))).startswith("Parameter containing:\ntensor(")


def test_parameter_is_a_leaf_tensor_sharing_data():
    data = dl.zeros(2)
    p = nn.Parameter(data)
    assert isinstance(p, dl.Tensor) and p.is_leaf and p.requires_grad
    assert np.shares_memory(p.numpy(), data.numpy())
    assert not nn.Parameter(data, requires_grad=False).requires_grad
    (p * 2).sum().backward()
    np.testing.assert_array_equal(p.grad.numpy(), [2, 2])
    # a transposed (non-contiguous) tensor is copied to C order: optimizers update it flat
    transposed = nn.Parameter(dl.randn(3, 2).T)
    assert transposed.numpy().flags.c_contiguous and transposed.shape == (2, 3)
    transposed.grad = dl.ones(2, 3)
    optim.Adam([transposed]).step()
    assert nn.Parameter(dl.tensor(3.0)).shape == ()


def test_reassigning_a_child_or_parameter_keeps_its_place():
    """Replacing layer "0" of a Sequential (as quantize_dynamic and pruning do) must not move
    it after the others: Sequential runs its children in registration order."""
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    setattr(model, "0", nn.Linear(2, 3))
    assert [name for name, _ in model.named_children()] == ["0", "1", "2"]
    layer = nn.Linear(2, 3)
    layer.weight = nn.Parameter(dl.zeros(3, 2))
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]
