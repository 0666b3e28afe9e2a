"""python -m minidl.serve MODEL: serve a model's predictions over HTTP (see server.py).

    python -m minidl.serve outputs/digits.onnx --port 8000
    python -m minidl.serve outputs/digits/checkpoint.minidl \\
        --factory minidl.examples.train_digits:build_model --input-shape 64
    curl -s localhost:8000/predict -d '{"inputs": [[0, 0, 5, ...64 numbers...]]}'

Ctrl-C (SIGINT) or SIGTERM shuts it down cleanly: no new connections, the requests already
queued are answered, the socket is closed.
"""
import argparse
import signal
import threading

from .models import load_predictor
from .server import ModelServer


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m minidl.serve",
                                     description="Serve JSON predictions of a model over HTTP.")
    parser.add_argument("model", help="an exported .onnx file or a minidl checkpoint")
    parser.add_argument("--factory", help="package.module:function building the model "
                                          "(minidl checkpoints)")
    parser.add_argument("--input-shape", type=int, nargs="+",
                        help="one example's shape (minidl checkpoints), e.g. 64")
    parser.add_argument("--input-dtype", default="float32", help="(minidl checkpoints)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--max-batch", type=int, default=32,
                        help="requests run together at most (1: no batching)")
    parser.add_argument("--max-wait-ms", type=float, default=5.0,
                        help="how long the first request of a batch waits for others")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    predictor = load_predictor(args.model, args.factory, args.input_shape, args.input_dtype)
    server = ModelServer(predictor, args.host, args.port, args.max_batch, args.max_wait_ms,
                         verbose=args.verbose)

    def stop(signum, frame):
        # shutdown() waits for serve_forever() to return, so it must run on another thread
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    print(f"serving {args.model} on {server.url} (POST /predict, GET /health, GET /metrics)",
          flush=True)
    try:
        server.serve_forever()
    finally:
        server.close()
    print("stopped", flush=True)


if __name__ == "__main__":
    main()
