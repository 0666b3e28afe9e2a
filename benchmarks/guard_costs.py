"""What the hardening guards of issue 12 cost, measured A/B in one process.

    python benchmarks/guard_costs.py

Each pair runs interleaved (A, B, A, B...) and reports the minimum over the repeats, so that a
busy machine slows both sides alike and the difference is the guard's own cost:

- the lock around a parallel launch (``kernels/cpu/parallel.py``: a second thread falls back to
  the serial loop instead of aborting the process), on W5's ReLU forward of 2^22 floats;
- the optimizer's check of every gradient and state tensor against its parameter
  (``Optimizer._check_update_inputs``), on W1's Adam step (6 parameters).
"""
import timeit

import numpy as np

import minidl as dl
import minidl.nn as nn
import minidl.nn.functional as F
import minidl.optim as optim
from minidl.kernels.cpu import activations
from minidl.optim.optimizer import Optimizer


def interleaved(a, b, number, repeat=25):
    """(min seconds per call of a, of b), timed alternately."""
    times_a, times_b = [], []
    for _ in range(repeat):
        times_a.append(timeit.timeit(a, number=number) / number)
        times_b.append(timeit.timeit(b, number=number) / number)
    return min(times_a), min(times_b)


def parallel_launch():
    kernel = activations._relu_forward
    x = np.random.default_rng(0).standard_normal(1 << 22).astype(np.float32)
    y = np.empty_like(x)
    kernel.parallel(x, y)  # compile or load from the cache
    return interleaved(lambda: kernel._parallel_if_free(x, y), lambda: kernel.parallel(x, y), 5)


def adam_step_checks():
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                          nn.Linear(64, 10))
    optimizer = optim.Adam(model.parameters())
    F.cross_entropy(model(dl.randn(128, 784)), dl.randint(0, 10, (128,))).backward()
    optimizer.step()
    check = Optimizer._check_update_inputs

    def unchecked_step():
        Optimizer._check_update_inputs = lambda self, param: None
        try:
            optimizer.step()
        finally:
            Optimizer._check_update_inputs = check

    return interleaved(optimizer.step, unchecked_step, 200)


if __name__ == "__main__":
    for name, measure in [("W5 ReLU 2^22, parallel launch", parallel_launch),
                          ("W1 Adam.step, 6 parameters", adam_step_checks)]:
        guarded, bare = measure()
        print(f"{name}: {guarded * 1e6:.1f} us with the guard, {bare * 1e6:.1f} us without "
              f"(+{(guarded - bare) * 1e6:.1f} us)")
