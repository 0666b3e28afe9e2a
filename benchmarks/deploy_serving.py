"""A bounded load test of ``minidl.serve``: throughput and latency with and without batching.

The server runs in this process on 127.0.0.1 (a free port); ``--clients`` threads each send
``--requests`` POST /predict requests of one example, back to back, over real HTTP. The same
load runs against the server with micro-batching off (``max_batch=1``) and on
(``max_batch=32, max_wait_ms=2``), for the digits MLP served from a minidl checkpoint and from
its ONNX export. The number of requests is fixed, so the run is bounded.

    python benchmarks/deploy_serving.py [--clients 16] [--requests 50] [--out outputs/deploy]

The clients share the machine with the server (and on a 2-core machine with everything else):
read the with/without ratio, not the absolute figures. Writes serving.json under --out.
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import minidl as dl  # noqa: E402
from minidl.examples.train_digits import build_model  # noqa: E402
from minidl.serve import ModelServer, load_predictor  # noqa: E402


def load(url, clients, requests_each):
    """Run the load; returns (requests per second, latencies in ms)."""
    rng = np.random.default_rng(0)
    bodies = [json.dumps({"inputs": rng.random((1, 64)).tolist()}).encode() for _ in range(32)]
    latencies, errors = [], []
    lock = threading.Lock()

    def client(index):
        mine = []
        for i in range(requests_each):
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(urllib.request.Request(
                        url + "/predict", data=bodies[(index + i) % len(bodies)]),
                        timeout=60) as reply:
                    reply.read()
            except Exception as error:  # counted, reported, never fatal to the load test
                errors.append(error)
            mine.append((time.perf_counter() - start) * 1000)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        print(f"  {len(errors)} requests failed, e.g. {errors[0]!r}")
    return len(latencies) / elapsed, latencies


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=50, help="per client")
    parser.add_argument("--out", type=Path, default=Path("outputs/deploy"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"load average {os.getloadavg()[0]:.1f}; {args.clients} clients x {args.requests} "
          "requests of one example (digits MLP)")
    dl.manual_seed(0)
    model = build_model().eval()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        checkpoint = os.path.join(folder, "digits.minidl")
        dl.save({"model": model.state_dict()}, checkpoint)
        exported = os.path.join(folder, "digits.onnx")
        dl.onnx.export(model, dl.randn(1, 64), exported, input_names=["x"],
                       dynamic_axes={"x": {0: "batch"}})
        predictors = {
            "minidl checkpoint": load_predictor(
                checkpoint, "minidl.examples.train_digits:build_model", (64,)),
            "onnx": load_predictor(exported),
        }
        for name, predictor in predictors.items():
            for label, max_batch in (("no batching", 1), ("batching", 32)):
                server = ModelServer(predictor, "127.0.0.1", 0, max_batch=max_batch,
                                     max_wait_ms=2.0)
                thread = threading.Thread(target=server.serve_forever, daemon=True)
                thread.start()
                load(server.url, 2, 5)  # warm-up: kernel compilation, connections
                throughput, latencies = load(server.url, args.clients, args.requests)
                metrics = server.batcher
                server.shutdown()
                server.close()
                thread.join()
                row = {"model": name, "mode": label, "requests_per_s": round(throughput, 1),
                       "p50_ms": round(statistics.median(latencies), 2),
                       "p99_ms": round(float(np.percentile(latencies, 99)), 2),
                       "mean_batch": round(metrics.batched_examples / metrics.batches, 2)}
                rows.append(row)
                print(f"  {name:18s} {label:12s} {row['requests_per_s']:8.1f} req/s  p50 "
                      f"{row['p50_ms']:7.2f} ms  p99 {row['p99_ms']:7.2f} ms  mean batch "
                      f"{row['mean_batch']}")
    path = args.out / "serving.json"
    path.write_text(json.dumps({"rows": rows, "clients": args.clients,
                                "requests_per_client": args.requests,
                                "load_average": os.getloadavg()[0]}, indent=1))
    print(f"wrote {path}")
    return rows


if __name__ == "__main__":
    main()
