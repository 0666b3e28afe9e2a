"""Dynamic int8 quantization: the quantizers, the quantized layer, quantize_dynamic, export."""
import numpy as np
import pytest

import minidl as dl
import minidl.nn as nn
from minidl.ops.quantized import quantize_activations, quantize_per_channel
from minidl.quantization import DynamicQuantizedLinear


def test_weights_per_output_channel_symmetric():
    rng = np.random.default_rng(0)
    weight = rng.standard_normal((5, 9)).astype(np.float32) * np.arange(1, 6)[:, None]
    weight[3] = 0  # a row of zeros stays exact
    quantized, scale = quantize_per_channel(dl.tensor(weight))
    q, s = quantized.numpy(), scale.numpy()
    assert q.dtype == np.int8 and s.shape == (5,)
    assert np.abs(q).max() <= 127 and (np.abs(q).max(axis=1)[[0, 1, 2, 4]] == 127).all()
    error = np.abs(q * s[:, None] - weight)
    assert (error <= s[:, None] / 2 + 1e-7).all()
    assert (q[3] == 0).all()


def test_activations_as_onnx_dynamic_quantize_linear():
    onnx = pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("DynamicQuantizeLinear", ["x"], ["q", "scale", "zero_point"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, None])],
        [helper.make_tensor_value_info(n, t, None) for n, t in
         (("q", TensorProto.UINT8), ("scale", TensorProto.FLOAT),
          ("zero_point", TensorProto.UINT8))])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(1)
    for x in (rng.standard_normal((4, 7)), rng.random((3, 5)) + 1, -rng.random((2, 3)),
              np.zeros((2, 2))):
        x = x.astype(np.float32)
        q, scale, zero_point = quantize_activations(x, np)
        want_q, want_scale, want_zero_point = session.run(None, {"x": x})
        assert q.dtype == np.uint8
        np.testing.assert_allclose(scale, want_scale, rtol=1e-6)
        assert zero_point == want_zero_point
        assert np.abs(q.astype(int) - want_q.astype(int)).max() <= 1  # ties may round apart
        assert (np.abs((q.astype(np.float32) - zero_point) * scale - x) <= scale / 2 + 1e-6).all()


def test_quantized_linear_is_close_to_float_and_the_kernel_sets_agree():
    dl.manual_seed(2)
    linear = nn.Linear(48, 20)
    layer = DynamicQuantizedLinear.from_float(linear)
    x = dl.randn(2, 6, 48)  # leading axes are kept
    with dl.use_kernels("reference"):
        reference = layer(x).numpy()
    with dl.use_kernels("accelerated"):
        accelerated = layer(x).numpy()
    np.testing.assert_array_equal(reference, accelerated)
    expected = linear(x).numpy()
    assert reference.shape == (2, 6, 20)
    # each product is off by at most half a step of each operand
    x_scale = (x.numpy().max() - min(x.numpy().min(), 0)) / 255
    w_scale = layer.weight_scale.numpy()
    bound = 48 * (x_scale / 2 * np.abs(linear.weight.numpy()).max(axis=1) + w_scale / 2
                  * (np.abs(x.numpy()).max() + x_scale / 2))
    assert (np.abs(reference - expected) <= bound).all()
    assert np.abs(reference - expected).max() < 0.05


def test_quantize_dynamic_replaces_linears_in_place_of_order_and_keeps_the_original():
    dl.manual_seed(3)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    quantized = dl.quantization.quantize_dynamic(model, {nn.Linear}, dtype=dl.qint8)
    assert [type(m).__name__ for m in quantized.children()] == [
        "DynamicQuantizedLinear", "ReLU", "DynamicQuantizedLinear"]
    assert isinstance(model[0], nn.Linear)  # not in place by default
    state = quantized.state_dict()
    assert state["0.weight"].dtype == dl.qint8 and state["0.bias"].dtype == dl.float32
    x = dl.randn(5, 8)
    np.testing.assert_allclose(quantized(x).numpy(), model(x).numpy(), atol=0.05)
    copy = dl.quantization.quantize_dynamic(nn.Sequential(nn.Linear(8, 16), nn.ReLU(),
                                                          nn.Linear(16, 4)))
    copy.load_state_dict(state)
    np.testing.assert_array_equal(copy(x).numpy(), quantized(x).numpy())


def test_transformer_linears_are_quantized_and_errors():
    layer = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0)
    quantized = dl.quantization.quantize_dynamic(layer)
    assert isinstance(quantized.linear1, DynamicQuantizedLinear)
    assert isinstance(quantized.self_attn.out_proj, DynamicQuantizedLinear)
    with pytest.raises(ValueError, match="no quantized form for LayerNorm"):
        dl.quantization.quantize_dynamic(layer, {nn.LayerNorm})
    with pytest.raises(ValueError, match="only dtype=dl.qint8"):
        dl.quantization.quantize_dynamic(layer, dtype=dl.float32)
    x = dl.randn(2, 16, requires_grad=True)
    out = dl.quantization.quantize_dynamic(nn.Linear(16, 3))(x)
    with pytest.raises(RuntimeError, match="inference only"):
        out.sum().backward()
    with pytest.raises(ValueError, match="in_features = 16"):
        quantized.linear1(dl.randn(2, 5))


def test_quantized_models_export_to_onnx(tmp_path):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    from minidl.examples.tiny_bert import MAX_LEN, Classifier, TinyBert

    dl.manual_seed(4)
    cases = [
        (nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)),
         dl.randn(2, 64), np.random.default_rng(4).standard_normal((9, 64)).astype(np.float32)),
        (Classifier(TinyBert(30, pad_id=0), 3), dl.tensor(np.ones((2, MAX_LEN), np.int64)),
         np.random.default_rng(5).integers(0, 30, (5, MAX_LEN))),
    ]
    for model, traced, x in cases:
        quantized = dl.quantization.quantize_dynamic(model).eval()
        path = tmp_path / "q.onnx"
        proto = dl.onnx.export(quantized, traced, path, input_names=["x"],
                               dynamic_axes={"x": [0]})
        assert "MatMulInteger" in {node.op_type for node in proto.graph.node}
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        got = session.run(None, {"x": x})[0]
        np.testing.assert_allclose(got, quantized(dl.tensor(x)).numpy(), atol=1e-5)


@pytest.mark.cuda
def test_quantized_linear_on_cuda_matches_cpu():
    dl.manual_seed(5)
    linear = nn.Linear(40, 12)
    x = dl.randn(7, 40)
    expected = DynamicQuantizedLinear.from_float(linear)(x).numpy()
    on_gpu = DynamicQuantizedLinear.from_float(linear.to("cuda"))(x.to("cuda"))
    assert on_gpu.device == "cuda"
    np.testing.assert_allclose(on_gpu.numpy(), expected, rtol=1e-6, atol=1e-6)


def test_close_to_pytorchs_quantize_dynamic():
    torch = pytest.importorskip("torch")
    import warnings

    dl.manual_seed(6)
    model = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 10))
    torch_model = torch.nn.Sequential(torch.nn.Linear(32, 64), torch.nn.ReLU(),
                                      torch.nn.Linear(64, 10))
    torch_model.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                                 for k, v in model.state_dict().items()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch_int8 = torch.ao.quantization.quantize_dynamic(
            torch_model, {torch.nn.Linear: torch.ao.quantization.per_channel_dynamic_qconfig},
            dtype=torch.qint8)
    x = np.random.default_rng(6).standard_normal((256, 32)).astype(np.float32)
    ours = dl.quantization.quantize_dynamic(model)(dl.tensor(x)).numpy()
    with torch.no_grad():
        theirs = torch_int8(torch.from_numpy(x)).numpy()
    exact = model(dl.tensor(x)).numpy()
    scale = np.abs(exact).max()
    assert np.abs(ours - exact).max() < 0.02 * scale
    assert np.abs(theirs - exact).max() < 0.02 * scale
    assert (ours.argmax(1) == theirs.argmax(1)).mean() > 0.95
