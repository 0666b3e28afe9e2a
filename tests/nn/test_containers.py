"""ModuleDict, ParameterList, ParameterDict, buffers (persistent or not), apply, the tree
walkers, Identity/Flatten/Unflatten; parity of names and repr with PyTorch where useful."""
import numpy as np
import pytest

import minidl as dl
import minidl.nn as nn
import minidl.optim as optim


class WithBuffers(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)
        self.register_buffer("mask", dl.ones(2, 2))
        self.register_buffer("steps", dl.tensor([0]))
        self.register_buffer("scratch", dl.zeros(3), persistent=False)
        self.register_buffer("absent", None)


def test_module_dict_registers_its_modules_in_order():
    layers = nn.ModuleDict({"b": nn.Linear(2, 3), "a": nn.ReLU()})
    layers["c"] = nn.Linear(3, 1)
    assert list(layers) == ["b", "a", "c"] and len(layers) == 3 and "a" in layers
    assert [name for name, _ in layers.named_parameters()] == ["b.weight", "b.bias", "c.weight",
                                                                "c.bias"]
    assert layers.b is layers["b"]
    assert isinstance(layers.pop("a"), nn.ReLU) and list(layers.keys()) == ["b", "c"]
    with pytest.raises(TypeError):
        layers["d"] = "not a module"


def test_parameter_list_and_dict():
    plist = nn.ParameterList([nn.Parameter(dl.ones(2)), dl.zeros(3)])
    plist.append(dl.ones(1))
    assert len(plist) == 3 and isinstance(plist[1], nn.Parameter) and plist[-1].shape == (1,)
    assert [n for n, _ in plist.named_parameters()] == ["0", "1", "2"]
    pdict = nn.ParameterDict({"scale": dl.ones(2)})
    pdict["shift"] = nn.Parameter(dl.zeros(2))
    assert list(pdict.keys()) == ["scale", "shift"] and pdict["scale"].requires_grad

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.weights = plist
            self.affine = pdict

    names = [name for name, _ in Model().named_parameters()]
    assert names == ["weights.0", "weights.1", "weights.2", "affine.scale", "affine.shift"]
    assert "Parameter containing: [minidl.float32 of size 3]" in repr(plist)


def test_buffers_are_saved_when_persistent_and_never_optimized():
    model = WithBuffers()
    assert [n for n, _ in model.named_buffers()] == ["mask", "steps", "scratch"]
    assert list(model.state_dict()) == ["mask", "steps", "fc.weight", "fc.bias"]  # PyTorch order
    assert all(p is not model.mask for p in model.parameters())
    assert model.absent is None and model.mask.shape == (2, 2)
    other = WithBuffers()
    with dl.no_grad():
        model.mask[...] = 5
    other.load_state_dict(model.state_dict())
    np.testing.assert_array_equal(other.mask.numpy(), 5)
    model.mask = dl.zeros(2, 2)  # reassigning keeps it a buffer
    assert "mask" in dict(model.named_buffers())
    with pytest.raises(TypeError):
        model.mask = "text"
    with pytest.raises(KeyError):
        model.register_buffer("a.b", dl.ones(1))


def test_to_moves_buffers_and_casts_only_floating_ones():
    model = WithBuffers().to(dl.float64)
    assert model.mask.dtype == dl.float64 and model.scratch.dtype == dl.float64
    assert model.steps.dtype == dl.int64


def test_nested_buffers_have_qualified_names():
    outer = nn.Sequential(WithBuffers(), WithBuffers())
    assert [n for n, _ in outer.named_buffers()][:3] == ["0.mask", "0.steps", "0.scratch"]
    assert "1.steps" in outer.state_dict() and "1.scratch" not in outer.state_dict()
    assert len(list(outer.buffers(recurse=False))) == 0


def test_apply_visits_children_first_then_self():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU(), nn.Linear(2, 1)))
    visited = []
    assert model.apply(lambda m: visited.append(type(m).__name__)) is model
    assert visited == ["Linear", "ReLU", "Linear", "Sequential", "Sequential"]

    def init(module):
        if isinstance(module, nn.Linear):
            nn.init.zeros_(module.weight)

    model.apply(init)
    assert all(float(p.abs().sum()) == 0 for n, p in model.named_parameters() if "weight" in n)


def test_children_and_named_modules():
    model = nn.Sequential(nn.Linear(2, 2), nn.ModuleDict({"act": nn.ReLU()}))
    assert [n for n, _ in model.named_children()] == ["0", "1"]
    assert [n for n, _ in model.named_modules()] == ["", "0", "1", "1.act"]
    assert len(list(model.children())) == 2


def test_identity_flatten_unflatten():
    x = dl.randn(2, 3, 4, 5)
    assert nn.Identity(7, any_option=True)(x) is x
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 2)(x).shape == (24, 5)
    assert nn.Unflatten(1, (3, 20))(nn.Flatten()(x)).shape == (2, 3, 20)
    assert nn.Unflatten(-1, (-1, 4))(nn.Flatten()(x)).shape == (2, 15, 4)
    with pytest.raises(RuntimeError, match="Unflatten"):
        nn.Unflatten(1, (7, 7))(nn.Flatten()(x))
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"


def test_optimizer_ignores_buffers_and_trains_module_dict():
    model = nn.ModuleDict({"fc": nn.Linear(2, 1)})
    model.register_buffer("seen", dl.zeros(1))
    opt = optim.SGD(model.parameters(), lr=0.1)
    loss = (model["fc"](dl.ones(4, 2)) ** 2).mean()
    loss.backward()
    opt.step()
    assert len(opt.param_groups[0]["params"]) == 2


def test_names_and_state_dict_match_pytorch():
    torch = pytest.importorskip("torch")

    def build(nn_module):
        model = nn_module.ModuleDict({"enc": nn_module.Sequential(nn_module.Linear(3, 4),
                                                                  nn_module.Flatten()),
                                      "head": nn_module.Linear(4, 2)})
        model.register_buffer("mask", (torch if nn_module is torch.nn else dl).ones(2))
        model.register_buffer("tmp", (torch if nn_module is torch.nn else dl).ones(2),
                              persistent=False)
        model.extra = nn_module.ParameterList([nn_module.Parameter(
            (torch if nn_module is torch.nn else dl).ones(2))])
        return model

    ours, theirs = build(nn), build(torch.nn)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]


def test_lookups_by_dotted_path_and_freezing():
    model = nn.ModuleDict({"enc": nn.Sequential(nn.Linear(2, 3), WithBuffers())})
    assert model.get_submodule("enc.0") is model["enc"][0] and model.get_submodule("") is model
    assert model.get_parameter("enc.0.weight") is model["enc"][0].weight
    assert model.get_buffer("enc.1.mask") is model["enc"][1].mask
    with pytest.raises(AttributeError, match="no submodule 'x'"):
        model.get_submodule("enc.x")
    with pytest.raises(AttributeError, match="no parameter 'nope'"):
        model.get_parameter("enc.0.nope")
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())
    model.register_module("head", nn.Linear(3, 1))
    assert "head.weight" in model.state_dict()
    assert model.half()["head"].weight.dtype == dl.float16


def test_remove_duplicate_false_lists_shared_modules_and_parameters_twice():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, shared)
    assert [n for n, _ in model.named_modules()] == ["", "0"]
    assert [n for n, _ in model.named_modules(remove_duplicate=False)] == ["", "0", "1"]
    assert len(list(model.named_parameters(remove_duplicate=False))) == 4
    assert [n for n, _ in model.named_modules(prefix="net")] == ["net", "net.0"]
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Sequential(*[torch.nn.Linear(2, 2)] * 2)
    assert [n for n, _ in theirs.named_modules(remove_duplicate=False)] == ["", "0", "1"]
    assert len(list(theirs.named_parameters(remove_duplicate=False))) == 4


def test_state_dict_keep_vars_and_destination():
    model = nn.Sequential(nn.Linear(2, 2))
    kept = model.state_dict(keep_vars=True)
    assert kept["0.weight"] is model[0].weight
    assert model.state_dict()["0.weight"] is not model[0].weight
    target = {"existing": 1}
    assert model.state_dict(destination=target, prefix="net.") is target
    assert list(target) == ["existing", "net.0.weight", "net.0.bias"]


def test_layer_factory_arguments_and_unsupported_embedding_options():
    norm = nn.LayerNorm(3, dtype=dl.float64)
    assert norm.weight.dtype == dl.float64 and norm.bias.dtype == dl.float64
    table = nn.Embedding(5, 2, dtype=dl.float64, _freeze=True)
    assert table.weight.dtype == dl.float64 and not table.weight.requires_grad
    with pytest.raises(NotImplementedError, match="Embedding: the max_norm= option"):
        nn.Embedding(5, 2, max_norm=1.0)
    assert len(nn.ModuleList()) == 0


def test_embedding_from_pretrained_matches_pytorch():
    torch = pytest.importorskip("torch")
    table = np.random.default_rng(0).standard_normal((5, 3))
    ours = nn.Embedding.from_pretrained(dl.tensor(table))
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(table))
    ids = np.array([[0, 4], [2, 2]])
    np.testing.assert_array_equal(ours(dl.tensor(ids)).numpy(),
                                  theirs(torch.tensor(ids)).detach().numpy())
    assert not ours.weight.requires_grad and ours.weight.dtype == dl.float64
    assert nn.Embedding.from_pretrained(dl.tensor(table), freeze=False).weight.requires_grad
    assert repr(ours) == repr(theirs)


def test_attention_layers_take_factory_arguments_and_name_unsupported_ones():
    attention = nn.MultiheadAttention(8, 2, dtype=dl.float64)
    assert all(p.dtype == dl.float64 for p in attention.parameters())
    layer = nn.TransformerEncoderLayer(8, 2, 16, dtype=dl.float64)
    assert all(p.dtype == dl.float64 for p in layer.parameters())
    nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
    for make, option in [(lambda: nn.MultiheadAttention(8, 2, add_bias_kv=True), "add_bias_kv"),
                         (lambda: nn.MultiheadAttention(8, 2, kdim=4), "kdim"),
                         (lambda: nn.TransformerEncoderLayer(8, 2, bias=False), "bias=False")]:
        with pytest.raises(NotImplementedError, match=option):
            make()
