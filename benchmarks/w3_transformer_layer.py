"""W3: one training step of a pre-LN Transformer encoder layer with a classification head.

Model: ``TransformerEncoderLayer(d_model=128, nhead=4, dim_feedforward=512, dropout=0.0,
norm_first=True, batch_first=True)``, then the mean over the sequence and ``Linear(128, 10)``;
input x float32 (B=32, T=64, 128), labels int64 (32,). One step is zero_grad, forward,
cross-entropy, backward and an Adam step (lr 1e-3). Dropout is 0 so that both frameworks do
exactly the same arithmetic. Both start from the same weights (minidl's initial state_dict,
copied into PyTorch by name: the parameter names match).
Targets: cpu <= 0.9x PyTorch; cuda <= 1.0x.
"""
from common import SkipWorkload, import_torch, main, per_impl, torch_device

WORKLOAD = "W3"
BATCH, SEQ, D_MODEL, HEADS, FF, CLASSES = 32, 64, 128, 4, 512, 10
TARGETS = {"cpu": ("<= 0.9x PyTorch", 0.9), "cuda": ("<= 1.0x PyTorch", 1.0)}


def layer_flops():
    """Matmul FLOPs of one forward+backward (backward ~ 2x forward)."""
    tokens = BATCH * SEQ
    projections = 2 * tokens * (4 * D_MODEL * D_MODEL + 2 * D_MODEL * FF)
    attention = 2 * 2 * BATCH * SEQ * SEQ * D_MODEL
    return 3 * (projections + attention)


def minidl_model(device):
    import minidl as dl
    import minidl.nn as nn

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = nn.TransformerEncoderLayer(D_MODEL, HEADS, FF, dropout=0.0,
                                                    batch_first=True, norm_first=True)
            self.head = nn.Linear(D_MODEL, CLASSES)

        def forward(self, x):
            return self.head(self.layer(x).mean(dim=1))

    dl.manual_seed(0)
    return Classifier().to(device)


def torch_model(torch, device, state_dict):
    class Classifier(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = torch.nn.TransformerEncoderLayer(D_MODEL, HEADS, FF, dropout=0.0,
                                                          batch_first=True, norm_first=True)
            self.head = torch.nn.Linear(D_MODEL, CLASSES)

        def forward(self, x):
            return self.head(self.layer(x).mean(dim=1))

    model = Classifier()
    model.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in state_dict.items()})
    return model.to(device)


def build(impl, device):
    import numpy as np

    rng = np.random.default_rng(0)
    x0 = rng.standard_normal((BATCH, SEQ, D_MODEL), dtype=np.float32)
    y0 = rng.integers(0, CLASSES, BATCH).astype(np.int64)
    if impl == "pytorch":
        torch = import_torch()
        tdev = torch_device(torch, device)
        if tdev is None:
            raise SkipWorkload("this PyTorch build has no CUDA")
        import minidl as dl

        with dl.use_kernels("reference"):  # only for the initial weights
            state = minidl_model("cpu").state_dict()
        model = torch_model(torch, tdev, state)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        x, y = torch.from_numpy(x0).to(tdev), torch.from_numpy(y0).to(tdev)
        cross_entropy = torch.nn.functional.cross_entropy
    else:
        import minidl as dl
        import minidl.nn.functional as F
        import minidl.optim as optim

        model = minidl_model(device)
        optimizer = optim.Adam(model.parameters(), lr=1e-3)
        x, y = dl.tensor(x0, device=device), dl.tensor(y0, device=device)
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
                       target_ratio=ratio, repeats=3 if quick else 30)
    for r in results:
        r.extra.update(flops=layer_flops(), note=f"B={BATCH} T={SEQ} d={D_MODEL}")
    return results


if __name__ == "__main__":
    main(run, __doc__.splitlines()[0])
