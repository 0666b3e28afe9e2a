"""minidl.serve through real HTTP on 127.0.0.1: predictions, validation, batching, shutdown."""
import json
import os
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request

import numpy as np
import pytest

import minidl as dl
from minidl.examples.train_digits import build_model
from minidl.serve import ModelServer, load_predictor


def request(url, body=None, raw=None):
    """(status, JSON reply) of a GET (no body) or a POST of ``body`` as JSON (or ``raw`` bytes)."""
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=30) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    dl.manual_seed(0)
    model = build_model()
    path = tmp_path_factory.mktemp("serve") / "digits.minidl"
    mean, std = np.full(64, 0.5, np.float32), np.full(64, 2.0, np.float32)
    dl.save({"model": model.state_dict(), "mean": mean, "std": std}, path)
    return path, model, mean, std


def running(predictor, **options):
    server = ModelServer(predictor, "127.0.0.1", 0, **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


def stop(server, thread):
    server.shutdown()
    server.close()
    thread.join(timeout=10)
    assert not thread.is_alive()


@pytest.fixture
def digits_server(checkpoint):
    path = checkpoint[0]
    predictor = load_predictor(path, "minidl.examples.train_digits:build_model", (64,))
    server, thread = running(predictor, max_batch=16, max_wait_ms=20)
    yield server
    stop(server, thread)


def test_predictions_equal_the_model_with_the_checkpoints_standardization(digits_server,
                                                                         checkpoint):
    _, model, mean, std = checkpoint
    x = np.random.default_rng(0).random((3, 64)).astype(np.float32)
    status, reply = request(digits_server.url + "/predict", {"inputs": x.tolist()})
    assert status == 200
    expected = model(dl.tensor((x - mean) / std)).numpy()
    np.testing.assert_allclose(reply["outputs"], expected, atol=1e-5)
    assert reply["predictions"] == expected.argmax(axis=1).tolist()
    assert request(digits_server.url + "/health") == (200, {"status": "ok"})


@pytest.mark.parametrize("raw, message", [
    (b"{not json", "malformed JSON"),
    (b"[1, 2]", 'expected a JSON object {"inputs": [...]}'),
    (b'{"x": 1}', 'expected a JSON object {"inputs": [...]}'),
    (b'{"inputs": [[1, 2, 3]]}', "shape (1, 3), expected (N, 64)"),
    (b'{"inputs": [1, 2]}', "shape (2,), expected (N, 64)"),
    (b'{"inputs": []}', "expected (N, 64)"),
    (b'{"inputs": [["a"]]}', "must be numbers"),
    (b'{"inputs": [[1], [1, 2]]}', "ragged"),
    (b'{"inputs": 3}', "a single value"),
    (b"\xff\xfe", "malformed JSON"),
])
def test_bad_requests_get_400_saying_what_was_expected(digits_server, raw, message):
    status, reply = request(digits_server.url + "/predict", raw=raw)
    assert status == 400
    assert message in reply["error"]
    status, _ = request(digits_server.url + "/predict", {"inputs": [[0.0] * 64]})
    assert status == 200  # still serving


def test_unknown_paths_oversized_bodies_and_metrics(checkpoint):
    predictor = load_predictor(checkpoint[0], "minidl.examples.train_digits:build_model", (64,))
    server, thread = running(predictor, max_body_bytes=1000)
    try:
        assert request(server.url + "/nothing")[0] == 404
        assert request(server.url + "/nothing", {"inputs": []})[0] == 404
        status, reply = request(server.url + "/predict", {"inputs": [[0.0] * 64] * 100})
        assert status == 413 and "over the limit" in reply["error"]
        request(server.url + "/predict", {"inputs": [[0.0] * 64]})
        status, metrics = request(server.url + "/metrics")
        assert status == 200
        assert metrics["requests"] == 3 and metrics["errors"] == 2
        assert metrics["latency_ms"]["p50"] > 0 and metrics["latency_ms"]["p99"] > 0
    finally:
        stop(server, thread)


def test_concurrent_requests_are_batched_and_each_gets_its_own_rows(digits_server, checkpoint):
    _, model, mean, std = checkpoint
    inputs = np.random.default_rng(1).random((24, 64)).astype(np.float32)
    replies = [None] * len(inputs)

    def call(i):
        replies[i] = request(digits_server.url + "/predict", {"inputs": inputs[i:i + 1].tolist()})

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(inputs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expected = model(dl.tensor((inputs - mean) / std)).numpy()
    for i, (status, reply) in enumerate(replies):
        assert status == 200
        np.testing.assert_allclose(reply["outputs"][0], expected[i], atol=1e-5)
    metrics = request(digits_server.url + "/metrics")[1]
    assert metrics["batches"] < len(inputs)  # some requests shared a model call
    assert metrics["mean_batch_size"] > 1


def test_a_failing_model_gets_500_and_the_server_lives_on():
    class Flaky:
        example_shape, dtype = (2,), np.dtype("float32")

        def __call__(self, batch):
            if batch[0, 0] < 0:
                raise RuntimeError("model exploded")
            return batch * 2

    server, thread = running(Flaky(), max_batch=1)
    try:
        status, reply = request(server.url + "/predict", {"inputs": [[-1, 0]]})
        assert status == 500 and "model exploded" in reply["error"]
        assert request(server.url + "/predict", {"inputs": [[1, 2]]}) == (
            200, {"outputs": [[2.0, 4.0]], "predictions": [1]})
    finally:
        stop(server, thread)


def test_onnx_model_with_integer_inputs(tmp_path):
    pytest.importorskip("onnxruntime")
    from minidl.examples.tiny_bert import MAX_LEN, Classifier, TinyBert

    dl.manual_seed(2)
    model = Classifier(TinyBert(30, pad_id=0), 3).eval()
    path = tmp_path / "bert.onnx"
    dl.onnx.export(model, dl.tensor(np.ones((1, MAX_LEN), np.int64)), path,
                   input_names=["ids"], dynamic_axes={"ids": {0: "batch"}})
    server, thread = running(load_predictor(path))
    try:
        ids = np.random.default_rng(2).integers(0, 30, (2, MAX_LEN))
        status, reply = request(server.url + "/predict", {"inputs": ids.tolist()})
        assert status == 200
        np.testing.assert_allclose(reply["outputs"], model(dl.tensor(ids)).numpy(), atol=1e-5)
        status, reply = request(server.url + "/predict", {"inputs": [[0.5] * MAX_LEN]})
        assert status == 400 and "integers (int64)" in reply["error"]
        status, reply = request(server.url + "/predict", {"inputs": [[1] * 5]})
        assert status == 400 and f"expected (N, {MAX_LEN})" in reply["error"]
    finally:
        stop(server, thread)


def test_command_line_serves_and_shuts_down_cleanly_on_sigint(checkpoint):
    path = checkpoint[0]
    process = subprocess.Popen(
        [sys.executable, "-m", "minidl.serve", str(path), "--port", "0", "--factory",
         "minidl.examples.train_digits:build_model", "--input-shape", "64"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    try:
        line = process.stdout.readline()
        assert "serving" in line, process.stderr.read()
        url = line.split(" on ")[1].split(" ")[0]
        assert request(url + "/health") == (200, {"status": "ok"})
        assert request(url + "/predict", {"inputs": [[0.0] * 64]})[0] == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        assert "stopped" in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()


def test_missing_or_bad_content_length(digits_server):
    import socket

    host, port = digits_server.server_address[:2]
    for header in (b"", b"Content-Length: -5\r\n", b"Content-Length: lots\r\n"):
        with socket.create_connection((host, port), timeout=30) as connection:
            connection.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\n" + header + b"\r\n")
            reply = connection.makefile("rb").read().decode()  # until the server closes
        assert reply.startswith("HTTP/1.1 400") and "needs a Content-Length header" in reply
    assert request(digits_server.url + "/health")[0] == 200
