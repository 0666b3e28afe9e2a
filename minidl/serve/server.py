"""The HTTP server: JSON predictions, request validation, /health and /metrics.

Endpoints (JSON in and out):

    POST /predict   {"inputs": [example, ...]}  ->  {"outputs": [...], "predictions": [...]}
                    one example has the model's example shape (e.g. 64 numbers for the digits
                    MLP, 12 token ids for tiny BERT); "predictions" is the argmax of the last
                    axis of each output.
    GET  /health    {"status": "ok"}
    GET  /metrics   {"requests": ..., "errors": ..., "latency_ms": {"p50": ..., "p99": ...},
                     "batches": ..., "mean_batch_size": ...}

A bad request gets a 400 whose "error" says what was expected (malformed JSON, a missing
"inputs", a wrong shape or dtype); an unknown path 404; a body over ``max_body_bytes`` 413; a
failure inside the model 500. Every request is answered: no input stops the server.

``ThreadingHTTPServer`` (the standard library) gives each connection a thread; the threads
hand their examples to the ``MicroBatcher``, whose single worker runs the model. Nothing here
needs a package beyond the standard library and NumPy.
"""
import json
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np

from .batcher import MicroBatcher

MAX_BODY_BYTES = 8 * 1024 * 1024
_LATENCY_WINDOW = 10_000  # the metrics keep the latencies of this many recent requests


class BadRequest(ValueError):
    """A request the server refuses with a 400 and this message."""


class Metrics:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.errors = 0
        self.latencies = []

    def record(self, seconds, ok):
        with self.lock:
            self.requests += 1
            self.errors += not ok
            self.latencies.append(seconds)
            if len(self.latencies) > _LATENCY_WINDOW:
                del self.latencies[: len(self.latencies) - _LATENCY_WINDOW]

    def snapshot(self, batcher):
        with self.lock:
            latencies = np.array(self.latencies) * 1000
            requests, errors = self.requests, self.errors
        percentiles = ({"p50": float(np.percentile(latencies, 50)),
                        "p99": float(np.percentile(latencies, 99))} if latencies.size
                       else {"p50": None, "p99": None})
        batches = batcher.batches
        return {"requests": requests, "errors": errors, "latency_ms": percentiles,
                "batches": batches,
                "mean_batch_size": batcher.batched_examples / batches if batches else None}


def parse_inputs(body, example_shape, dtype):
    """The examples of a /predict body as an array (N, *example_shape) of ``dtype``, or a
    BadRequest saying what was expected."""
    wanted = f"(N, {', '.join('any' if d is None else str(d) for d in example_shape)})"
    wanted = wanted.replace(", )", ")")
    try:
        request = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadRequest(f"malformed JSON: {error}") from None
    if not isinstance(request, dict) or "inputs" not in request:
        raise BadRequest(f'expected a JSON object {{"inputs": [...]}} holding a list of '
                         f"examples, shape {wanted} {dtype}")
    try:
        values = np.array(request["inputs"])
    except ValueError:
        raise BadRequest(f'"inputs" is ragged: expected shape {wanted}') from None
    if values.dtype.kind not in "biuf" or values.ndim == 0:
        raise BadRequest(f'"inputs" must be numbers of shape {wanted} {dtype}, got '
                         f"{'a single value' if values.ndim == 0 else values.dtype.name}")
    shape_ok = values.ndim == len(example_shape) + 1 and all(
        want is None or want == got for want, got in zip(example_shape, values.shape[1:]))
    if not shape_ok or values.shape[0] == 0:
        raise BadRequest(f'"inputs" has shape {values.shape}, expected {wanted} (N >= 1)')
    if dtype.kind in "iu":
        whole = np.isfinite(values) & (values == np.round(values))
        if values.dtype.kind == "f" and not whole.all():
            raise BadRequest(f'"inputs" must be integers ({dtype}), got non-integer numbers')
    elif not np.all(np.isfinite(values)):
        raise BadRequest('"inputs" holds NaN or infinity')
    return values.astype(dtype)


class _Handler(BaseHTTPRequestHandler):
    server_version = "minidl-serve/0.1"
    protocol_version = "HTTP/1.1"
    timeout = 30  # seconds a connection may stall (a body shorter than its Content-Length)

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        if self.server.verbose:
            super().log_message(format, *args)

    def _reply(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 (the base class's name)
        if self.path == "/health":
            self._reply(HTTPStatus.OK, {"status": "ok"})
        elif self.path == "/metrics":
            self._reply(HTTPStatus.OK, self.server.metrics.snapshot(self.server.batcher))
        else:
            self._reply(HTTPStatus.NOT_FOUND, {"error": f"no such path {self.path}; try POST "
                                                        "/predict, GET /health or /metrics"})

    def do_POST(self):  # noqa: N802
        start = time.perf_counter()
        ok = False
        try:
            if self.path != "/predict":
                self._reply(HTTPStatus.NOT_FOUND, {"error": f"no such path {self.path}; "
                                                            "POST to /predict"})
                return
            length = self.headers.get("Content-Length", "")
            if not length.isdigit():
                self.close_connection = True
                raise BadRequest("a POST needs a Content-Length header with the body's size")
            length = int(length)
            if length > self.server.max_body_bytes:
                self.close_connection = True  # the body is not read: drop the connection
                self._reply(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                            {"error": f"body of {length} bytes is over the limit of "
                                      f"{self.server.max_body_bytes}"})
                return
            predictor = self.server.batcher.predictor
            examples = parse_inputs(self.rfile.read(length), predictor.example_shape,
                                    predictor.dtype)
            outputs = self.server.batcher.predict(examples)
            self._reply(HTTPStatus.OK, {"outputs": outputs.tolist(),
                                        "predictions": outputs.argmax(axis=-1).tolist()})
            ok = True
        except BadRequest as error:
            self._reply(HTTPStatus.BAD_REQUEST, {"error": str(error)})
        except Exception as error:  # the model failed: answer, and keep serving
            self._reply(HTTPStatus.INTERNAL_SERVER_ERROR,
                        {"error": f"{type(error).__name__}: {error}"})
        finally:
            self.server.metrics.record(time.perf_counter() - start, ok)


class ModelServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer that serves ``predictor`` (see models.py) with micro-batching.

    ``serve_forever()`` runs it; ``shutdown()`` (from another thread) stops the loop; then
    ``close()`` finishes queued requests and releases the socket.
    """

    daemon_threads = True
    request_queue_size = 128  # the listen backlog (socketserver's 5 drops bursts of clients)

    def __init__(self, predictor, host="127.0.0.1", port=8000, max_batch=32, max_wait_ms=5.0,
                 max_body_bytes=MAX_BODY_BYTES, verbose=False):
        super().__init__((host, port), _Handler)
        self.batcher = MicroBatcher(predictor, max_batch, max_wait_ms)
        self.metrics = Metrics()
        self.max_body_bytes = max_body_bytes
        self.verbose = verbose

    @property
    def url(self):
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def close(self):
        self.batcher.close()
        self.server_close()
