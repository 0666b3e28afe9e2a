"""W6: train an MLP 64-128-64-10 on the bundled digits: Adam 1e-3, batch 64, 30 epochs.

The data is ``dl.datasets.load_digits()`` (1797 images of 8x8 pixels), split 80/20 per class
(a fixed stratified split, seed 1) and standardized with the training set's statistics. Both
frameworks start from the same initial weights and visit the batches in the same order (the
same seeded permutation per epoch: minidl's ``DataLoader(..., shuffle=True, seed=s)`` draws its
orders from ``np.random.default_rng(s)``, and the PyTorch loop draws from the same generator),
so their accuracies should agree closely. PyTorch indexes its tensors with each batch's indices
(what a DataLoader over a TensorDataset does for minidl), without ``torch.utils.data`` overhead.

Reported: the median time of one training epoch (evaluation not included; one untimed epoch
first, for JIT compilation) and the final test accuracy, averaged over the seeds.
Targets: accuracy within 0.5 points of PyTorch's; time/epoch <= 0.7x PyTorch.
``--quick``: 2 epochs, one seed.
"""
from common import Result, Timing, fill_ratios, import_torch, main, quartiles
from common import kernel_sets, torch_device, torch_skip_reason

WORKLOAD = "W6"
SIZES = (64, 128, 64, 10)
BATCH, LR, SPLIT_SEED = 64, 1e-3, 1


def load_split():
    """(X_train, y_train, X_test, y_test) as NumPy arrays, standardized."""
    import numpy as np

    import minidl as dl

    X, y = dl.datasets.load_digits()
    rng = np.random.default_rng(SPLIT_SEED)
    train, test = [], []
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        n_test = round(0.2 * len(members))
        test.extend(members[:n_test])
        train.extend(members[n_test:])
    train, test = rng.permutation(train), np.sort(test)
    mean, std = X[train].mean(axis=0), X[train].std(axis=0)
    std = np.where(std > 0, std, 1)
    scale = lambda a: ((a - mean) / std).astype(np.float32)  # noqa: E731
    return scale(X[train]), y[train], scale(X[test]), y[test]


def initial_weights(seed):
    """[(W (out, in), b), ...] drawn like PyTorch's nn.Linear default, as NumPy float32."""
    import numpy as np

    rng = np.random.default_rng(1000 + seed)
    layers = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        bound = 1 / n_in ** 0.5
        layers.append((rng.uniform(-bound, bound, (n_out, n_in)).astype(np.float32),
                       rng.uniform(-bound, bound, n_out).astype(np.float32)))
    return layers


def train_minidl(device, data, seed, epochs):
    """(epoch times in s, test accuracy) for one run with minidl."""
    import time

    import minidl as dl
    import minidl.nn as nn
    import minidl.nn.functional as F
    import minidl.optim as optim
    from minidl.data import DataLoader, TensorDataset

    X_train, y_train, X_test, y_test = data
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                          nn.Linear(64, 10))
    with dl.no_grad():
        for linear, (w, b) in zip([model[0], model[2], model[4]], initial_weights(seed)):
            linear.weight[...] = w
            linear.bias[...] = b
    model.to(device)
    optimizer = optim.Adam(model.parameters(), lr=LR)
    loader = DataLoader(TensorDataset(dl.tensor(X_train, device=device),
                                      dl.tensor(y_train, device=device)),
                        batch_size=BATCH, shuffle=True, seed=seed)
    times = []
    for _ in range(epochs):
        model.train()
        started = time.perf_counter()
        for xb, yb in loader:
            optimizer.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            optimizer.step()
        _sync(device)
        times.append(time.perf_counter() - started)
    model.eval()
    with dl.no_grad():
        predicted = model(dl.tensor(X_test, device=device)).argmax(dim=1).numpy()
    return times, float((predicted == y_test).mean())


def train_torch(torch, device, data, seed, epochs):
    """(epoch times in s, test accuracy) for one run with PyTorch, same recipe and order."""
    import time

    import numpy as np

    X_train, y_train, X_test, y_test = data
    model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(),
                                torch.nn.Linear(128, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    with torch.no_grad():
        for linear, (w, b) in zip([model[0], model[2], model[4]], initial_weights(seed)):
            linear.weight.copy_(torch.from_numpy(w))
            linear.bias.copy_(torch.from_numpy(b))
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    Xt, yt = torch.from_numpy(X_train).to(device), torch.from_numpy(y_train).to(device)
    rng = np.random.default_rng(seed)  # the same orders as minidl's DataLoader(seed=seed)
    n = len(X_train)
    times = []
    for _ in range(epochs):
        model.train()
        started = time.perf_counter()
        order = torch.from_numpy(rng.permutation(n)).to(device)
        for i in range(0, n, BATCH):
            index = order[i:i + BATCH]
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(Xt[index]), yt[index]).backward()
            optimizer.step()
        if device == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - started)
    model.eval()
    with torch.no_grad():
        predicted = model(torch.from_numpy(X_test).to(device)).argmax(dim=1).cpu().numpy()
    return times, float((predicted == y_test).mean())


def _sync(device):
    if device == "cuda":
        import cupy

        cupy.cuda.Device().synchronize()


def _result(impl, device, runs, **common):
    """A Result from [(epoch times, accuracy), ...] of several seeds."""
    times = [t for epoch_times, _ in runs for t in epoch_times]
    q1, median, q3 = quartiles(times)
    accuracies = [accuracy for _, accuracy in runs]
    mean_accuracy = sum(accuracies) / len(accuracies)
    result = Result.timed(WORKLOAD, impl, device, Timing(median, q1, q3, len(times)), **common)
    # matmul FLOPs of one epoch over the 1437 training images: forward + backward ~ 3x forward
    flops = 3 * 2 * 1437 * sum(a * b for a, b in zip(SIZES[:-1], SIZES[1:]))
    result.extra.update(flops=flops, test_accuracy=mean_accuracy, test_accuracy_per_seed=accuracies,
                        epochs=len(runs[0][0]), seeds=len(runs),
                        note=f"test accuracy {100 * mean_accuracy:.2f}%")
    return result


def run(device="cpu", quick=False):
    import minidl as dl

    epochs, seeds = (2, [0]) if quick else (30, [0, 1, 2])
    data = load_split()
    common = dict(per="epoch", target="acc within 0.5 pt; <= 0.7x PyTorch", target_ratio=0.7)
    results = []
    for impl, kernels in kernel_sets(device):
        with dl.use_kernels(kernels):
            train_minidl(device, data, seed=99, epochs=1)  # warm-up: JIT compilation
            runs = [train_minidl(device, data, seed, epochs) for seed in seeds]
        results.append(_result(impl, device, runs, **common))
    torch = import_torch()
    if torch is None:
        results.append(Result.skip(WORKLOAD, "pytorch", device, torch_skip_reason(), **common))
    else:
        tdev = torch_device(torch, device)
        if tdev is None:
            results.append(Result.skip(WORKLOAD, "pytorch", device,
                                       "this PyTorch build has no CUDA", **common))
        else:
            train_torch(torch, tdev, data, seed=99, epochs=1)
            runs = [train_torch(torch, tdev, data, seed, epochs) for seed in seeds]
            results.append(_result("pytorch", device, runs, **common))
    fill_ratios(results)
    by_impl = {r.implementation: r for r in results if r.skipped is None}
    if "pytorch" in by_impl:
        reference_accuracy = by_impl["pytorch"].extra["test_accuracy"]
        for r in by_impl.values():
            gap = 100 * (r.extra["test_accuracy"] - reference_accuracy)
            r.extra["accuracy_gap_points"] = gap
            if r.implementation == "minidl" and r.ratio is not None:
                r.met = abs(gap) <= 0.5 and r.ratio <= 0.7
    return results


if __name__ == "__main__":
    main(run, __doc__.splitlines()[0])
