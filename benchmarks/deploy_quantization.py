"""Dynamic int8 quantization: file size, accuracy and latency, against float32 and PyTorch.

Two models, trained here from a fixed seed:
- the digits MLP 64-128-64-10 (minidl/examples/train_digits.py's model and split, 30 epochs);
- the tiny BERT classifier (minidl/examples/tiny_bert.py: masked-word pretraining, then
  fine-tuning on the small labeled set; fewer steps than the example, for time).

For each: test accuracy and state_dict size in float32 and int8 (``dl.save`` bytes), the
ONNX file sizes, and the median latency of one forward pass at batch 1 and 64 for minidl
float32 / int8, onnxruntime float32 / int8 (the exported files), and PyTorch float32 / int8
(``torch.ao.quantization.quantize_dynamic`` on the same weights), all in this one process.
PyTorch's dynamic quantization (fbgemm) uses per-tensor weight scales and 7-bit activations;
minidl uses per-channel weight scales and 8-bit activations (minidl/ops/quantized.py).

    python benchmarks/deploy_quantization.py [--quick] [--out outputs/deploy]

Writes quantization.json under --out. Timings are only comparable within one run, and only on
a quiet machine.
"""
import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import minidl as dl  # noqa: E402
import minidl.optim as optim  # noqa: E402
from minidl.data import DataLoader, TensorDataset  # noqa: E402
from minidl.examples import tiny_bert  # noqa: E402
from minidl.examples.train_digits import (  # noqa: E402
    SPLIT_SEED,
    build_model,
    standardize,
    stratified_split,
)
from minidl.nn import functional as F  # noqa: E402
from minidl.text import TOPICS, Tokenizer, make_corpus  # noqa: E402


def median_seconds(function, repeats):
    for _ in range(3):
        function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def saved_bytes(state_dict):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "weights.minidl")
        dl.save(state_dict, path)
        return os.path.getsize(path)


def accuracy(model, inputs, labels):
    model.eval()
    with dl.no_grad():
        return float((model(dl.tensor(inputs)).argmax(dim=-1).numpy() == labels).mean())


# ---- the two models ---------------------------------------------------------------------------
def digits_mlp(epochs):
    X, y = dl.datasets.load_digits()
    train_idx, test_idx = stratified_split(y, test_fraction=0.2, seed=SPLIT_SEED)
    X_train, X_test, _, _ = standardize(X[train_idx], X[test_idx])
    dl.manual_seed(0)
    model = build_model()
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    loader = DataLoader(TensorDataset(dl.tensor(X_train), dl.tensor(y[train_idx])),
                        batch_size=64, shuffle=True, seed=0)
    for _ in range(epochs):
        model.train()
        for inputs, targets in loader:
            loss = F.cross_entropy(model(inputs), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    return model, X_test.astype(np.float32), y[test_idx]


def bert_classifier(pretrain_steps, fine_tune_steps):
    corpus = make_corpus(3000, num_labeled=40, num_test=1000, seed=0)
    tokenizer = Tokenizer.from_texts(corpus.all_texts())
    dl.manual_seed(0)
    bert = tiny_bert.TinyBert(len(tokenizer), tokenizer.pad_id)
    tiny_bert.pretrain(bert, tokenizer, corpus.unlabeled, pretrain_steps, verbose=False)
    train_ids = tokenizer.encode_batch(corpus.train_texts, tiny_bert.MAX_LEN)
    model = tiny_bert.fine_tune(bert, train_ids, corpus.train_labels, fine_tune_steps)
    model.eval()
    test_ids = tokenizer.encode_batch(corpus.test_texts, tiny_bert.MAX_LEN)
    return model, test_ids, np.asarray(corpus.test_labels), len(tokenizer), tokenizer.pad_id


# ---- PyTorch twins (same state_dict names) ------------------------------------------------------
def torch_mlp(torch):
    nn = torch.nn
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                         nn.Linear(64, 10))


def torch_bert(torch, vocab_size, pad_id, num_classes):
    nn = torch.nn

    class Position(nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(torch.zeros(tiny_bert.MAX_LEN, 64))

        def forward(self, x):
            return x + self.weight[: x.shape[1]]

    class Bert(nn.Module):
        def __init__(self):
            super().__init__()
            self.pad_id = pad_id
            self.token_embedding = nn.Embedding(vocab_size, 64, padding_idx=pad_id)
            self.position = Position()
            layer = nn.TransformerEncoderLayer(64, 4, 128, 0.1, activation="gelu",
                                               batch_first=True, norm_first=True)
            self.encoder = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(64),
                                                 enable_nested_tensor=False)

        def forward(self, ids):
            x = self.position(self.token_embedding(ids))
            return self.encoder(x, src_key_padding_mask=ids == self.pad_id)

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = Bert()
            self.head = nn.Linear(64, num_classes)

        def forward(self, ids):
            return self.head(self.bert(ids)[:, 0])

    return Classifier()


# ---- one model's table ------------------------------------------------------------------------
def measure(name, model, inputs, labels, torch_model, out, repeats):
    import onnxruntime as ort

    torch = sys.modules.get("torch")
    quantized = dl.quantization.quantize_dynamic(model, dtype=dl.qint8)
    row = {"model": name}
    row["accuracy_float32"] = accuracy(model, inputs, labels)
    row["accuracy_int8"] = accuracy(quantized, inputs, labels)
    row["bytes_float32"] = saved_bytes(model.state_dict())
    row["bytes_int8"] = saved_bytes(quantized.state_dict())
    sessions = {}
    for label, m in (("float32", model), ("int8", quantized)):
        path = out / f"{name}_{label}.onnx"
        dl.onnx.export(m, dl.tensor(inputs[:2]), path, input_names=["x"],
                       dynamic_axes={"x": {0: "batch"}})
        row[f"onnx_bytes_{label}"] = os.path.getsize(path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        sessions[label] = ort.InferenceSession(str(path), options,
                                               providers=["CPUExecutionProvider"])
        row[f"accuracy_onnxruntime_{label}"] = float(
            (sessions[label].run(None, {"x": inputs})[0].argmax(-1) == labels).mean())
    if torch_model is not None:
        torch_model.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                                     for k, v in model.state_dict().items()})
        torch_model.eval()
        torch_int8 = torch.ao.quantization.quantize_dynamic(torch_model, {torch.nn.Linear},
                                                            dtype=torch.qint8)
        with torch.no_grad():
            for label, m in (("float32", torch_model), ("int8", torch_int8)):
                predictions = m(torch.from_numpy(inputs)).argmax(-1).numpy()
                row[f"accuracy_pytorch_{label}"] = float((predictions == labels).mean())
                buffer = io.BytesIO()
                torch.save(m.state_dict(), buffer)
                row[f"pytorch_bytes_{label}"] = buffer.getbuffer().nbytes
    for batch in (1, 64):
        x = inputs[:batch]
        x_tensor = dl.tensor(x)
        with dl.no_grad():
            row[f"ms_minidl_float32_b{batch}"] = median_seconds(lambda: model(x_tensor), repeats)
            row[f"ms_minidl_int8_b{batch}"] = median_seconds(lambda: quantized(x_tensor), repeats)
        for label, session in sessions.items():
            row[f"ms_onnxruntime_{label}_b{batch}"] = median_seconds(
                lambda: session.run(None, {"x": x}), repeats)
        if torch_model is not None:
            x_torch = torch.from_numpy(x)
            with torch.no_grad():
                row[f"ms_pytorch_float32_b{batch}"] = median_seconds(
                    lambda: torch_model(x_torch), repeats)
                row[f"ms_pytorch_int8_b{batch}"] = median_seconds(
                    lambda: torch_int8(x_torch), repeats)
    for key in list(row):
        if key.startswith("ms_"):
            row[key] = round(row[key] * 1e3, 3)
    return row


def print_table(row):
    print(f"\n== {row['model']}")
    print(f"accuracy   minidl float32 {row['accuracy_float32']:.2%}  int8 "
          f"{row['accuracy_int8']:.2%}  (onnxruntime: {row['accuracy_onnxruntime_float32']:.2%} / "
          f"{row['accuracy_onnxruntime_int8']:.2%})")
    if "accuracy_pytorch_int8" in row:
        print(f"           pytorch float32 {row['accuracy_pytorch_float32']:.2%}  int8 "
              f"{row['accuracy_pytorch_int8']:.2%}")
    print(f"size       state_dict {row['bytes_float32']:,} -> {row['bytes_int8']:,} bytes; "
          f"onnx {row['onnx_bytes_float32']:,} -> {row['onnx_bytes_int8']:,} bytes")
    if "pytorch_bytes_int8" in row:
        print(f"           pytorch state_dict {row['pytorch_bytes_float32']:,} -> "
              f"{row['pytorch_bytes_int8']:,} bytes")
    print("latency (ms, median)      batch 1    batch 64")
    for impl in ("minidl", "onnxruntime", "pytorch"):
        for label in ("float32", "int8"):
            key = f"ms_{impl}_{label}"
            if f"{key}_b1" in row:
                print(f"  {impl:12s} {label:8s} {row[key + '_b1']:9.3f} {row[key + '_b64']:10.3f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run, not a measurement")
    parser.add_argument("--out", type=Path, default=Path("outputs/deploy"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        import torch
        import warnings

        torch.set_num_threads(1)
        torch.backends.mha.set_fastpath_enabled(False)  # it breaks on quantized linears
        warnings.filterwarnings("ignore", module="torch")
        warnings.filterwarnings("ignore", category=DeprecationWarning)
    except ImportError:
        torch = None
    dl_epochs, steps, repeats = (3, (30, 10), 5) if args.quick else (30, (600, 150), 50)
    print(f"load average {os.getloadavg()[0]:.1f} (timings need a quiet machine)")
    model, inputs, labels = digits_mlp(dl_epochs)
    rows = [measure("digits_mlp", model, inputs, labels,
                    torch_mlp(torch) if torch else None, args.out, repeats)]
    model, inputs, labels, vocab, pad = bert_classifier(*steps)
    twin = torch_bert(torch, vocab, pad, len(TOPICS)) if torch else None
    rows.append(measure("tiny_bert", model, inputs, labels, twin, args.out, repeats))
    for row in rows:
        print_table(row)
    path = args.out / "quantization.json"
    path.write_text(json.dumps({"rows": rows, "load_average": os.getloadavg()[0],
                                "quick": args.quick}, indent=1))
    print(f"\nwrote {path}")
    return rows


if __name__ == "__main__":
    main()
