"""W1: one training step of an MLP 784-128-64-10 (ReLU), cross-entropy, Adam, batch 128.

One step is what a training loop does per batch::

    optimizer.zero_grad(); loss = cross_entropy(model(x), y); loss.backward(); optimizer.step()

on a fixed random batch (x float32 (128, 784), y int64 (128,)); both frameworks start from the
same weights. The matmuls are small, so framework overhead and the fused kernels (cross-entropy,
Adam) matter as much as BLAS. Target: cpu <= 0.7x PyTorch; cuda <= 1.0x PyTorch eager.
"""
from common import SkipWorkload, import_torch, main, per_impl, torch_device

WORKLOAD = "W1"
SIZES = (784, 128, 64, 10)
BATCH = 128
TARGETS = {"cpu": ("<= 0.7x PyTorch", 0.7), "cuda": ("<= 1.0x PyTorch eager", 1.0)}


def make_data(seed=0):
    """A batch and initial weights as NumPy arrays: (x, y, [(W, b), ...]), W as (out, in)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], BATCH).astype(np.int64)
    layers = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        bound = 1 / n_in ** 0.5
        layers.append((rng.uniform(-bound, bound, (n_out, n_in)).astype(np.float32),
                       rng.uniform(-bound, bound, n_out).astype(np.float32)))
    return x, y, layers


def build_minidl(device, seed=0):
    """(model, optimizer, x, y) on ``device`` with minidl."""
    import minidl as dl
    import minidl.nn as nn
    import minidl.optim as optim

    x, y, layers = make_data(seed)
    model = nn.Sequential(
        nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10),
    )
    with dl.no_grad():
        for linear, (w, b) in zip([model[0], model[2], model[4]], layers):
            linear.weight[...] = w
            linear.bias[...] = b
    model.to(device)
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    return model, optimizer, dl.tensor(x, device=device), dl.tensor(y, device=device)


def build(impl, device):
    if impl == "pytorch":
        torch = import_torch()
        tdev = torch_device(torch, device)
        if tdev is None:
            raise SkipWorkload("this PyTorch build has no CUDA")
        x, y, layers = make_data()
        model = torch.nn.Sequential(
            torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 64),
            torch.nn.ReLU(), torch.nn.Linear(64, 10),
        )
        with torch.no_grad():
            for linear, (w, b) in zip([model[0], model[2], model[4]], layers):
                linear.weight.copy_(torch.from_numpy(w))
                linear.bias.copy_(torch.from_numpy(b))
        model.to(tdev)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        x, y = torch.from_numpy(x).to(tdev), torch.from_numpy(y).to(tdev)
        cross_entropy = torch.nn.functional.cross_entropy
    else:
        import minidl.nn.functional as F

        model, optimizer, x, y = build_minidl(device)
        cross_entropy = F.cross_entropy

    def step():
        optimizer.zero_grad()
        loss = cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()

    return step


def run(device="cpu", quick=False):
    target, ratio = TARGETS[device]
    results = per_impl(WORKLOAD, device, quick, build, per="step", target=target,
                       target_ratio=ratio, repeats=5 if quick else 100)
    # matmul FLOPs: forward x W^T per layer, backward about twice that (dx and dW)
    flops = 3 * 2 * BATCH * sum(a * b for a, b in zip(SIZES[:-1], SIZES[1:]))
    for r in results:
        r.extra.update(flops=flops, note="batch 128")
    return results


if __name__ == "__main__":
    main(run, __doc__.splitlines()[0])
