"""A character-level GPT on Shakespeare's sonnets: training, sampling, and a key-value cache.

    python -m minidl.examples.char_gpt [--steps 1500] [--out outputs/char_gpt] [--seed 0]

The model is GPT-2's recipe at toy scale: token and position embeddings, pre-LayerNorm blocks of
causal multi-head self-attention and a GELU MLP, a final LayerNorm and a linear head over the
characters. Generation samples one character at a time with temperature, top-k and top-p
(nucleus) filtering; with the key-value cache each new character costs one position's work
instead of re-running the whole context. ``MINIDL_QUICK=1`` trains for a few steps only.
"""
import argparse
import json
import math
import os
import time
from pathlib import Path

import numpy as np

import minidl as dl
import minidl.nn as nn
import minidl.nn.functional as F
import minidl.optim as optim
from minidl.datasets import load_sonnets


class CharTokenizer:
    """Characters <-> integer ids, the vocabulary being the characters of the training text."""

    def __init__(self, text):
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self):
        return len(self.chars)

    def encode(self, text):
        return np.array([self.index[c] for c in text], dtype=np.int64)

    def decode(self, ids):
        return "".join(self.chars[int(i)] for i in ids)


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention in which position t sees positions 0..t only.

    With ``cache`` (a dict, empty at the start of a generation), the keys and values of the
    positions processed so far are kept and the new ones appended, so the next call only needs
    the new positions: their queries attend to every cached key, all of which are in the past.
    """

    def __init__(self, d_model, n_heads):
        super().__init__()
        self.n_heads = n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)

    def forward(self, x, cache=None):
        batch, length, d_model = x.shape
        head_dim = d_model // self.n_heads

        def heads(t):  # (B, T, C) -> (B, H, T, C/H)
            return t.reshape(batch, length, self.n_heads, head_dim).transpose(1, 2)

        qkv = self.qkv(x)
        q, k, v = (heads(qkv[:, :, i * d_model:(i + 1) * d_model]) for i in range(3))
        if cache is not None and "k" in cache:
            if length != 1:
                raise ValueError("CausalSelfAttention: with a filled cache, feed one position "
                                 f"at a time (got {length})")
            k, v = dl.cat([cache["k"], k], dim=2), dl.cat([cache["v"], v], dim=2)
            out = F.scaled_dot_product_attention(q, k, v)  # every cached key is in the past
        else:
            out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        if cache is not None:
            cache["k"], cache["v"] = k, v
        return self.proj(out.transpose(1, 2).reshape(batch, length, d_model))


class Block(nn.Module):
    """x + attention(LN(x)), then x + MLP(LN(x)): GPT-2's pre-LayerNorm block."""

    def __init__(self, d_model, n_heads):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = CausalSelfAttention(d_model, n_heads)
        self.ln2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(),
                                 nn.Linear(4 * d_model, d_model))

    def forward(self, x, cache=None):
        x = x + self.attn(self.ln1(x), cache)
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    """Logits (B, T, vocab) for token ids (B, T); ``caches`` is one dict per block, or None."""

    def __init__(self, vocab_size, block_size=64, d_model=64, n_heads=4, n_layers=2):
        super().__init__()
        self.block_size = block_size
        self.token_embedding = nn.Embedding(vocab_size, d_model)
        self.position_embedding = nn.Embedding(block_size, d_model)
        self.blocks = nn.ModuleList([Block(d_model, n_heads) for _ in range(n_layers)])
        self.ln_f = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size)

    def forward(self, ids, caches=None, start=0):
        length = ids.shape[1]
        if start + length > self.block_size:
            raise ValueError(f"GPT: positions {start}..{start + length - 1} exceed the block "
                             f"size {self.block_size}")
        positions = dl.arange(start, start + length)
        x = self.token_embedding(ids) + self.position_embedding(positions)
        for i, block in enumerate(self.blocks):
            x = block(x, None if caches is None else caches[i])
        return self.head(self.ln_f(x))


# ---- sampling --------------------------------------------------------------------------------
def filter_logits(logits, temperature=1.0, top_k=None, top_p=None):
    """Probabilities over the vocabulary from one row of logits (NumPy), after the filters.

    ``temperature`` divides the logits (below 1: sharper, above 1: flatter); ``top_k`` keeps the
    k largest; ``top_p`` keeps the smallest set of most likely tokens whose probabilities add up
    to at least p (nucleus sampling). Everything else gets probability 0.
    """
    if temperature <= 0:
        raise ValueError(f"filter_logits: temperature must be positive, got {temperature}")
    logits = np.asarray(logits, dtype=np.float64) / temperature
    if top_k is not None and top_k < len(logits):
        kth_largest = np.partition(logits, -top_k)[-top_k]
        logits = np.where(logits < kth_largest, -np.inf, logits)
    probabilities = np.exp(logits - logits.max())
    probabilities /= probabilities.sum()
    if top_p is not None and top_p < 1.0:
        order = np.argsort(-probabilities, kind="stable")
        cumulative = np.cumsum(probabilities[order])
        keep = order[:int(np.searchsorted(cumulative, top_p)) + 1]  # the first to reach top_p
        kept = np.zeros_like(probabilities)
        kept[keep] = probabilities[keep]
        probabilities = kept / kept.sum()
    return probabilities


def generate(model, prompt_ids, new_tokens, rng, temperature=1.0, top_k=None, top_p=None,
             use_cache=True):
    """Extend ``prompt_ids`` by ``new_tokens`` sampled ids; returns all ids (NumPy).

    Without the cache every step re-runs the model on the whole context (the last block_size
    ids); with it, the prompt runs once and each step feeds only the newest id. The cache holds
    at most block_size positions (absolute position embeddings), so cached generation stops
    there: prompt + new_tokens must fit in one block.
    """
    ids = list(np.asarray(prompt_ids).tolist())
    if use_cache and len(ids) + new_tokens > model.block_size:
        raise ValueError(f"generate: prompt + new tokens ({len(ids) + new_tokens}) exceed the "
                         f"block size {model.block_size} (use_cache=False slides a window)")
    model.eval()
    caches = [{} for _ in model.blocks] if use_cache else None
    with dl.no_grad():
        step_input, start = ids[:], 0  # a copy: ids grows below
        for _ in range(new_tokens):
            if not use_cache:
                step_input, start = ids[-model.block_size:], 0
            logits = model(dl.tensor(np.array([step_input])), caches, start)
            probabilities = filter_logits(logits.numpy()[0, -1], temperature, top_k, top_p)
            ids.append(int(rng.choice(len(probabilities), p=probabilities)))
            if use_cache:
                start += len(step_input)
                step_input = ids[-1:]
    return np.array(ids)


# ---- training --------------------------------------------------------------------------------
def batches(data, block_size, batch_size, rng):
    """Random windows of the text: inputs (B, T) and the next characters as targets (B, T)."""
    starts = rng.integers(0, len(data) - block_size - 1, size=batch_size)
    x = np.stack([data[s:s + block_size] for s in starts])
    y = np.stack([data[s + 1:s + block_size + 1] for s in starts])
    return dl.tensor(x), dl.tensor(y)


def evaluate(model, data, block_size, batch_size=32, batches_=4, seed=123):
    """Mean cross-entropy (nats per character) on fixed random windows of ``data``."""
    rng = np.random.default_rng(seed)
    model.eval()
    losses = []
    with dl.no_grad():
        for _ in range(batches_):
            x, y = batches(data, block_size, batch_size, rng)
            logits = model(x)
            losses.append(F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                          y.reshape(-1)).item())
    return float(np.mean(losses))


def train(steps=1500, seed=0, block_size=64, batch_size=32, d_model=64, n_heads=4, n_layers=2,
          lr=3e-3, log_every=100):
    """Train on the first 90% of the sonnets; returns (model, tokenizer, history dict)."""
    text = load_sonnets()
    tokenizer = CharTokenizer(text)
    data = tokenizer.encode(text)
    split = int(0.9 * len(data))
    train_data, val_data = data[:split], data[split:]
    dl.manual_seed(seed)
    model = GPT(len(tokenizer), block_size, d_model, n_heads, n_layers)
    optimizer = optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    schedule = optim.lr_scheduler.LambdaLR(  # warm up, then cosine decay to 10%
        optimizer, lambda s: min(1.0, (s + 1) / 50) * (0.55 + 0.45 * math.cos(math.pi * s / steps)))
    rng = np.random.default_rng(seed)
    history = {"step": [], "train_loss": [], "val_loss": []}
    start = time.perf_counter()
    for step in range(1, steps + 1):
        model.train()
        x, y = batches(train_data, block_size, batch_size, rng)
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        if step % log_every == 0 or step == steps:
            history["step"].append(step)
            history["train_loss"].append(evaluate(model, train_data, block_size))
            history["val_loss"].append(evaluate(model, val_data, block_size))
            print(f"step {step:5d}: train loss {history['train_loss'][-1]:.3f}, "
                  f"validation loss {history['val_loss'][-1]:.3f} "
                  f"({time.perf_counter() - start:.0f} s)")
    history["seconds"] = time.perf_counter() - start
    return model, tokenizer, history


def time_generation(model, prompt_ids, new_tokens, use_cache, seed=0):
    """(seconds, ids) for one generation, best of two runs."""
    best, ids = math.inf, None
    for _ in range(2):
        start = time.perf_counter()
        ids = generate(model, prompt_ids, new_tokens, np.random.default_rng(seed), top_k=10,
                       use_cache=use_cache)
        best = min(best, time.perf_counter() - start)
    return best, ids


def main(argv=None):
    quick = os.environ.get("MINIDL_QUICK") == "1"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30 if quick else 1500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("outputs/char_gpt"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    model, tokenizer, history = train(args.steps, args.seed, log_every=max(args.steps // 10, 1))
    prompt = tokenizer.encode("Shall I ")
    rng = np.random.default_rng(args.seed)
    samples = {}
    for label, options in [("temperature 0.5", dict(temperature=0.5)),
                           ("temperature 1.0, top-k 5", dict(temperature=1.0, top_k=5)),
                           ("temperature 1.0, top-p 0.9", dict(temperature=1.0, top_p=0.9))]:
        ids = generate(model, prompt, model.block_size - len(prompt), rng, **options)
        samples[label] = tokenizer.decode(ids)
        print(f"\n--- {label} ---\n{samples[label]}")

    new_tokens = model.block_size - len(prompt)
    uncached, ids_plain = time_generation(model, prompt, new_tokens, use_cache=False)
    cached, ids_cached = time_generation(model, prompt, new_tokens, use_cache=True)
    print(f"\ngenerating {new_tokens} characters: {uncached * 1e3:.0f} ms without the cache, "
          f"{cached * 1e3:.0f} ms with it ({uncached / cached:.1f}x faster); same text: "
          f"{np.array_equal(ids_plain, ids_cached)}")

    results = {"final_train_loss": history["train_loss"][-1],
               "final_val_loss": history["val_loss"][-1], "train_seconds": history["seconds"],
               "kv_cache_speedup": uncached / cached,
               "kv_cache_same_text": bool(np.array_equal(ids_plain, ids_cached)),
               "samples": samples}
    (args.out / "results.json").write_text(json.dumps(results, indent=2))
    dl.save(model.state_dict(), args.out / "char_gpt.minidl")
    print(f"saved {args.out / 'results.json'} and {args.out / 'char_gpt.minidl'}")
    return {**results, "history": history, "model": model, "tokenizer": tokenizer}


if __name__ == "__main__":
    main()
