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


def test_errors_and_copies():
    layer = nn.Linear(3, 2)
    with pytest.raises(ValueError, match="amount=1.5"):
        prune.l1_unstructured(layer, "weight", amount=1.5)
    with pytest.raises(ValueError, match="amount=7"):
        prune.l1_unstructured(layer, "weight", amount=7)
    with pytest.raises(ValueError, match="no parameter 'kernel'"):
        prune.l1_unstructured(layer, "kernel", amount=1)
    prune.l1_unstructured(layer, "weight", amount=3)
    twin = copy.deepcopy(layer)
    with dl.no_grad():
        twin.weight_orig[...] = 1.0
    twin(dl.randn(1, 3))
    assert (twin.weight.numpy() == layer.weight_mask.numpy()).all()
    assert prune.sparsity(twin) == 0.5


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


def test_a_pruned_model_exports_to_onnx(tmp_path):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    prune.l1_unstructured(model[0], "weight", amount=0.5)
    proto = dl.onnx.export(model, dl.randn(1, 4), tmp_path / "m.onnx", input_names=["x"],
                           dynamic_axes={"x": [0]})
    assert "0.weight_mask" in {init.name for init in proto.graph.initializer}
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {"x": x})[0], model(dl.tensor(x)).numpy(),
                               atol=1e-6)
