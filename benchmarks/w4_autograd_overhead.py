"""W4: autograd overhead, per op.

A chain of 1,000 small elementwise ops on a 64-element float32 vector, forward and backward::

    y = x
    repeat 250 times:  y = y * w;  y = y + b;  y = tanh(y);  y = y - 0.5
    y.sum().backward()

The arrays are tiny, so the time is almost all framework overhead: op dispatch, graph
recording, the backward traversal and gradient bookkeeping. The figure is the time of one
forward+backward divided by 1,000 (the final ``sum`` is counted in the total, not in the ops).
The chain mixes tensor-tensor ops (two graph inputs), a tensor-scalar op and a kernel-backed
activation. Target: minidl's per-op cost <= 1.0x PyTorch's.
"""
from common import SkipWorkload, import_torch, main, per_impl, torch_device

WORKLOAD = "W4"
NUM_OPS = 1000
SIZE = 64


def initial_arrays():
    """x, w and b of the chain, as float32 NumPy arrays."""
    import numpy as np

    rng = np.random.default_rng(0)
    x0 = rng.standard_normal(SIZE).astype(np.float32)
    w0 = (1 + 0.01 * rng.standard_normal(SIZE)).astype(np.float32)
    b0 = (0.01 * rng.standard_normal(SIZE)).astype(np.float32)
    return x0, w0, b0


def chain_step(x, w, b, tanh):
    """One timing: the chain forward and backward, from leaf tensors x, w, b (either framework)."""

    def step():
        x.grad = w.grad = b.grad = None
        y = x
        for _ in range(NUM_OPS // 4):
            y = y * w
            y = y + b
            y = tanh(y)
            y = y - 0.5
        y.sum().backward()

    return step


def build(impl, device):
    if impl == "pytorch":
        torch = import_torch()
        tdev = torch_device(torch, device)
        if tdev is None:
            raise SkipWorkload("this PyTorch build has no CUDA")
        leaves = (torch.tensor(a, device=tdev, requires_grad=True) for a in initial_arrays())
        return chain_step(*leaves, torch.tanh)
    import minidl as dl

    leaves = (dl.tensor(a, device=device, requires_grad=True) for a in initial_arrays())
    return chain_step(*leaves, dl.tanh)


def run(device="cpu", quick=False):
    results = per_impl(
        WORKLOAD, device, quick, build, per="op",
        target="<= 1.0x PyTorch per op", target_ratio=1.0,
        warmup=2 if quick else 5, repeats=3 if quick else 30,
    )
    for r in results:  # one timing is a chain of NUM_OPS ops: report per op
        if r.median_s is not None:
            r.median_s, r.q1_s, r.q3_s = (v / NUM_OPS for v in (r.median_s, r.q1_s, r.q3_s))
        r.extra.update(ops=NUM_OPS, elements=SIZE, note=f"{NUM_OPS} ops on {SIZE} floats")
    return results


if __name__ == "__main__":
    main(run, __doc__.splitlines()[0])
