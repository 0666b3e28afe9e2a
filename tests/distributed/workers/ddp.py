"""DDP on 2 ranks with batch 32 each takes the same steps as one process with batch 64.

Each rank also trains, by itself, a plain copy of the model on the whole batch of 64 (the
one-process run) and compares: parameters after 20 steps, then after 5 more steps that
accumulate two micro-batches with no_sync(); plus the initial broadcast and state_dict keys.

    mpiexec -n 2 python ddp.py [mpi|nccl]      (nccl: the models on the GPU, one per rank)
"""
import sys

import numpy as np

import minidl as dl
import minidl.distributed as dist
import minidl.nn as nn
import minidl.nn.functional as F
import minidl.optim as optim

BACKEND = sys.argv[1] if len(sys.argv) > 1 else "mpi"
DEVICE = "cuda" if BACKEND == "nccl" else "cpu"
dist.init_process_group(BACKEND)
rank, world = dist.get_rank(), dist.get_world_size()
PER_RANK = 32
GLOBAL = PER_RANK * world


def build_model(seed):
    dl.manual_seed(seed)
    return nn.Sequential(nn.Linear(10, 32), nn.Tanh(), nn.LayerNorm(32), nn.Linear(32, 16),
                         nn.GELU(), nn.Linear(16, 4)).double().to(DEVICE)


reference = build_model(seed=0)  # what rank 0 builds
local = build_model(seed=100 * rank)  # ranks other than 0 start elsewhere...
model = nn.parallel.DistributedDataParallel(local, bucket_cap_mb=0.002)  # ...until the broadcast
assert len(model.reducer.buckets) >= 3, "the test should cover several buckets"
for mine, expected in zip(model.parameters(), reference.parameters()):
    assert np.array_equal(mine.numpy(), expected.numpy()), "the broadcast at wrap time"
assert list(model.state_dict()) == ["module." + key for key in reference.state_dict()]

ddp_optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
reference_optimizer = optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
data = np.random.default_rng(7)


def global_batch():
    x = data.standard_normal((GLOBAL, 10))
    y = data.integers(0, 4, GLOBAL)
    return dl.tensor(x, device=DEVICE), dl.tensor(y, device=DEVICE)


def my_share(x, y):
    rows = slice(rank * PER_RANK, (rank + 1) * PER_RANK)
    return x[rows], y[rows]


def max_difference():
    return max(float(np.abs(a.numpy() - b.numpy()).max())
               for a, b in zip(model.parameters(), reference.parameters()))


for step in range(20):
    x, y = global_batch()
    reference_optimizer.zero_grad()
    F.cross_entropy(reference(x), y).backward()
    reference_optimizer.step()

    ddp_optimizer.zero_grad()
    xs, ys = my_share(x, y)
    F.cross_entropy(model(xs), ys).backward()
    ddp_optimizer.step()
after_20_steps = max_difference()
assert after_20_steps < 1e-6, after_20_steps
assert max(float(p.grad.abs().max().item()) for p in model.parameters()) > 0

for step in range(5):  # gradient accumulation: two micro-batches per step
    (x1, y1), (x2, y2) = global_batch(), global_batch()
    reference_optimizer.zero_grad()
    (F.cross_entropy(reference(x1), y1) + F.cross_entropy(reference(x2), y2)).backward()
    reference_optimizer.step()

    ddp_optimizer.zero_grad()
    (x1, y1), (x2, y2) = my_share(x1, y1), my_share(x2, y2)
    with model.no_sync():
        F.cross_entropy(model(x1), y1).backward()  # stays local
    F.cross_entropy(model(x2), y2).backward()  # all-reduces the accumulated gradients
    ddp_optimizer.step()
after_accumulation = max_difference()
assert after_accumulation < 1e-6, after_accumulation

# two backward passes through one graph (retain_graph) are averaged each time
ddp_optimizer.zero_grad()
x, y = global_batch()
reference_optimizer.zero_grad()
reference_loss = F.cross_entropy(reference(x), y)
reference_loss.backward(retain_graph=True)
reference_loss.backward()
reference_optimizer.step()
xs, ys = my_share(x, y)
loss = F.cross_entropy(model(xs), ys)
loss.backward(retain_graph=True)
loss.backward()
ddp_optimizer.step()
after_retained = max_difference()
assert after_retained < 1e-6, after_retained

# every rank holds the same parameters, bit for bit
for param in model.parameters():
    gathered = [dl.zeros_like(param) for _ in range(world)]
    dist.all_gather(gathered, param.detach())
    assert all(np.array_equal(g.numpy(), gathered[0].numpy()) for g in gathered)

# a parameter left out of the loss is reported at the next forward instead of hanging
class PartlyUsed(nn.Module):
    def __init__(self):
        super().__init__()
        self.used, self.spare = nn.Linear(3, 2), nn.Linear(3, 2)

    def forward(self, x):
        return self.used(x)


partly_used = nn.parallel.DistributedDataParallel(PartlyUsed().to(DEVICE))
partly_used(dl.ones(2, 3, device=DEVICE)).sum().backward()
try:
    partly_used(dl.ones(2, 3, device=DEVICE))
except RuntimeError as err:
    assert "finished reduction in the prior iteration" in str(err), str(err)
else:
    raise AssertionError("an unused parameter went unnoticed")

print(f"rank {rank}: ddp ok, max difference {after_20_steps:.1e} after 20 steps, "
      f"{after_accumulation:.1e} after accumulation")
