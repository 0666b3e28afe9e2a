"""Track step 12: your framework, end to end: train an MLP on the digits to 95% or more.

Everything comes from your own files: Tensor (4), matmul (5), cross_entropy (7), Linear, ReLU
and Sequential (8), Adam (10) and DataLoader (11), driven by your backward (2). Only the data
comes from minidl (``load_digits``, 1,797 8x8 images, and the fixed split below).

Write ``train_digits(epochs, seed)``: build a 64-128-64-10 MLP with ReLUs (Linear layers
initialised from ``np.random.default_rng(seed)``), train it with Adam (lr 1e-3 works) on
mini-batches of 64 of the standardised training images, and return the accuracy on the test
images (a float in [0, 1]). One epoch is one pass of the loader; a training step is: zero
the grads, forward, loss, backward, optimizer step. The check gives it 30 epochs and expects
at least 0.95.

``prepare_data()`` (given) standardises the pixels with the training set's mean and standard
deviation. Why the training set's, and not the whole data set's?

Check with:  python -m minidl.exercises check track12_train_digits
"""
import numpy as np

from minidl.datasets import load_digits

from track02_backward import backward
from track04_tensor import Tensor
from track07_functional import cross_entropy
from track08_module import Linear, ReLU, Sequential
from track10_adam import Adam
from track11_dataloader import DataLoader


def prepare_data(seed=0, test_fraction=0.2):
    """(X_train, y_train, X_test, y_test): a fixed shuffled split, standardised pixels."""
    X, y = load_digits()
    order = np.random.default_rng(seed).permutation(len(X))
    n_test = int(len(X) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    mean, std = X[train].mean(axis=0), X[train].std(axis=0) + 1e-8
    return (X[train] - mean) / std, y[train], (X[test] - mean) / std, y[test]


def train_digits(epochs=30, seed=0):
    """Train the MLP with your framework; returns the test accuracy."""
    X_train, y_train, X_test, y_test = prepare_data()
    rng = np.random.default_rng(seed)
    # BEGIN SOLUTION train_digits: model, optimizer, loader, the training loop, test accuracy
    model = Sequential(Linear(64, 128, rng), ReLU(), Linear(128, 64, rng), ReLU(),
                       Linear(64, 10, rng))
    optimizer = Adam(model.parameters(), lr=1e-3)
    loader = DataLoader(X_train, y_train, batch_size=64, shuffle=True, seed=seed)
    for _ in range(epochs):
        for xb, yb in loader:
            model.zero_grad()
            loss = cross_entropy(model(xb), yb)
            backward(loss)
            optimizer.step()
    predictions = model(Tensor(X_test)).data.argmax(axis=1)
    return float((predictions == y_test).mean())
    # END SOLUTION
