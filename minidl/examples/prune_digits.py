"""How much of the digits MLP can be pruned? Accuracy against sparsity, with and without
fine-tuning.

Train the flagship MLP (64-128-64-10, minidl/examples/train_digits.py's split and recipe),
then for each target sparsity prune a copy by weight magnitude and measure test accuracy:

- "global": ``prune.global_unstructured`` over the three weight matrices together;
- "global + fine-tune": the same, then a few epochs of training with the masks in place
  (pruned weights stay zero: they receive zero gradient);
- "neurons": ``prune.ln_structured(dim=0)`` on the two hidden layers, removing whole neurons
  (each hidden layer loses that fraction of its neurons; fine-tuned too).

Writes outputs/pruning/accuracy_vs_sparsity.png and .json.

Run:  python -m minidl.examples.prune_digits        (MINIDL_QUICK=1 for a short run)
"""
import copy
import json
import os
from pathlib import Path

import numpy as np

import minidl as dl
import minidl.nn.functional as F
import minidl.optim as optim
from minidl.data import DataLoader, TensorDataset
from minidl.examples.train_digits import SPLIT_SEED, build_model, standardize, stratified_split
from minidl.nn.utils import prune

SPARSITIES = [0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98]


def train(model, loader, epochs, lr=1e-3):
    optimizer = optim.Adam(model.parameters(), lr=lr)
    for _ in range(epochs):
        model.train()
        for inputs, targets in loader:
            loss = F.cross_entropy(model(inputs), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model


def test_accuracy(model, X, y):
    model.eval()
    with dl.no_grad():
        return float((model(X).argmax(dim=1).numpy() == y).mean())


def linears(model):
    return [model[i] for i in (0, 2, 4)]


def run(quick=None, seed=0, out=Path("outputs/pruning"), verbose=True):
    """Returns the test accuracies {"sparsity": [...], "global": [...],
    "global_fine_tuned": [...], "neurons": [...]}, one entry per target sparsity."""
    quick = os.environ.get("MINIDL_QUICK") == "1" if quick is None else quick
    epochs, fine_tune_epochs = (5, 1) if quick else (30, 5)
    X, y = dl.datasets.load_digits()
    train_idx, test_idx = stratified_split(y, test_fraction=0.2, seed=SPLIT_SEED)
    X_train, X_test, _, _ = standardize(X[train_idx], X[test_idx])
    loader = DataLoader(TensorDataset(dl.tensor(X_train), dl.tensor(y[train_idx])),
                        batch_size=64, shuffle=True, seed=seed)
    X_test, y_test = dl.tensor(X_test), y[test_idx]
    dl.manual_seed(seed)
    dense = train(build_model(), loader, epochs)

    result = {"sparsity": [], "global": [], "global_fine_tuned": [], "neurons": []}
    for sparsity in SPARSITIES:
        pruned = copy.deepcopy(dense)
        prune.global_unstructured([(m, "weight") for m in linears(pruned)],
                                  pruning_method=prune.L1Unstructured, amount=sparsity)
        result["sparsity"].append(prune.sparsity(pruned))
        result["global"].append(test_accuracy(pruned, X_test, y_test))
        train(pruned, loader, fine_tune_epochs)
        result["global_fine_tuned"].append(test_accuracy(pruned, X_test, y_test))
        neurons = copy.deepcopy(dense)
        for layer in linears(neurons)[:2]:
            prune.ln_structured(layer, "weight", amount=sparsity, n=2, dim=0)
        train(neurons, loader, fine_tune_epochs)
        result["neurons"].append(test_accuracy(neurons, X_test, y_test))
        if verbose:
            print(f"sparsity {sparsity:4.0%}: global {result['global'][-1]:.2%}, after "
                  f"fine-tuning {result['global_fine_tuned'][-1]:.2%}; "
                  f"neurons removed, fine-tuned {result['neurons'][-1]:.2%}")
    if out is not None:
        save(result, Path(out))
    return result


def save(result, out):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    (out / "accuracy_vs_sparsity.json").write_text(json.dumps(result, indent=1))
    figure, ax = plt.subplots(figsize=(6, 4))
    x = np.array(SPARSITIES) * 100
    ax.plot(x, np.array(result["global"]) * 100, "o-", label="global magnitude pruning")
    ax.plot(x, np.array(result["global_fine_tuned"]) * 100, "s-", label="... then fine-tuned")
    ax.plot(x, np.array(result["neurons"]) * 100, "^-",
            label="hidden neurons removed (L2), fine-tuned")
    ax.set_xlabel("fraction of weights (or neurons) pruned, %")
    ax.set_ylabel("test accuracy, %")
    ax.set_title("digits MLP 64-128-64-10: accuracy vs sparsity")
    ax.grid(alpha=0.3)
    ax.legend()
    figure.tight_layout()
    figure.savefig(out / "accuracy_vs_sparsity.png", dpi=100)
    plt.close(figure)


if __name__ == "__main__":
    run()
