"""Per-call times of the CPU attention kernels alone, at the attention shapes of W2, W3 and W8.

    python benchmarks/attention_kernels.py [--repeats 100] [--threads N] [--only W3,W8]
                                           [--after-threaded-matmul]

Calls ``attention_forward`` and ``attention_backward`` of ``minidl.kernels.cpu`` directly on
float32 (B * H, T, D) arrays, as the SDPA op hands them over: W3 (32 x 4 heads, T 64, D 32, no
mask), W8 (16 x 4 heads, T 128, D 32, causal) and W2 (8 x 8 heads, T 128, D 64, causal). Prints
the minimum and the median of ``--repeats`` calls each: on a shared machine the minimum is the
figure to compare between versions, the median shows how loaded the machine was.

``--after-threaded-matmul`` runs a 2048 x 128 x 512 product (which OpenBLAS spreads over its
threads) before every timed call, as a training step does with its Linear layers: OpenBLAS's
threads then spin for a while and compete with the kernels' own threads for the cores.
"""
import argparse
import time

import numpy as np

SHAPES = {  # batch * heads, sequence length, head dimension, causal
    "W3": (32 * 4, 64, 32, False),
    "W8": (16 * 4, 128, 32, True),
    "W2": (8 * 8, 128, 64, True),
}


def time_calls(call, repeats, before):
    """Seconds of each of ``repeats`` calls of ``call``, after one untimed warm-up call."""
    call()
    times = []
    for _ in range(repeats):
        before()
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return np.array(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--threads", type=int, help="dl.set_num_threads (default: unchanged)")
    parser.add_argument("--only", default=",".join(SHAPES), help="comma-separated workloads")
    parser.add_argument("--after-threaded-matmul", action="store_true")
    args = parser.parse_args()

    import minidl as dl
    from minidl.kernels import cpu

    if args.threads is not None:
        dl.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2048, 128), dtype=np.float32), rng.standard_normal(
        (128, 512), dtype=np.float32)
    before = (lambda: x @ w) if args.after_threaded_matmul else (lambda: None)
    print(f"threads {dl.get_num_threads()}, min / median of {args.repeats} calls, ms")
    for name in args.only.split(","):
        batch, length, width, causal = SHAPES[name]
        q, k, v, go = (rng.standard_normal((batch, length, width), dtype=np.float32)
                       for _ in range(4))
        scale = 1 / np.sqrt(width)
        o, lse = cpu.attention_forward(q, k, v, None, scale, causal)
        forward = time_calls(lambda: cpu.attention_forward(q, k, v, None, scale, causal),
                             args.repeats, before)
        backward = time_calls(
            lambda: cpu.attention_backward(q, k, v, o, lse, go, None, scale, causal),
            args.repeats, before)
        print(f"{name} ({batch}, {length}, {width}) causal={causal}:  "
              f"forward {forward.min() * 1e3:.3f} / {np.median(forward) * 1e3:.3f}  "
              f"backward {backward.min() * 1e3:.3f} / {np.median(backward) * 1e3:.3f}")


if __name__ == "__main__":
    main()
