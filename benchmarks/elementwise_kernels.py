"""Nanoseconds per element of the CPU activation kernels, serial variant, on 2^20 elements.

    python benchmarks/elementwise_kernels.py [--dtype float32] [--repeats 30]

Serial, so that the figure is the loop's own cost (what the ``cost=`` grain hints in
kernels/cpu/activations.py are relative to) and not the thread launch. Median of the repeats;
the machine is shared, so compare figures from one run.
"""
import argparse
import time

import numpy as np

from minidl.kernels.cpu import activations

LOOPS = {
    "relu_forward": lambda x, gy: activations._relu_forward.serial(x, np.empty_like(x)),
    "tanh_forward": lambda x, gy: activations.tanh_forward(x),  # NumPy's SIMD tanh
    "gelu_forward erf": lambda x, gy: activations._gelu_erf_forward.serial(x, np.empty_like(x)),
    "gelu_forward tanh": lambda x, gy: activations._gelu_tanh_forward.serial(x, np.empty_like(x)),
    "gelu_backward erf": lambda x, gy: activations._gelu_erf_backward.serial(x, gy,
                                                                             np.empty_like(x)),
    "gelu_backward tanh": lambda x, gy: activations._gelu_tanh_backward.serial(x, gy,
                                                                               np.empty_like(x)),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--size", type=int, default=1 << 20)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(args.size) * 2).astype(args.dtype)
    gy = rng.standard_normal(args.size).astype(args.dtype)
    relu = None
    for name, loop in LOOPS.items():
        loop(x, gy)  # compile
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            loop(x, gy)
            times.append(time.perf_counter() - start)
        ns = np.median(times) / args.size * 1e9
        relu = relu or ns
        print(f"{name:20s} {args.dtype}  {ns:6.2f} ns/element  ({ns / relu:5.1f} x relu_forward)")


if __name__ == "__main__":
    main()
