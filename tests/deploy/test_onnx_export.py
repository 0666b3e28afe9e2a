"""dl.onnx.export: the file passes onnx.checker and onnxruntime gives minidl's outputs."""
import numpy as np
import pytest

import minidl as dl
import minidl.nn as nn
import minidl.nn.functional as F

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def export_and_run(tmp_path, model, args, feeds, opset_version=None, dynamic=True):
    """Export ``model`` traced on ``args`` with a dynamic batch axis, run ``feeds`` (NumPy
    arrays, other batch sizes) through onnxruntime; returns (onnx outputs, minidl outputs)."""
    args = (args,) if isinstance(args, dl.Tensor) else tuple(args)
    names = [f"in{i}" for i in range(len(args))]
    path = tmp_path / "model.onnx"
    axes = {name: {0: "batch"} for name in names + ["out"]} if dynamic else None
    mode = model.training
    dl.onnx.export(model, args, path, input_names=names, output_names=["out"],
                   dynamic_axes=axes, opset_version=opset_version)
    assert model.training == mode  # export evaluates the model, then restores its mode
    onnx.checker.check_model(onnx.load(path))
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(None, dict(zip(names, feeds)))[0]
    model.eval()
    with dl.no_grad():
        expected = model(*[dl.tensor(f) for f in feeds]).numpy()
    return got, expected


def test_digits_mlp_with_dynamic_batch(tmp_path):
    from minidl.examples.train_digits import build_model

    dl.manual_seed(0)
    model = build_model()
    rng = np.random.default_rng(0)
    for batch in (1, 7, 64):
        x = rng.standard_normal((batch, 64)).astype(np.float32)
        got, expected = export_and_run(tmp_path, model, dl.randn(3, 64), [x])
        assert got.shape == (batch, 10)
        np.testing.assert_allclose(got, expected, atol=1e-5)


class EncoderClassifier(nn.Module):
    """An nn.TransformerEncoder (post-norm, ReLU, as PyTorch's default) with mean pooling."""

    def __init__(self, vocab=20, d_model=32, classes=4):
        super().__init__()
        self.embedding = nn.Embedding(vocab, d_model)
        self.position = nn.SinusoidalPositionalEncoding(d_model, max_len=16)
        layer = nn.TransformerEncoderLayer(d_model, 4, 64, dropout=0.1)
        self.encoder = nn.TransformerEncoder(layer, 2)
        self.head = nn.Linear(d_model, classes)

    def forward(self, ids):
        return self.head(self.encoder(self.position(self.embedding(ids))).mean(dim=1))


def test_transformer_encoder_classifier(tmp_path):
    dl.manual_seed(1)
    model = EncoderClassifier()
    model.train()  # export evaluates the model (dropout off)
    ids = np.random.default_rng(1).integers(0, 20, (5, 10))
    got, expected = export_and_run(tmp_path, model, dl.tensor(ids[:2]), [ids])
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_sort_transformer(tmp_path):
    from minidl.examples.sort_transformer import SortingTransformer

    dl.manual_seed(2)
    model = SortingTransformer(8)
    digits = np.random.default_rng(2).integers(0, 10, (9, 8))
    got, expected = export_and_run(tmp_path, model, dl.tensor(digits[:3]), [digits])
    assert got.shape == (9, 8, 10)
    np.testing.assert_allclose(got, expected, atol=1e-5)


@pytest.mark.parametrize("opset_version", [17, 20])
def test_tiny_bert_with_padding_mask_built_from_the_ids(tmp_path, opset_version):
    from minidl.examples.tiny_bert import MAX_LEN, Classifier, TinyBert

    dl.manual_seed(3)
    model = Classifier(TinyBert(30, pad_id=0), 3)
    rng = np.random.default_rng(3)
    traced = rng.integers(1, 30, (2, MAX_LEN))
    traced[0, 6:] = 0
    ids = rng.integers(1, 30, (6, MAX_LEN))
    ids[1, 4:] = 0  # a different padding pattern and batch size than the traced input
    ids[2, 1:] = 0
    ids[3, :] = 0  # every key masked out: zeros, not NaN, in both
    got, expected = export_and_run(tmp_path, model, dl.tensor(traced), [ids],
                                   opset_version=opset_version)
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, expected, atol=1e-5)


class ManyOps(nn.Module):
    """Most contract ops in one forward, to check each converter against minidl."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(6, 6)
        self.norm = nn.LayerNorm(6)
        self.attention = nn.MultiheadAttention(6, 2)

    def forward(self, x):
        h = self.norm(self.linear(x))  # (N, 4, 6)
        a = (h.exp() + h.abs().sqrt() - (h * h + 1).log()) / 2
        b = dl.maximum(a.sigmoid(), h.tanh()) - dl.minimum(h, -a) ** 2
        c = dl.where(h > 0, b, -b).masked_fill(h < -1, 0.5).clamp(min=-2, max=3)
        d = F.gelu(c, approximate="tanh") + F.gelu(c) + F.relu(-c)
        e = F.softmax(d, -1) + F.log_softmax(d, 1) * (d != 0).float()
        stacked = dl.stack([e, d], dim=1).flatten(1, 2)  # (N, 8, 6)
        joined = dl.cat([stacked, e.permute(0, 2, 1).transpose(1, 2)], dim=1)  # (N, 12, 6)
        attended, weights = self.attention(joined, joined, joined, is_causal=True)
        pooled = attended.amax(dim=1) + attended.amin(dim=1) + attended.var(dim=1)
        pieces = pooled.unsqueeze(1)[:, 0, 1:5] + weights[:, -1, :4] + joined[:, [0, 2, 2, 5], 0]
        scores = F.scaled_dot_product_attention(h, h, h, is_causal=True).sum(dim=(1, 2))
        return pieces.expand(3, -1, -1).mean(dim=0) @ dl.ones(4, 2) + scores.unsqueeze(-1)


@pytest.mark.parametrize("opset_version", [17, 18, 20])
def test_every_converter_against_minidl(tmp_path, opset_version):
    dl.manual_seed(4)
    model = ManyOps()
    x = np.random.default_rng(4).standard_normal((5, 4, 6)).astype(np.float32)
    got, expected = export_and_run(tmp_path, model, dl.randn(2, 4, 6), [x],
                                   opset_version=opset_version)
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_an_op_without_onnx_form_is_named(tmp_path):
    class WithLoss(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(3, 2)

        def forward(self, x):
            return F.cross_entropy(self.linear(x), dl.tensor([0, 1]))

    with pytest.raises(dl.onnx.ExportError, match="CrossEntropy"):
        dl.onnx.export(WithLoss(), dl.randn(2, 3), tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


def test_a_value_computed_outside_the_ops_is_refused(tmp_path):
    class Leaky(nn.Module):
        def forward(self, x):
            scale = dl.tensor(x.numpy().max(axis=1, keepdims=True))  # the graph cannot see it
            return x * scale

    with pytest.raises(dl.onnx.ExportError, match="input 1 of Mul"):
        dl.onnx.export(Leaky(), dl.randn(2, 3), tmp_path / "m.onnx",
                       input_names=["x"], dynamic_axes={"x": [0]})


def test_dropout_in_training_is_refused_and_bad_arguments(tmp_path):
    class AlwaysDropping(nn.Module):
        def forward(self, x):
            return F.dropout(x, 0.5, training=True)

    with pytest.raises(dl.onnx.ExportError, match="Dropout"):
        dl.onnx.export(AlwaysDropping(), dl.randn(2, 3), tmp_path / "m.onnx")
    with pytest.raises(ValueError, match="opset_version 13"):
        dl.onnx.export(nn.Linear(2, 2), dl.randn(1, 2), tmp_path / "m.onnx", opset_version=13)
    with pytest.raises(ValueError, match="neither inputs nor outputs"):
        dl.onnx.export(nn.Linear(2, 2), dl.randn(1, 2), tmp_path / "m.onnx",
                       dynamic_axes={"typo": [0]})


def test_initializers_carry_the_state_dict_names(tmp_path):
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    proto = dl.onnx.export(model, dl.randn(1, 4), tmp_path / "m.onnx")
    names = {init.name for init in proto.graph.initializer}
    assert set(model.state_dict()) <= names


def test_the_tracer_records_ops_that_need_no_gradient_and_only_while_tracing():
    from minidl import autograd
    from minidl.onnx.tracer import trace
    from minidl.ops.comparison import Eq

    ids = dl.tensor([[1, 0, 2]])
    assert (ids == 0).grad_fn is None  # outside a trace nothing is recorded for a bool output
    traced = trace(lambda t: (t == 0).float() * 2, (ids,))
    assert [op.function.__name__ for op in traced.ops] == ["Eq", "Cast", "Mul"]
    assert traced.ops[0].function is Eq and traced.ops[0].inputs[0] is ids
    assert (ids == 0).grad_fn is None

    def failing(t):
        raise ValueError("boom")

    with pytest.raises(ValueError):
        trace(failing, (ids,))
    assert autograd._record_every_op is False


# ---- image models: convolutions, pooling, batch and group norm, resampling ------------------
def train_a_few_steps(model, x, classes, steps=3):
    """A few Adam steps in train mode, so batch norm's running statistics are not the initial
    zeros and ones."""
    import minidl.optim as optim

    rng = np.random.default_rng(5)
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    model.train()
    for _ in range(steps):
        labels = dl.tensor(rng.integers(0, classes, x.shape[0]))
        loss = F.cross_entropy(model(x), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


@pytest.mark.parametrize("example, build, classes", [
    ("digits_cnn", "build_lenet", 10), ("digits_cnn", "build_resnet", 10),
    ("transfer_cnn", "Classifier", 5),
])
def test_the_image_models_of_the_examples(tmp_path, example, build, classes):
    import importlib

    dl.manual_seed(6)
    model = getattr(importlib.import_module(f"minidl.examples.{example}"), build)(classes)
    rng = np.random.default_rng(6)
    images = dl.tensor(rng.standard_normal((16, 1, 8, 8)).astype(np.float32))
    train_a_few_steps(model, images, classes)
    bn = next(m for m in model.modules() if isinstance(m, nn.BatchNorm2d))
    assert not np.allclose(bn.running_var.numpy(), 1)
    x = rng.standard_normal((5, 1, 8, 8)).astype(np.float32)
    got, expected = export_and_run(tmp_path, model, dl.randn(2, 1, 8, 8), [x])
    assert got.shape == (5, classes)
    np.testing.assert_allclose(got, expected, atol=1e-5)


class ConvOps(nn.Module):
    """Every image converter once, on (N, 4, 9, 9) images; the branches are joined as (N, F)."""

    def __init__(self):
        super().__init__()
        self.same_grouped = nn.Conv2d(4, 6, 4, padding="same", groups=2)  # pads (1, 2) per axis
        self.dilated = nn.Conv2d(6, 6, 2, padding="same", dilation=3, bias=False)
        self.norm = nn.GroupNorm(3, 6)
        self.up = nn.ConvTranspose2d(6, 2, 3, stride=2, padding=1, output_padding=1)
        self.up_grouped = nn.ConvTranspose2d(6, 4, 2, stride=3, output_padding=2, groups=2,
                                             dilation=2)
        self.signal = nn.Conv1d(4, 3, 5, stride=2, padding=1)
        self.signal_norm = nn.BatchNorm1d(3)
        self.drop = nn.Dropout2d(0.5)

    def forward(self, x):
        h = self.drop(self.norm(self.dilated(F.relu(self.same_grouped(x)))))  # (N, 6, 9, 9)
        even = h[:, :, :8, :8]
        parts = [
            self.up(h),  # (N, 2, 18, 18)
            self.up_grouped(h),  # (N, 4, 29, 29)
            F.max_pool2d(even, 3, stride=2, padding=1, ceil_mode=True),  # 5x5, floor: 4x4
            F.max_pool2d(even, 2, stride=2, dilation=2, ceil_mode=True),  # 4x4, floor: 3x3
            F.max_pool2d(h[:, :, :5, :5], 2, stride=2, padding=1, ceil_mode=True),  # as floor
            F.avg_pool2d(h, 2, ceil_mode=True),  # 5x5, last window clipped
            F.avg_pool2d(even, 3, stride=2, padding=1, count_include_pad=False, ceil_mode=True),
            F.avg_pool2d(even, 3, stride=2, padding=1, ceil_mode=True),
            F.avg_pool2d(h, 3, stride=2, padding=1),
            F.adaptive_avg_pool2d(h, 1),  # GlobalAveragePool
            F.adaptive_avg_pool2d(h[:, :, :8, :6], (4, 3)),  # AveragePool of 2x2 windows
            F.adaptive_avg_pool2d(h, (4, 5)),  # unequal windows: two MatMuls
            F.interpolate(h, size=(13, 7), mode="nearest"),
            F.interpolate(h, scale_factor=2, mode="bilinear", align_corners=True),
            F.interpolate(h, size=(5, 12), mode="bilinear", align_corners=False),
            F.interpolate(h, scale_factor=1.7, mode="bilinear"),
            self.signal_norm(self.signal(x.flatten(2))),  # (N, 3, 40)
            F.max_pool1d(x.flatten(2), 4, stride=3, padding=2),
        ]
        return dl.cat([p.flatten(1) for p in parts], dim=1)


@pytest.mark.parametrize("opset_version", [17, 18, 20])
def test_every_image_converter_against_minidl(tmp_path, opset_version):
    dl.manual_seed(7)
    model = ConvOps()
    rng = np.random.default_rng(7)
    model.train()
    model(dl.tensor(rng.standard_normal((4, 4, 9, 9)).astype(np.float32)))  # running stats move
    x = rng.standard_normal((5, 4, 9, 9)).astype(np.float32)
    got, expected = export_and_run(tmp_path, model, dl.randn(2, 4, 9, 9), [x],
                                   opset_version=opset_version)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    operators = {node.op_type for node in onnx.load(tmp_path / "model.onnx").graph.node}
    assert {"Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool", "Resize",
            "BatchNormalization", "InstanceNormalization"} <= operators
    ceil_mode = {(node.op_type, onnx.helper.get_attribute_value(attribute))
                 for node in onnx.load(tmp_path / "model.onnx").graph.node
                 for attribute in node.attribute if attribute.name == "ceil_mode"}
    assert {("MaxPool", 1), ("AveragePool", 1)} <= ceil_mode


def test_batch_norm_in_training_mode_is_refused(tmp_path):
    class AlwaysTraining(nn.Module):
        def forward(self, x):
            return F.batch_norm(x, None, None, training=True)

    with pytest.raises(dl.onnx.ExportError, match="BatchNormTraining"):
        dl.onnx.export(AlwaysTraining(), dl.randn(2, 3, 4, 4), tmp_path / "m.onnx")


@pytest.mark.parametrize("eps", [1e-7, 1e-5, 1e-3, 0.05])
def test_norms_without_affine_and_their_eps(tmp_path, eps):
    """Each norm's own eps reaches the ONNX node (the ops keep it for the exporter)."""
    dl.manual_seed(8)
    model = nn.Sequential(nn.Conv2d(2, 4, 3), nn.BatchNorm2d(4, eps=eps, affine=False),
                          nn.GroupNorm(2, 4, eps=eps, affine=False))
    rng = np.random.default_rng(8)
    model.train()
    model(dl.tensor(rng.standard_normal((3, 2, 6, 6)).astype(np.float32)))
    x = rng.standard_normal((5, 2, 6, 6)).astype(np.float32)
    got, expected = export_and_run(tmp_path, model, dl.randn(2, 2, 6, 6), [x])
    np.testing.assert_allclose(got, expected, atol=1e-5)
    for node in onnx.load(tmp_path / "model.onnx").graph.node:
        if node.op_type in ("BatchNormalization", "InstanceNormalization"):
            epsilon = onnx.helper.get_attribute_value(node.attribute[0])
            assert epsilon == pytest.approx(eps, rel=1e-6)


def test_a_fully_convolutional_model_with_dynamic_image_size(tmp_path):
    dl.manual_seed(9)
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                          nn.GroupNorm(2, 4), nn.ConvTranspose2d(4, 2, 2, stride=2))
    axes = {0: "batch", 2: "height", 3: "width"}
    path = tmp_path / "model.onnx"
    dl.onnx.export(model, dl.randn(2, 3, 5, 6), path, input_names=["x"], output_names=["y"],
                   dynamic_axes={"x": axes, "y": axes})
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(9).standard_normal((4, 3, 7, 3)).astype(np.float32)
    got = session.run(None, {"x": x})[0]
    model.eval()
    with dl.no_grad():
        np.testing.assert_allclose(got, model(dl.tensor(x)).numpy(), atol=1e-5)


def test_batch_norm_of_features(tmp_path):
    dl.manual_seed(10)
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.ReLU(), nn.Linear(3, 2))
    train_a_few_steps(model, dl.randn(8, 4), 2)
    x = np.random.default_rng(10).standard_normal((5, 4)).astype(np.float32)
    got, expected = export_and_run(tmp_path, model, dl.randn(2, 4), [x])
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_split_chunk_and_unbind(tmp_path):
    """Pieces of split/chunk/unbind (one op with an output per piece) export as slices."""
    class Pieces(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(4, 9)

        def forward(self, x):
            q, k, v = self.linear(x).split(3, dim=-1)
            first, second = (q * k).chunk(2, dim=1)
            rows = v.unbind(1)
            return first.sum(1) + second.sum(1) + rows[0] * rows[-1]

    dl.manual_seed(5)
    x = np.random.default_rng(5).standard_normal((6, 4, 4)).astype(np.float32)
    got, expected = export_and_run(tmp_path, Pieces(), dl.randn(2, 4, 4), [x])
    np.testing.assert_allclose(got, expected, atol=1e-5)
