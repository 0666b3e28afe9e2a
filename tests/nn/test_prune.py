"""nn.utils.prune: masks, their persistence through training, remove, and PyTorch parity."""
import copy

import numpy as np
import pytest

import minidl as dl
import minidl.nn as nn
import minidl.nn.functional as F
import minidl.optim as optim
from minidl.nn.utils import prune


def test_l1_unstructured_zeroes_the_smallest_and_they_stay_zero_through_training():
    dl.manual_seed(0)
    layer = nn.Linear(6, 5)
    original = layer.weight
    optimizer = optim.Adam(layer.parameters(), lr=0.1)  # built before pruning
    prune.l1_unstructured(layer, "weight", amount=0.4)
    assert layer.weight_orig is original
    assert [name for name, _ in layer.named_parameters()] == ["bias", "weight_orig"]
    mask = layer.weight_mask.numpy()
    assert mask.sum() == 30 - 12
    pruned_values = np.abs(original.numpy())[mask == 0]
    assert pruned_values.max() <= np.abs(original.numpy())[mask == 1].min()
    x, y = dl.randn(16, 6), dl.randint(0, 5, (16,))
    for _ in range(5):
        loss = F.cross_entropy(layer(x), y)
        optimizer.zero_grad()
        loss.backward()
        assert (layer.weight_orig.grad.numpy()[mask == 0] == 0).all()
        optimizer.step()
    layer(x)
    assert (layer.weight.numpy()[mask == 0] == 0).all()
    assert (layer.weight.numpy()[mask == 1] != 0).all()


def test_pruning_again_prunes_among_the_remaining_entries():
    layer = nn.Linear(10, 10)
    prune.l1_unstructured(layer, "weight", amount=0.5)
    prune.l1_unstructured(layer, "weight", amount=0.5)
    assert layer.weight_mask.numpy().sum() == 25
    prune.l1_unstructured(layer, "weight", amount=5)
    assert layer.weight_mask.numpy().sum() == 20


def test_ln_structured_removes_whole_output_neurons_or_input_columns():
    dl.manual_seed(1)
    layer = nn.Linear(4, 6)
    norms = np.linalg.norm(layer.weight.numpy(), axis=1)
    prune.ln_structured(layer, "weight", amount=2, n=2, dim=0)
    weight = layer.weight.numpy()
    dead = np.flatnonzero((weight == 0).all(axis=1))
    np.testing.assert_array_equal(np.sort(dead), np.sort(np.argsort(norms)[:2]))
    prune.ln_structured(layer, "weight", amount=0.5, n=1, dim=1)
    assert ((layer.weight.numpy() == 0).all(axis=0)).sum() == 2


def test_global_unstructured_prunes_over_all_tensors_together():
    dl.manual_seed(2)
    model = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 4))
    with dl.no_grad():  # the large weights of the second layer should survive
        model[2].weight[...] = model[2].weight.numpy() * 10
    prune.global_unstructured([(model[0], "weight"), (model[2], "weight")],
                              pruning_method=prune.L1Unstructured, amount=0.5)
    zeros = [(model[i].weight.numpy() == 0).sum() for i in (0, 2)]
    assert sum(zeros) == 48
    assert zeros[0] > zeros[1]


def test_remove_makes_it_permanent():
    dl.manual_seed(3)
    layer = nn.Linear(5, 3)
    prune.l1_unstructured(layer, "weight", amount=0.6)
    x = dl.randn(2, 5)
    before = layer(x).numpy()
    expected_weight = layer.weight.numpy()
    prune.remove(layer, "weight")
    assert not prune.is_pruned(layer)
    assert isinstance(layer.weight, nn.Parameter) and layer.weight.requires_grad
    assert sorted(layer.state_dict()) == ["bias", "weight"]
    np.testing.assert_array_equal(layer.weight.numpy(), expected_weight)
    np.testing.assert_array_equal(layer(x).numpy(), before)
    with pytest.raises(ValueError, match="is not pruned"):
        prune.remove(layer, "weight")


def test_heads_structured_silences_whole_heads():
    dl.manual_seed(4)
    attention = nn.MultiheadAttention(8, 4)
    prune.heads_structured(attention, amount=2)
    x = dl.randn(2, 3, 8)
    attention(x, x, x)
    blocks = attention.out_proj.weight.numpy().reshape(8, 4, 2)
    silent = [(blocks[:, h] == 0).all() for h in range(4)]
    assert sum(silent) == 2 and not any((blocks[:, h] == 0).all() for h in range(4)
                                        if not silent[h])
    prune.heads_structured(attention, amount=1)  # one more among the two left
    blocks = attention.out_proj.weight.numpy().reshape(8, 4, 2)
    assert sum((blocks[:, h] == 0).all() for h in range(4)) == 3


def test_errors():
    layer = nn.Linear(3, 2)
    with pytest.raises(ValueError, match="amount=1.5"):
        prune.l1_unstructured(layer, "weight", amount=1.5)
    with pytest.raises(ValueError, match="amount=7"):
        prune.l1_unstructured(layer, "weight", amount=7)
    with pytest.raises(ValueError, match="no parameter 'kernel'"):
        prune.l1_unstructured(layer, "kernel", amount=1)
    assert not prune.is_pruned(layer) and "weight" in dict(layer.named_parameters())


def test_pruning_is_a_parameter_a_buffer_and_a_forward_pre_hook():
    dl.manual_seed(6)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    hook = prune.L1Unstructured.apply(model[0], "weight", amount=0.5)
    assert isinstance(hook, prune.BasePruningMethod) and prune.is_pruned(model)
    assert list(model.state_dict()) == ["0.bias", "0.weight_orig", "0.weight_mask",
                                        "2.weight", "2.bias"]
    assert [name for name, _ in model[0].named_buffers()] == ["weight_mask"]
    assert not isinstance(model[0].weight, nn.Parameter)
    with dl.no_grad():  # the hook recomputes weight from weight_orig before each forward
        model[0].weight_orig[...] = 2.0
    model(dl.randn(1, 4))
    np.testing.assert_array_equal(model[0].weight.numpy(), 2 * model[0].weight_mask.numpy())
    prune.ln_structured(model[0], "weight", amount=1, n=1, dim=0)  # the hook is now a container
    hooks = prune._pruning_hooks(model[0])
    assert len(hooks) == 1
    container, = hooks.values()
    assert isinstance(container, prune.PruningContainer) and len(container) == 2
    assert container[0] is hook
    prune.remove(model[0], "weight")
    assert not prune.is_pruned(model) and not prune._pruning_hooks(model[0])
    assert list(model.state_dict()) == ["0.bias", "0.weight", "2.weight", "2.bias"]


def test_remove_keeps_the_parameter_object_an_optimizer_holds():
    layer = nn.Linear(4, 4)
    original = layer.weight
    optimizer = optim.SGD(layer.parameters(), lr=0.1)
    prune.l1_unstructured(layer, "weight", amount=0.5)
    prune.remove(layer, "weight")
    assert layer.weight is original and (original.numpy() == 0).sum() == 8
    layer(dl.randn(2, 4)).sum().backward()
    optimizer.step()  # trains the (now permanently pruned) weight again
    assert (original.numpy() == 0).sum() < 8


def test_deepcopy_is_refused_while_weight_holds_a_graph_as_in_pytorch():
    layer = nn.Linear(3, 2)
    prune.l1_unstructured(layer, "weight", amount=3)
    with pytest.raises(RuntimeError, match="deepcopy"):
        copy.deepcopy(layer)
    with dl.no_grad():
        layer(dl.randn(1, 3))
    twin = copy.deepcopy(layer)  # after a forward without gradients it can be copied
    assert prune.is_pruned(twin) and twin.weight_mask is not layer.weight_mask
    with dl.no_grad():
        twin.weight_orig[...] = 1.0
    twin(dl.randn(1, 3))
    assert (twin.weight.numpy() == layer.weight_mask.numpy()).all()
    assert prune.sparsity(twin) == 0.5
    assert (layer.weight_orig.numpy() != 1.0).all()


def test_deepcopy_behaves_as_pytorchs():
    torch = pytest.importorskip("torch")
    from torch.nn.utils import prune as torch_prune

    torch_layer = torch.nn.Linear(3, 2)
    torch_prune.l1_unstructured(torch_layer, "weight", amount=3)
    with pytest.raises(RuntimeError, match="deepcopy"):
        copy.deepcopy(torch_layer)
    with torch.no_grad():
        torch_layer(torch.randn(1, 3))
    copy.deepcopy(torch_layer)


def _to_torch(state, torch):
    return {k: torch.from_numpy(v.numpy().copy()) for k, v in state.items()}


def test_state_dicts_of_pruned_models_load_across_minidl_and_pytorch():
    torch = pytest.importorskip("torch")
    from torch.nn.utils import prune as torch_prune

    dl.manual_seed(7)
    model = nn.Sequential(nn.Linear(5, 6), nn.ReLU(), nn.Linear(6, 3))
    torch_model = torch.nn.Sequential(torch.nn.Linear(5, 6), torch.nn.ReLU(),
                                      torch.nn.Linear(6, 3))
    for pruned in (model, torch_model):
        p = prune if pruned is model else torch_prune
        p.l1_unstructured(pruned[0], "weight", amount=0.4)
        p.ln_structured(pruned[2], "weight", amount=1, n=2, dim=0)
    assert list(model.state_dict()) == list(torch_model.state_dict())
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)

    torch_model.load_state_dict(_to_torch(model.state_dict(), torch))  # minidl -> PyTorch
    np.testing.assert_allclose(torch_model(torch.from_numpy(x)).detach().numpy(),
                               model(dl.tensor(x)).numpy(), rtol=1e-5, atol=1e-6)

    dl.manual_seed(8)
    other = nn.Sequential(nn.Linear(5, 6), nn.ReLU(), nn.Linear(6, 3))
    prune.l1_unstructured(other[0], "weight", amount=0.4)
    prune.ln_structured(other[2], "weight", amount=1, n=2, dim=0)
    with torch.no_grad():  # PyTorch -> minidl: masks that differ from other's own
        torch_model[0].weight_mask.copy_(torch.from_numpy(
            (np.random.default_rng(1).random((6, 5)) > 0.5).astype(np.float32)))
    other.load_state_dict({k: v.numpy() for k, v in torch_model.state_dict().items()})
    np.testing.assert_array_equal(other[0].weight_mask.numpy(),
                                  torch_model[0].weight_mask.numpy())
    np.testing.assert_allclose(other(dl.tensor(x)).numpy(),
                               torch_model(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_gradients_reach_weight_orig_masked_as_in_pytorch():
    torch = pytest.importorskip("torch")
    from torch.nn.utils import prune as torch_prune

    dl.manual_seed(9)
    layer = nn.Linear(4, 3)
    torch_layer = torch.nn.Linear(4, 3)
    torch_layer.load_state_dict(_to_torch(layer.state_dict(), torch))
    prune.l1_unstructured(layer, "weight", amount=0.5)
    torch_prune.l1_unstructured(torch_layer, "weight", amount=0.5)
    x = np.random.default_rng(2).standard_normal((2, 4)).astype(np.float32)
    (layer(dl.tensor(x)) ** 2).sum().backward()
    (torch_layer(torch.from_numpy(x)) ** 2).sum().backward()
    np.testing.assert_allclose(layer.weight_orig.grad.numpy(),
                               torch_layer.weight_orig.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_masks_match_pytorch():
    torch = pytest.importorskip("torch")
    from torch.nn.utils import prune as torch_prune

    dl.manual_seed(5)
    layer = nn.Linear(7, 9)
    torch_layer = torch.nn.Linear(7, 9)
    torch_layer.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                                 for k, v in layer.state_dict().items()})
    prune.l1_unstructured(layer, "weight", amount=0.3)
    torch_prune.l1_unstructured(torch_layer, "weight", amount=0.3)
    np.testing.assert_array_equal(layer.weight_mask.numpy(), torch_layer.weight_mask.numpy())
    prune.ln_structured(layer, "weight", amount=3, n=2, dim=0)
    torch_prune.ln_structured(torch_layer, "weight", amount=3, n=2, dim=0)
    np.testing.assert_array_equal(layer.weight_mask.numpy(), torch_layer.weight_mask.numpy())
    prune.global_unstructured([(layer, "weight"), (layer, "bias")],
                              pruning_method=prune.L1Unstructured, amount=0.25)
    torch_prune.global_unstructured([(torch_layer, "weight"), (torch_layer, "bias")],
                                    pruning_method=torch_prune.L1Unstructured, amount=0.25)
    for name in ("weight_mask", "bias_mask"):
        np.testing.assert_array_equal(getattr(layer, name).numpy(),
                                      getattr(torch_layer, name).numpy())
    prune.remove(layer, "weight")
    torch_prune.remove(torch_layer, "weight")
    assert list(layer.state_dict()) == list(torch_layer.state_dict())
    np.testing.assert_array_equal(layer.weight.numpy(), torch_layer.weight.detach().numpy())


def test_a_pruned_model_exports_to_onnx(tmp_path):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    prune.l1_unstructured(model[0], "weight", amount=0.5)
    proto = dl.onnx.export(model, dl.randn(1, 4), tmp_path / "m.onnx", input_names=["x"],
                           dynamic_axes={"x": [0]})
    initializers = {init.name for init in proto.graph.initializer}
    assert {"0.weight_orig", "0.weight_mask"} <= initializers and "0.weight" not in initializers
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {"x": x})[0], model(dl.tensor(x)).numpy(),
                               atol=1e-6)
