"""A GPT written the way PyTorch users write one (in the style of nanoGPT's ``model.py``).

The model code below is plain PyTorch code: only the three import lines marked
"framework" name minidl. tests/examples/test_nanogpt.py loads this same file a second time
with those lines switched to ``import torch`` and checks that both frameworks, started from
the same weights, report the same losses over a few AdamW steps.

What the model uses, as nanoGPT does: ``nn.ModuleDict`` for the transformer's parts,
``model.apply(init_fn)`` for initialisation, ``split``/``view``/``transpose``/``contiguous``
for the heads, ``F.scaled_dot_product_attention`` with a masked-softmax fallback whose causal
mask is a ``register_buffer`` built with ``tril``, the token embedding tied to the output
layer, AdamW with two parameter groups (weight decay for matrices only), and ``generate``
sampling with ``topk`` and ``multinomial``.

Run:  python -m minidl.examples.nanogpt     (MINIDL_QUICK=1 for a short run)
It trains a character-level model on sentences of minidl's synthetic corpus and prints a
sample.
"""
import math
import os
import time
from dataclasses import dataclass

# ---- framework (the only lines that differ from the PyTorch version) -------------------------
import minidl as torch
import minidl.nn as nn
from minidl.nn import functional as F

# ---- model ---------------------------------------------------------------------------------


@dataclass
class GPTConfig:
    block_size: int = 64  # the longest context the model sees
    vocab_size: int = 64
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0
    bias: bool = True  # biases in the Linear layers and LayerNorms
    flash: bool = True  # use scaled_dot_product_attention (False: the masked-softmax version)


class LayerNorm(nn.Module):
    """LayerNorm whose bias can be switched off."""

    def __init__(self, ndim, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(ndim))
        self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention where position t sees only positions <= t."""

    def __init__(self, config):
        super().__init__()
        assert config.n_embd % config.n_head == 0
        self.n_head, self.n_embd = config.n_head, config.n_embd
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)  # q, k, v
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.dropout = config.dropout
        self.flash = config.flash and hasattr(F, "scaled_dot_product_attention")
        if not self.flash:
            # 1 where a query may look at a key: the lower triangle, shaped to broadcast
            # over (batch, head)
            causal = torch.tril(torch.ones(config.block_size, config.block_size))
            self.register_buffer("bias", causal.view(1, 1, config.block_size, config.block_size))

    def forward(self, x):
        B, T, C = x.size()  # batch, time, channels
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        # (B, T, C) -> (B, n_head, T, head_size)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        if self.flash:
            y = F.scaled_dot_product_attention(
                q, k, v, attn_mask=None, dropout_p=self.dropout if self.training else 0.0,
                is_causal=True,
            )
        else:
            scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
            scores = scores.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
            weights = self.attn_dropout(F.softmax(scores, dim=-1))
            y = weights @ v
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # heads side by side again
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x):
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    """Pre-norm Transformer block: x + attn(ln(x)), then x + mlp(ln(x))."""

    def __init__(self, config):
        super().__init__()
        self.ln_1 = LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(config.vocab_size, config.n_embd),  # token embedding
            wpe=nn.Embedding(config.block_size, config.n_embd),  # position embedding
            drop=nn.Dropout(config.dropout),
            h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
            ln_f=LayerNorm(config.n_embd, bias=config.bias),
        ))
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        # weight tying: the output layer scores a token by its input embedding
        self.transformer.wte.weight = self.lm_head.weight
        self.apply(self._init_weights)
        # the projections that write into the residual stream start smaller, so the sum over
        # 2 * n_layer of them keeps the scale of one (GPT-2's scaled initialisation)
        for name, param in self.named_parameters():
            if name.endswith("c_proj.weight"):
                torch.nn.init.normal_(param, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def get_num_params(self, non_embedding=True):
        """Parameters counted once (the tied matrix too); without the position embedding."""
        count = sum(p.numel() for p in self.parameters())
        if non_embedding:
            count -= self.transformer.wpe.weight.numel()
        return count

    def forward(self, idx, targets=None):
        b, t = idx.size()
        assert t <= self.config.block_size, f"sequence of {t} > block size {self.config.block_size}"
        pos = torch.arange(0, t, dtype=torch.long, device=idx.device)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))
        for block in self.transformer.h:
            x = block(x)
        x = self.transformer.ln_f(x)
        if targets is None:
            # generating: only the last position's prediction is needed
            return self.lm_head(x[:, [-1], :]), None
        logits = self.lm_head(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1),
                               ignore_index=-1)
        return logits, loss

    def configure_optimizers(self, weight_decay, learning_rate, betas):
        """AdamW with weight decay on the matrices (weights, embeddings) only: biases and
        LayerNorm gains are 1-d and are left undecayed."""
        params = [p for p in self.parameters() if p.requires_grad]
        groups = [
            {"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
            {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
        ]
        return torch.optim.AdamW(groups, lr=learning_rate, betas=betas)

    @torch.no_grad()
    def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None):
        """Extend the (b, t) token ids ``idx`` by sampling ``max_new_tokens`` more, each from
        the model's prediction (only among the ``top_k`` likeliest tokens when given)."""
        for _ in range(max_new_tokens):
            context = idx if idx.size(1) <= self.config.block_size else \
                idx[:, -self.config.block_size:]
            logits, _ = self(context)
            logits = logits[:, -1, :] / temperature
            if top_k is not None:
                kth_best, _ = torch.topk(logits, min(top_k, logits.size(-1)))
                logits[logits < kth_best[:, [-1]]] = -float("Inf")
            probs = F.softmax(logits, dim=-1)
            idx_next = torch.multinomial(probs, num_samples=1)
            idx = torch.cat((idx, idx_next), dim=1)
        return idx


# ---- training on characters ------------------------------------------------------------------


def character_data(num_sentences=2000, seed=0):
    """Sentences of minidl's synthetic corpus as one text, and its characters as the vocab."""
    import numpy as np

    from minidl.text.corpus import sentences

    rng = np.random.default_rng(seed)
    texts, _ = sentences(num_sentences, rng)
    text = "".join(sentence + ".\n" for sentence in texts)
    chars = sorted(set(text))
    ids = np.array([chars.index(c) for c in text], dtype=np.int64)
    return ids, chars


def train(quick=None, seed=0, verbose=True):
    """Train a small GPT on characters; returns {"first_loss", "last_loss", "sample", ...}."""
    import numpy as np

    quick = os.environ.get("MINIDL_QUICK") == "1" if quick is None else quick
    steps, batch_size = (60, 16) if quick else (600, 32)
    torch.manual_seed(seed)
    ids, chars = character_data()
    config = GPTConfig(block_size=32, vocab_size=len(chars), n_layer=2, n_head=4, n_embd=64)
    model = GPT(config)
    optimizer = model.configure_optimizers(weight_decay=0.1, learning_rate=3e-3,
                                           betas=(0.9, 0.99))
    rng = np.random.default_rng(seed)
    losses, start = [], time.perf_counter()
    for step in range(steps):
        starts = rng.integers(0, len(ids) - config.block_size - 1, size=batch_size)
        x = torch.tensor(np.stack([ids[s:s + config.block_size] for s in starts]))
        y = torch.tensor(np.stack([ids[s + 1:s + 1 + config.block_size] for s in starts]))
        _, loss = model(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if verbose and (step % 50 == 0 or step == steps - 1):
            print(f"step {step:4d}  loss {loss.item():.3f}")
    model.eval()
    prompt = torch.tensor([[chars.index("t")]])
    sample_ids = model.generate(prompt, max_new_tokens=80, temperature=0.8, top_k=10)
    sample = "".join(chars[i] for i in sample_ids[0].tolist())
    if verbose:
        print(f"{steps} steps in {time.perf_counter() - start:.1f} s; sample:\n{sample}")
    return {"first_loss": losses[0], "last_loss": losses[-1], "sample": sample,
            "vocab_size": len(chars), "steps": steps}


if __name__ == "__main__":
    train()
