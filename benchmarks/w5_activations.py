"""W5: ReLU, Sigmoid and Tanh, forward + backward, on 2^24 (cpu) / 2^26 (cuda) float32 elements.

One timing is ``y = act(x); y.backward(gy)`` through the public API, with ``x`` a leaf that
requires grad (its ``.grad`` is reset before each call). Elementwise kernels are bound by memory
traffic, so we report

- throughput: elements per second;
- effective bandwidth: the bytes a fused implementation must move, divided by the time.
  Forward reads x and writes y, backward reads x (ReLU) or y (Sigmoid, Tanh) and gy and writes
  gx: 5 arrays of 4 bytes per element, 20 bytes in all;
- the fraction of the machine's copy bandwidth that is: ``np.copyto`` (``cupy`` on cuda) of the
  same number of float32 elements, measured in the same run, moves 8 bytes per element.

Both frameworks allocate fresh outputs, whose pages the kernel then touches for the first time
(a page fault per 4 KiB), so neither reaches the copy bandwidth on CPU.
Targets: cpu: minidl's throughput >= 2x PyTorch's; cuda: >= 90% of the copy bandwidth.
``--quick`` uses 2^20 elements (a smoke run, not a measurement).
"""
from common import (
    Result, SkipWorkload, import_torch, main, measure, per_impl, sync_for, timing_settings,
    torch_device,
)

ACTIVATIONS = ("relu", "sigmoid", "tanh")
BYTES_PER_ELEMENT = 20  # x, y, (x or y), gy, gx: 5 float32 arrays
COPY_BYTES_PER_ELEMENT = 8  # read src, write dst


def num_elements(device, quick):
    if quick:
        return 2**20
    return 2**26 if device == "cuda" else 2**24


def copy_bandwidth(device, n, quick):
    """Bytes per second of a float32 device-to-device copy of n elements (read + write)."""
    warmup, repeats = timing_settings(quick)
    if device == "cuda":
        import cupy as xp
    else:
        import numpy as xp
    src = xp.ones(n, dtype=xp.float32)
    dst = xp.empty_like(src)
    timing = measure(lambda: xp.copyto(dst, src), warmup, repeats, sync_for("minidl", device))
    return COPY_BYTES_PER_ELEMENT * n / timing.median, timing


def make_builder(name, n):
    def build(impl, device):
        import numpy as np

        rng = np.random.default_rng(0)
        x0 = rng.standard_normal(n, dtype=np.float32)
        gy0 = rng.standard_normal(n, dtype=np.float32)
        if impl == "pytorch":
            torch = import_torch()
            tdev = torch_device(torch, device)
            if tdev is None:
                raise SkipWorkload("this PyTorch build has no CUDA")
            x = torch.tensor(x0, device=tdev, requires_grad=True)
            gy = torch.tensor(gy0, device=tdev)
            act = getattr(torch, name)
        else:
            import minidl as dl

            x = dl.tensor(x0, device=device, requires_grad=True)
            gy = dl.tensor(gy0, device=device)
            act = getattr(dl, name)

        def step():
            x.grad = None
            act(x).backward(gy)

        return step

    return build


def run(device="cpu", quick=False):
    n = num_elements(device, quick)
    copy_bytes_per_s, copy_timing = copy_bandwidth(device, n, quick)
    if device == "cuda":
        target, ratio = ">= 90% of copy bandwidth", None
    else:
        target, ratio = ">= 2x PyTorch throughput", 2.0
    results = [Result.timed("W5 copy", "copy", device, copy_timing, per="copy",
                            extra={"bandwidth_GBps": copy_bytes_per_s / 1e9,
                                   "note": f"copy of {n} float32 (ceiling)"})]
    for name in ACTIVATIONS:
        found = per_impl(f"W5 {name}", device, quick, make_builder(name, n), per="fwd+bwd",
                         target=target, target_ratio=ratio, higher_is_better=True,
                         repeats=3 if quick else 20)
        for r in found:
            if r.median_s is None:
                continue
            bandwidth = BYTES_PER_ELEMENT * n / r.median_s
            fraction = bandwidth / copy_bytes_per_s
            r.extra.update(
                elements=n, ratio_value=n / r.median_s, elements_per_s=n / r.median_s,
                bandwidth_GBps=bandwidth / 1e9, fraction_of_copy=fraction,
                note=f"{n / r.median_s / 1e9:.2f} Gelem/s, {fraction:.0%} of copy bw",
            )
            if device == "cuda" and r.implementation == "minidl":
                r.met = fraction >= 0.9
        results += found
    return results


if __name__ == "__main__":
    main(run, __doc__.splitlines()[0])
