"""W7: one training step of convolutional networks, batch 64 of 1x28x28 images, Adam.

Two models, each built from the same code for both frameworks (``lib`` is minidl or torch) and
started from the same weights (minidl's initial state_dict copied into PyTorch's model):

- ``W7 lenet``: LeNet-5 style, conv(1->6, 5x5) ReLU maxpool 2, conv(6->16, 5x5) ReLU maxpool 2,
  fully connected 256 -> 120 -> 84 -> 10.
- ``W7 resnet``: a small ResNet with batch norm: a 3x3 stem of 16 channels, three residual
  blocks (16, then 32 channels at stride 2 with a 1x1 projection shortcut, then 32), global
  average pooling and a linear classifier.

One step is zero_grad, forward, cross-entropy, backward, Adam step on a fixed random batch.
The convolutions are im2col + one BLAS product per layer (minidl) against PyTorch's oneDNN
kernels. Target: cpu <= 1.0x PyTorch.
"""
from common import SkipWorkload, import_torch, main, per_impl, torch_device

BATCH = 64
TARGETS = {"cpu": ("<= 1.0x PyTorch", 1.0), "cuda": ("<= 1.0x PyTorch", 1.0)}


def build_lenet(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 4 * 4, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),
    )


def build_resnet(lib, width=16):
    nn, F = lib.nn, lib.nn.functional

    class Block(nn.Module):
        def __init__(self, cin, cout, stride=1):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.shortcut = None
            if stride != 1 or cin != cout:
                self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                              nn.BatchNorm2d(cout))

        def forward(self, x):
            out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
            return F.relu(out + (x if self.shortcut is None else self.shortcut(x)))

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(1, width, 3, padding=1, bias=False),
                                      nn.BatchNorm2d(width), nn.ReLU())
            self.blocks = nn.Sequential(Block(width, width), Block(width, 2 * width, 2),
                                        Block(2 * width, 2 * width))
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(2 * width, 10)

        def forward(self, x):
            return self.fc(self.pool(self.blocks(self.stem(x))).flatten(1))

    return ResNet()


MODELS = {"lenet": build_lenet, "resnet": build_resnet}


def make_builder(name):
    def build(impl, device):
        import numpy as np

        import minidl as dl
        import minidl.nn  # noqa: F401 (the models reach it as dl.nn)

        rng = np.random.default_rng(0)
        x = rng.standard_normal((BATCH, 1, 28, 28)).astype(np.float32)
        y = rng.integers(0, 10, BATCH).astype(np.int64)
        dl.manual_seed(0)
        model = MODELS[name](dl)  # the initial weights of both frameworks
        if impl == "pytorch":
            torch = import_torch()
            tdev = torch_device(torch, device)
            if tdev is None:
                raise SkipWorkload("this PyTorch build has no CUDA")
            state = {k: torch.from_numpy(v.numpy().copy()) for k, v in model.state_dict().items()}
            model = MODELS[name](torch)
            model.load_state_dict(state)
            model.to(tdev)
            optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
            x, y = torch.from_numpy(x).to(tdev), torch.from_numpy(y).to(tdev)
            cross_entropy = torch.nn.functional.cross_entropy
        else:
            import minidl.nn.functional as F
            import minidl.optim as optim

            model.to(device)
            optimizer = optim.Adam(model.parameters(), lr=1e-3)
            x, y = dl.tensor(x, device=device), dl.tensor(y, device=device)
            cross_entropy = F.cross_entropy
        model.train()

        def step():
            optimizer.zero_grad()
            loss = cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()

        return step

    return build


def run(device="cpu", quick=False):
    target, ratio = TARGETS[device]
    results = []
    for name in MODELS:
        results += per_impl(f"W7 {name}", device, quick, make_builder(name), per="step",
                            target=target, target_ratio=ratio, repeats=None if quick else 20)
    for r in results:
        r.extra.update(note="batch 64 of 1x28x28")
    return results


if __name__ == "__main__":
    main(run, __doc__.splitlines()[0])
