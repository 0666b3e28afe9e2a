"""Data-parallel scaling: measured on 1 and 2 MPI ranks here, predicted for 8 and 64 GPUs.

    python benchmarks/distributed_scaling.py [--quick] [--out benchmarks/results]

Measured (each configuration is a fresh ``mpiexec -n N`` job running this file with
``--worker``; the global batch stays the same, so each of N ranks takes 1/N of it per step):

- ``digits``: one epoch of the flagship MLP 64-128-64-10 (Adam, 23 steps per epoch);
- ``sort``: 50 steps of the sorting Transformer of ``minidl.examples.sort_transformer``;
- ``wide``: 10 steps of an MLP of six 512 x 512 layers, global batch 256 (larger gradients and
  a longer backward, where overlapping the all-reduces with backward has room to show);
- per step: bytes all-reduced (every gradient once), the time the all-reduces of the buckets
  take on their own (blocking, after the run; the fastest of 30), the time the end of backward
  actually waited for them (``Reducer.last_wait_seconds``: the all-reduces not yet done, plus
  waiting for the slower rank to finish its own backward), and the overlap: the share of the
  bytes whose all-reduce had already finished when backward ended
  (``Reducer.last_overlapped_bytes``);
- ``allreduce``: ``dist.all_reduce`` times for message sizes from 1 KiB to 4 MiB on 2 ranks
  (and mpi4py's blocking ``Allreduce`` for comparison); the fastest of each size fitted to
  ``t = 2 * alpha + bytes / bandwidth`` (the ring formula below for N = 2).

Predicted (the ring all-reduce cost model, weak scaling at a fixed per-GPU batch)::

    t_allreduce(N, S) = 2 (N - 1) / N * S / bandwidth + 2 (N - 1) * alpha
    t_step = t_compute + max(0, t_allreduce - overlap * t_backward)      t_backward = 2/3 t_compute
    efficiency = t_compute / t_step                                      speed-up = N * efficiency

The assumed hardware figures, and where they come from, are in ``HARDWARE`` and in
``benchmarks/DISTRIBUTED.md``. Timings on a shared machine are noisy: read them as such.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # run from a fresh clone without installing minidl
    sys.path.insert(0, str(REPO_ROOT))

GLOBAL_BATCH = {"digits": 64, "sort": 64, "wide": 256}  # split evenly over the ranks
# Buckets smaller than PyTorch's default 25 MB, so that these small models have several
BUCKET_MB = {"digits": 0.02, "sort": 0.05, "wide": 1.0}

# Assumed hardware (see DISTRIBUTED.md for the sources).
HARDWARE = {
    "8 GPUs (one node, NVLink/NVSwitch)": {"gpus": 8, "bandwidth": 450e9, "alpha": 3e-6},
    "64 GPUs (8 nodes, 400 Gb/s InfiniBand per GPU)": {"gpus": 64, "bandwidth": 45e9,
                                                        "alpha": 8e-6},
}
# Compute time of one training step on one H100 (see DISTRIBUTED.md):
# - tiny BERT: launch-bound, ~2.5 ms per Transformer layer step (DESIGN.md's W3 on an H100)
#   x 2 layers; its gradient bytes are counted from the model below (float32).
# - GPT of 100M parameters, 8 sequences x 1024 tokens per GPU: 6 * params * tokens FLOP at
#   40% of the H100's 989 TFLOP/s dense BF16; gradients all-reduced in float32 or bfloat16.
H100_DENSE_BF16_FLOPS, ASSUMED_MFU = 989e12, 0.40
GPT_PARAMS, GPT_TOKENS_PER_GPU = 100e6, 8 * 1024


# ---- the cost model --------------------------------------------------------------------------
def ring_allreduce_seconds(nbytes, n, bandwidth, alpha):
    """Ring all-reduce: a reduce-scatter then an all-gather, N - 1 steps each; every step moves
    1/N of the data over every link and pays one latency ``alpha``."""
    return 2 * (n - 1) / n * nbytes / bandwidth + 2 * (n - 1) * alpha


def predicted_step(compute_seconds, grad_bytes, n, bandwidth, alpha, overlap=1.0):
    """(step seconds, efficiency) with ``overlap`` of backward usable to hide communication."""
    comm = ring_allreduce_seconds(grad_bytes, n, bandwidth, alpha)
    step = compute_seconds + max(0.0, comm - overlap * (2 / 3) * compute_seconds)
    return step, compute_seconds / step, comm


def tiny_bert_parameters():
    """Parameters of the tiny BERT of the example (MLM head included), with its vocabulary."""
    import minidl as dl
    from minidl.examples.tiny_bert import MaskedLanguageModel, TinyBert
    from minidl.text import Tokenizer, make_corpus

    corpus = make_corpus(1000, num_labeled=40, num_test=300, seed=0)
    tokenizer = Tokenizer.from_texts(corpus.all_texts())
    dl.manual_seed(0)
    model = MaskedLanguageModel(TinyBert(len(tokenizer), tokenizer.pad_id), len(tokenizer))
    return sum(p.numel() for p in model.parameters())


def predictions():
    bert_params = tiny_bert_parameters()
    gpt_compute = 6 * GPT_PARAMS * GPT_TOKENS_PER_GPU / (H100_DENSE_BF16_FLOPS * ASSUMED_MFU)
    models = [
        ("tiny BERT", bert_params, 4 * bert_params, 2 * 2.5e-3),
        ("GPT 100M, fp32 gradients", GPT_PARAMS, 4 * GPT_PARAMS, gpt_compute),
        ("GPT 100M, bf16 gradients", GPT_PARAMS, 2 * GPT_PARAMS, gpt_compute),
    ]
    rows = []
    for name, params, grad_bytes, compute in models:
        for setup, hw in HARDWARE.items():
            n = hw["gpus"]
            for overlap in (0.0, 1.0):
                step, efficiency, comm = predicted_step(compute, grad_bytes, n, hw["bandwidth"],
                                                        hw["alpha"], overlap)
                rows.append({"model": name, "parameters": params, "grad_bytes": grad_bytes,
                             "setup": setup, "gpus": n, "overlap": overlap,
                             "compute_ms": compute * 1e3, "allreduce_ms": comm * 1e3,
                             "step_ms": step * 1e3, "efficiency": efficiency,
                             "speedup": n * efficiency})
    return rows


# ---- the measurements (inside each rank) ---------------------------------------------------
def worker(workload, quick):
    """Run on every rank of an ``mpiexec`` job; rank 0 prints one JSON line."""
    import numpy as np

    import minidl as dl
    import minidl.distributed as dist
    import minidl.nn as nn

    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    if workload == "allreduce":
        print_result(rank, allreduce_times(dl, dist, quick))
        return

    model, make_step, steps_per_epoch = build_workload(workload, rank, world, dl, nn)
    reducer = model.reducer if world > 1 else None
    epochs = 2 if quick else 5
    epoch_seconds, waits, overlapped = [], [], []
    for epoch in range(epochs + 1):  # the first epoch compiles the kernels: not timed
        dist.barrier()
        start = time.perf_counter()
        for _ in range(steps_per_epoch):
            make_step()
            if reducer is not None and epoch > 0:
                waits.append(reducer.last_wait_seconds)
                overlapped.append(reducer.last_overlapped_bytes / reducer.bytes_per_step)
        dist.barrier()
        if epoch > 0:
            epoch_seconds.append(time.perf_counter() - start)
    result = {"workload": workload, "ranks": world,
              "per_rank_batch": GLOBAL_BATCH[workload] // world,
              "steps_per_epoch": steps_per_epoch,
              "epoch_seconds": statistics.median(epoch_seconds),
              "parameters": sum(p.numel() for p in model.parameters())}
    if reducer is not None:
        alone = 0.0
        for bucket in reducer.buckets:  # each bucket's all-reduce on its own, blocking
            buffer = dl.from_numpy(np.array(bucket.buffer))
            times = []
            for _ in range(30):
                dist.barrier()
                start = time.perf_counter()
                dist.all_reduce(buffer)
                times.append(time.perf_counter() - start)
            alone += min(times)  # the fastest: without the scheduling delays of a busy machine
        result.update({"buckets": len(reducer.buckets), "bytes_per_step": reducer.bytes_per_step,
                       "allreduce_alone_ms": alone * 1e3,
                       "waited_ms": statistics.median(waits) * 1e3,
                       "overlap": statistics.mean(overlapped)})
    print_result(rank, result)
    dist.destroy_process_group()


def build_workload(workload, rank, world, dl, nn):
    """(model, a function doing one training step, steps per epoch) for this rank."""
    import numpy as np

    import minidl.nn.functional as F
    import minidl.optim as optim

    wrap = (lambda m: nn.parallel.DistributedDataParallel(m, bucket_cap_mb=BUCKET_MB[workload])
            ) if world > 1 else (lambda m: m)
    batch = GLOBAL_BATCH[workload] // world
    if workload == "wide":
        dl.manual_seed(0)
        layers = []
        for _ in range(6):
            layers += [nn.Linear(512, 512), nn.ReLU()]
        model = wrap(nn.Sequential(*layers[:-1]))
        optimizer = optim.SGD(model.parameters(), lr=1e-3)
        rng = np.random.default_rng(rank)
        inputs = dl.tensor(rng.standard_normal((batch, 512)).astype(np.float32))
        targets = dl.tensor(rng.standard_normal((batch, 512)).astype(np.float32))

        def step():
            loss = F.mse_loss(model(inputs), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

        return model, step, 10
    if workload == "digits":
        from minidl.data import DataLoader, DistributedSampler, TensorDataset
        from minidl.examples.train_digits import SPLIT_SEED, build_model, standardize
        from minidl.examples.train_digits import stratified_split

        X, y = dl.datasets.load_digits()
        train_idx, test_idx = stratified_split(y, test_fraction=0.2, seed=SPLIT_SEED)
        X_train, _, _, _ = standardize(X[train_idx], X[test_idx])
        data = TensorDataset(dl.tensor(X_train), dl.tensor(y[train_idx]))
        sampler = DistributedSampler(data, num_replicas=world, rank=rank)
        loader = DataLoader(data, batch_size=batch, sampler=sampler)
        dl.manual_seed(0)
        model = wrap(build_model())
        optimizer = optim.Adam(model.parameters(), lr=1e-3)
        batches = []

        def step():
            if not batches:
                batches.extend(loader)
            inputs, targets = batches.pop()
            loss = F.cross_entropy(model(inputs), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

        return model, step, len(loader)

    from minidl.examples.sort_transformer import NUM_DIGITS, SortingTransformer
    from minidl.text import make_sort_task

    dl.manual_seed(0)
    model = wrap(SortingTransformer(8))
    optimizer = optim.Adam(model.parameters(), lr=2e-3)
    rng = np.random.default_rng(rank)

    def step():
        inputs, targets = make_sort_task(batch, 8, NUM_DIGITS, seed=rng.integers(2**31))
        logits = model(dl.tensor(inputs))
        loss = F.cross_entropy(logits.reshape(-1, NUM_DIGITS), dl.tensor(targets.reshape(-1)))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return model, step, 50


def allreduce_times(dl, dist, quick):
    """Median blocking all-reduce time per message size, and the fitted alpha and bandwidth."""
    import numpy as np

    from mpi4py import MPI

    sizes = [1 << 10, 4 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20]
    medians, fastest, mpi4py_medians = [], [], []
    for nbytes in sizes:
        buffer = dl.zeros(nbytes // 4)
        array = np.zeros(nbytes // 4, dtype=np.float32)
        times, blocking_times = [], []
        for _ in range(10 if quick else 40):
            dist.barrier()
            start = time.perf_counter()
            dist.all_reduce(buffer)
            times.append(time.perf_counter() - start)
            dist.barrier()  # the same with mpi4py's blocking call, for comparison
            start = time.perf_counter()
            MPI.COMM_WORLD.Allreduce(MPI.IN_PLACE, array)
            blocking_times.append(time.perf_counter() - start)
        medians.append(statistics.median(times))
        fastest.append(min(times))
        mpi4py_medians.append(statistics.median(blocking_times))
    # t = 2 alpha + S / bandwidth (N = 2), fitted to the fastest times: a rank that the busy
    # machine deschedules for a time slice (milliseconds) would dominate the medians
    slope, intercept = np.polyfit(sizes, fastest, 1)
    return {"workload": "allreduce", "ranks": dist.get_world_size(), "bytes": sizes,
            "median_ms": [m * 1e3 for m in medians], "fastest_ms": [m * 1e3 for m in fastest],
            "mpi4py_blocking_median_ms": [m * 1e3 for m in mpi4py_medians],
            "alpha_us": intercept / 2 * 1e6, "bandwidth_GBps": 1 / slope / 1e9}


def print_result(rank, result):
    if rank == 0:
        print("RESULT " + json.dumps(result), flush=True)


# ---- the driver ----------------------------------------------------------------------------
def run_job(nprocs, *args):
    from minidl.distributed.launch import mpiexec_command

    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1")
    command = mpiexec_command(nprocs, __file__, "--worker", *args)
    output = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1800)
    if output.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{output.stderr}")
    line = next(line for line in output.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run, not a measurement")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks" / "results")
    parser.add_argument("--worker", choices=["digits", "sort", "wide", "allreduce"],
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.quick)
        return None
    quick = ["--quick"] if args.quick else []
    measured = [run_job(n, workload, *quick)
                for workload in ("digits", "sort", "wide") for n in (1, 2)]
    network = run_job(2, "allreduce", *quick)
    report = {"measured": measured, "allreduce_2_ranks": network, "predicted": predictions(),
              "load_average": os.getloadavg()[0]}
    print_report(report)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "distributed_scaling.json"
    path.write_text(json.dumps(report, indent=1))
    print(f"wrote {path}")
    return report


def print_report(report):
    print(f"measured here (load average {report['load_average']:.1f}):")
    print("| workload | ranks | per-rank batch | epoch | speed-up | buckets | bytes all-reduced "
          "per step | all-reduce alone | waited in backward | overlap |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    single = {r["workload"]: r["epoch_seconds"] for r in report["measured"] if r["ranks"] == 1}
    for r in report["measured"]:
        speedup = single[r["workload"]] / r["epoch_seconds"]
        comm = (f"{r['buckets']} | {r['bytes_per_step']:,} | {r['allreduce_alone_ms']:.2f} ms | "
                f"{r['waited_ms']:.2f} ms | {r['overlap']:.0%}") if r["ranks"] > 1 else \
            "- | - | - | - | -"
        print(f"| {r['workload']} | {r['ranks']} | {r['per_rank_batch']} | "
              f"{r['epoch_seconds'] * 1e3:.0f} ms | {speedup:.2f}x | {comm} |")
    net = report["allreduce_2_ranks"]
    print(f"all-reduce on 2 ranks here, fitted to the fastest of each size: alpha "
          f"{net['alpha_us']:.1f} us, bandwidth {net['bandwidth_GBps']:.2f} GB/s; "
          "fastest / median (median of mpi4py's blocking Allreduce): "
          + ", ".join(f"{b >> 10} KiB {f:.3f} / {m:.3f} ({c:.3f}) ms" for b, f, m, c in
                      zip(net["bytes"], net["fastest_ms"], net["median_ms"],
                          net["mpi4py_blocking_median_ms"])))
    print("predicted (ring all-reduce model, H100s, NCCL):")
    print("| model | setup | overlap | compute/step | all-reduce | step | efficiency | "
          "speed-up |")
    print("|---|---|---|---|---|---|---|---|")
    for r in report["predicted"]:
        print(f"| {r['model']} ({r['parameters'] / 1e6:.2f}M) | {r['setup']} | "
              f"{'yes' if r['overlap'] else 'no'} | {r['compute_ms']:.2f} ms | "
              f"{r['allreduce_ms']:.2f} ms | {r['step_ms']:.2f} ms | {r['efficiency']:.0%} | "
              f"{r['speedup']:.1f}x |")


if __name__ == "__main__":
    main()
