"""A LeNet-style convolutional network on the bundled 8x8 digits, and a small ResNet.

    python -m minidl.examples.digits_cnn [--model lenet|resnet] [--epochs 40] [--seed 0]

The same fixed, stratified 80/20 split as the MLP of ``train_digits`` (which reaches about
98.2% on it), with the images kept as images: (N, 1, 8, 8). What the convolutions add:

- **LeNet-style** (``build_lenet``): two blocks of 3x3 convolution, batch norm, ReLU and 2x2 max
  pooling (8x8 -> 4x4 -> 2x2), then two fully connected layers. A filter looks at a 3x3
  neighbourhood wherever it is, so a stroke is recognised wherever it sits, with 9 weights
  instead of one per pixel pair.
- **Small ResNet** (``build_resnet``): a 3x3 stem and residual blocks, y = relu(x + F(x)) with
  F = conv-BN-ReLU-conv-BN, a strided block halving the size, then global average pooling.
- **Augmentation**: each training image is shifted by up to one pixel in each direction and
  rotated by up to 10 degrees as it is read (``minidl.data.transforms``), so every epoch sees
  new variations and the network cannot memorise pixel positions.

Adam (lr 2e-3, cosine schedule), batch 64. ``MINIDL_QUICK=1`` runs 3 epochs.
"""
import argparse
import os
import time

import numpy as np

import minidl as dl
import minidl.nn as nn
import minidl.nn.functional as F
import minidl.optim as optim
from minidl.data import DataLoader, TensorDataset
from minidl.data.transforms import Compose, RandomCrop, RandomRotation, TransformedDataset
from minidl.examples.train_digits import SPLIT_SEED, stratified_split
from minidl.metrics import accuracy

NUM_CLASSES = 10


def build_lenet(num_classes=NUM_CLASSES):
    """conv(1->32) BN ReLU pool, conv(32->64) BN ReLU pool, 256 -> 128 -> classes."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 2 * 2, 128), nn.ReLU(), nn.Dropout(0.3),
        nn.Linear(128, num_classes),
    )


class ResidualBlock(nn.Module):
    """y = relu(shortcut(x) + bn(conv(relu(bn(conv(x)))))); the shortcut is the identity, or a
    strided 1x1 convolution when the block changes the size or the channel count."""

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut = None
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                nn.BatchNorm2d(out_channels))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + (x if self.shortcut is None else self.shortcut(x)))


class SmallResNet(nn.Module):
    """stem conv(->width) BN ReLU, residual blocks (width, then 2 * width at stride 2), global
    average pooling, a linear classifier."""

    def __init__(self, in_channels=1, num_classes=NUM_CLASSES, width=16):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_channels, width, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(width), nn.ReLU())
        self.blocks = nn.Sequential(ResidualBlock(width, width),
                                    ResidualBlock(width, 2 * width, stride=2),
                                    ResidualBlock(2 * width, 2 * width))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(2 * width, num_classes)

    def forward(self, x):
        return self.fc(self.pool(self.blocks(self.stem(x))).flatten(1))


def build_resnet(num_classes=NUM_CLASSES):
    return SmallResNet(num_classes=num_classes)


MODELS = {"lenet": build_lenet, "resnet": build_resnet}


def load_split():
    """The digits as (N, 1, 8, 8) images, standardised with the training set's pixel mean and
    spread, split as in train_digits: (X_train, y_train, X_test, y_test) NumPy arrays."""
    X, y = dl.datasets.load_digits(as_images=True)
    train_idx, test_idx = stratified_split(y, test_fraction=0.2, seed=SPLIT_SEED)
    mean, std = X[train_idx].mean(), X[train_idx].std()
    X = (X - mean) / std
    return X[train_idx], y[train_idx], X[test_idx], y[test_idx]


def augmentation(seed, blank):
    """A rotation of up to 10 degrees and a shift of up to one pixel each way. ``blank`` is the
    value of a background pixel, so that what moves in at the borders looks like background."""
    return Compose([RandomRotation(10, fill=blank, seed=seed),
                    RandomCrop(8, padding=1, fill=blank, seed=seed + 1)])


def evaluate(model, X, y, batch_size=512):
    """Test accuracy in eval mode (batch norm uses its running statistics), without a graph."""
    model.eval()
    with dl.no_grad():
        logits = dl.cat([model(X[i : i + batch_size]) for i in range(0, len(X), batch_size)])
    return accuracy(logits, y)


def train(model, X_train, y_train, epochs, seed, lr=2e-3, augment=True, log=print):
    """Adam with a cosine learning-rate schedule; returns the seconds of each epoch."""
    dataset = TensorDataset(dl.tensor(X_train), dl.tensor(y_train))
    if augment:
        dataset = TransformedDataset(dataset, augmentation(seed, blank=float(X_train.min())))
    loader = DataLoader(dataset, batch_size=64, shuffle=True, seed=seed)
    optimizer = optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    seconds = []
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        model.train()
        total, seen = 0.0, 0
        for inputs, targets in loader:
            loss = F.cross_entropy(model(inputs), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total, seen = total + loss.item() * len(targets), seen + len(targets)
        scheduler.step()
        seconds.append(time.perf_counter() - start)
        log(f"epoch {epoch}: train loss {total / seen:.4f} ({seconds[-1]:.2f} s)")
    return seconds


def main(argv=None):
    quick = os.environ.get("MINIDL_QUICK") == "1"
    parser = argparse.ArgumentParser(description="Train a CNN on the bundled digits.")
    parser.add_argument("--model", choices=sorted(MODELS), default="lenet")
    parser.add_argument("--epochs", type=int, default=3 if quick else 40)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    X_train, y_train, X_test, y_test = load_split()
    dl.manual_seed(args.seed)
    model = MODELS[args.model]()
    print(model)
    seconds = train(model, X_train, y_train, args.epochs, args.seed)
    test_accuracy = evaluate(model, dl.tensor(X_test), dl.tensor(y_test))
    print(f"{args.model}: test accuracy {test_accuracy:.2%} after {args.epochs} epochs "
          f"({np.mean(seconds[1:] or seconds):.2f} s per epoch)")
    return {"test_accuracy": test_accuracy, "seconds_per_epoch": float(np.mean(seconds))}


if __name__ == "__main__":
    main()
