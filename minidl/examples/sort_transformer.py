"""Teach a small Transformer encoder to sort a sequence of digits.

    input   3 9 1 4 1 7 0 8      ->      target   0 1 1 3 4 7 8 9

Every output position is predicted at once (no decoder): position i must find the i-th
smallest digit, i.e. the digit with exactly i smaller-or-equal predecessors in sorted order.
That needs every token to compare itself with all the others, which is what self-attention
does. A feed-forward network on each token alone could not solve it, and an MLP on the whole
flattened sequence would have to learn each position separately.

Model: token embedding + learned positional encoding -> pre-norm TransformerEncoder -> a
linear classifier over the 10 digits at each position. Training draws fresh random sequences
every step (the task has 10^8 inputs, so there is nothing to overfit) and reports token
accuracy on held-out sequences.

Run:  python -m minidl.examples.sort_transformer        (MINIDL_QUICK=1 for a short run)
      mpiexec -n 2 python -m minidl.examples.sort_transformer --distributed

With ``--distributed`` the ranks train one model together: each draws its own 64 / N sequences
per step and ``DistributedDataParallel`` averages the gradients; only rank 0 prints.
"""
import argparse
import os
import time

import numpy as np

import minidl as dl
import minidl.distributed as dist
import minidl.nn as nn
import minidl.nn.functional as F
import minidl.optim as optim
from minidl.text import make_sort_task

NUM_DIGITS = 10


class SortingTransformer(nn.Module):
    """digits (N, L) -> logits (N, L, 10) for the sorted sequence."""

    def __init__(self, length, d_model=64, nhead=4, num_layers=2, dim_feedforward=128):
        super().__init__()
        self.embedding = nn.Embedding(NUM_DIGITS, d_model)
        self.position = nn.LearnedPositionalEncoding(d_model, max_len=length)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout=0.0,
                                           norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers, norm=nn.LayerNorm(d_model))
        self.classifier = nn.Linear(d_model, NUM_DIGITS)

    def forward(self, digits):
        return self.classifier(self.encoder(self.position(self.embedding(digits))))


def token_accuracy(model, inputs, targets):
    with dl.no_grad():
        predictions = model(dl.tensor(inputs)).argmax(dim=-1).numpy()
    return float((predictions == targets).mean())


def train(quick=None, length=8, seed=0, verbose=True, distributed=False):
    """Train and evaluate; returns {"accuracy", "sequence_accuracy", "seconds", "steps"}.

    ``distributed=True`` needs ``dist.init_process_group`` first: every rank takes 64 / N
    sequences per step, and only rank 0 prints (``verbose``)."""
    quick = os.environ.get("MINIDL_QUICK") == "1" if quick is None else quick
    rank, world_size = (dist.get_rank(), dist.get_world_size()) if distributed else (0, 1)
    verbose = verbose and rank == 0
    steps, batch_size = (300, 64 // world_size) if quick else (1000, 64 // world_size)
    dl.manual_seed(seed)
    model = SortingTransformer(length)
    if distributed:
        model = nn.parallel.DistributedDataParallel(model)
    optimizer = optim.Adam(model.parameters(), lr=2e-3)

    def warmup_then_cosine(step):
        """The learning-rate factor: a linear warm-up over 100 steps, then a cosine decay."""
        return min(1.0, (step + 1) / 100) * 0.5 * (1 + np.cos(np.pi * step / steps))

    schedule = optim.lr_scheduler.LambdaLR(optimizer, warmup_then_cosine)
    test_inputs, test_targets = make_sort_task(2000, length, NUM_DIGITS, seed=seed + 1)
    rng = np.random.default_rng(seed + 2 + 1000 * rank)  # each rank draws its own sequences

    start = time.perf_counter()
    for step in range(steps):
        inputs, targets = make_sort_task(batch_size, length, NUM_DIGITS, seed=rng.integers(2**31))
        logits = model(dl.tensor(inputs))
        loss = F.cross_entropy(logits.reshape(-1, NUM_DIGITS), dl.tensor(targets.reshape(-1)))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        if verbose and (step + 1) % max(1, steps // 10) == 0:
            accuracy = token_accuracy(model, test_inputs[:500], test_targets[:500])
            print(f"step {step + 1:5d}  loss {loss.item():.4f}  "
                  f"held-out token accuracy {accuracy:.4f}")
    seconds = time.perf_counter() - start

    with dl.no_grad():
        predictions = model(dl.tensor(test_inputs)).argmax(dim=-1).numpy()
    result = {
        "accuracy": float((predictions == test_targets).mean()),
        "sequence_accuracy": float((predictions == test_targets).all(axis=1).mean()),
        "seconds": seconds,
        "steps": steps,
    }
    if verbose:
        print(f"held-out token accuracy {result['accuracy']:.4f}, whole sequences "
              f"{result['sequence_accuracy']:.4f}, {steps} steps in {seconds:.1f} s")
        print("example:", test_inputs[0], "->", predictions[0])
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description="Train a Transformer to sort digits.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--distributed", action="store_true",
                        help="data-parallel over the ranks started by mpiexec")
    args = parser.parse_args(argv)
    if args.distributed:
        dist.init_process_group("mpi")
    result = train(seed=args.seed, distributed=args.distributed)
    if args.distributed:
        dist.destroy_process_group()
    return result


if __name__ == "__main__":
    main()
