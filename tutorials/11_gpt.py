# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 11. A GPT, from characters to sonnets
#
# Everything of tutorials 1-5 in one model: a character-level GPT, trained on sixteen of
# Shakespeare's sonnets (public domain, bundled with minidl), that writes new "sonnets" one
# character at a time. Along the way:
#
# * the causal mask, which lets a model train on every position of a window at once;
# * the model: embeddings, pre-LayerNorm blocks of causal self-attention and an MLP, a head;
# * sampling: temperature, top-k and top-p (nucleus) sampling, and what each does to the
#   distribution of the next character;
# * the key-value cache, which makes generation cost one position's work per new character,
#   and its speed-up, measured.
#
# The model lives in `minidl/examples/char_gpt.py` (run it as
# `python -m minidl.examples.char_gpt` for a longer training). Exercises: `causal_mask`,
# `top_k_sampling`, `kv_cache`.

# %%
import json
import math
import time

import matplotlib.pyplot as plt
import numpy as np

import minidl as dl
import minidl.nn.functional as F
from minidl.datasets import load_sonnets
from minidl.examples.char_gpt import CharTokenizer, filter_logits, generate, train

from tutorial_setup import QUICK, exercise_solution, save_figure

results = {}

# %% [markdown]
# ## The data
#
# A character-level model sees text as a sequence of characters, each an integer id. The
# vocabulary is simply the set of characters in the text.
#
# What you should see: 9,931 characters, a vocabulary of about 60 (letters of both cases,
# punctuation, space and newline), and a round trip `decode(encode(text)) == text`.

# %%
text = load_sonnets()
tokenizer = CharTokenizer(text)
ids = tokenizer.encode(text)
print(f"{len(text)} characters, vocabulary of {len(tokenizer)}: {''.join(tokenizer.chars)!r}")
print("the first line as ids:", ids[:42].tolist())
assert tokenizer.decode(ids) == text
results["characters"], results["vocabulary"] = len(text), len(tokenizer)

# %% [markdown]
# ## The causal mask
#
# The model reads a window of 64 characters and, at *every* position t, predicts character
# t + 1: 64 training examples from one forward pass. That only works if position t cannot see
# positions after it, which hold the answers. Attention enforces it with a mask: the score of
# query i against key j is set to $-\infty$ for keys in i's future before the softmax, so
# their weights are exactly 0.
#
# **Exercise break.** `python -m minidl.exercises start causal_mask`: write the mask and an
# attention that uses it. The next cell draws your mask (minidl's reference until yours passes
# its checks) and compares your attention with `F.scaled_dot_product_attention(...,
# is_causal=True)`.
#
# What you should see: a lower-triangular mask (the diagonal included: a position sees itself),
# attention weights that are zero above the diagonal, and a difference below 1e-12.

# %%
causal = exercise_solution("causal_mask")
rng = np.random.default_rng(0)
q, k, v = (rng.standard_normal((8, 4)) for _ in range(3))
mine = causal.causal_attention(q, k, v)
minidl_sdpa = F.scaled_dot_product_attention(dl.tensor(q), dl.tensor(k), dl.tensor(v),
                                             is_causal=True).numpy()
results["causal_attention_error"] = float(np.abs(mine - minidl_sdpa).max())
print(f"causal_attention vs F.scaled_dot_product_attention: {results['causal_attention_error']:.1e}")

scores = np.where(causal.causal_mask(8), q @ k.T / 2, -np.inf)
weights = np.exp(scores - scores.max(axis=1, keepdims=True))
weights /= weights.sum(axis=1, keepdims=True)
fig, axes = plt.subplots(1, 2, figsize=(9, 4), layout="constrained")
axes[0].imshow(causal.causal_mask(8), cmap="Greys")
axes[0].set(title="causal_mask(8): True (black) = may attend", xlabel="key j", ylabel="query i")
image = axes[1].imshow(weights, cmap="viridis", vmin=0, vmax=1)
axes[1].set(title="causal attention weights", xlabel="key j", ylabel="query i")
fig.colorbar(image, ax=axes[1], label="weight")
save_figure(fig, "11_causal_mask.png")

# %% [markdown]
# ## The model and its training
#
# `GPT` (in `minidl/examples/char_gpt.py`) is GPT-2's recipe at toy scale: a token embedding
# plus a learned position embedding, two blocks of `x + attention(LayerNorm(x))` and
# `x + MLP(LayerNorm(x))` with four heads of width 16, a final LayerNorm and a linear head over
# the characters. It trains with AdamW, a short warm-up and a cosine decay, on random 64-
# character windows of the first 90% of the text; the last 10% (the end of sonnet CXVI and
# CXXX) is held out.
#
# What you should see: the loss starts near $\ln 58 \approx 4.1$ nats (a uniform guess over the
# characters) and after 400 steps the training loss is about 2.0, the validation loss about
# 2.2 (quick mode, with 20 steps, only starts the descent, to about 3.7). The validation loss
# stays above the training loss and flattens first: 9,000 characters are very little text.

# %%
STEPS = 20 if QUICK else 400
model, tokenizer, history = train(steps=STEPS, log_every=max(STEPS // 10, 1))
parameters = sum(p.numel() for p in model.parameters())
print(f"{parameters:,} parameters; {history['seconds']:.0f} s for {STEPS} steps")
fig, ax = plt.subplots(figsize=(6.5, 4))
ax.plot(history["step"], history["train_loss"], "o-", label="training windows")
ax.plot(history["step"], history["val_loss"], "s--", label="held-out windows (validation)")
ax.axhline(math.log(len(tokenizer)), color="grey", ls=":", label="uniform guess, ln(vocabulary)")
ax.set(xlabel="step", ylabel="cross-entropy (nats per character)", title="training the GPT")
ax.legend()
save_figure(fig, "11_loss.png")
results["initial_loss_guess"] = math.log(len(tokenizer))
results["final_train_loss"], results["final_val_loss"] = history["train_loss"][-1], history["val_loss"][-1]

# %% [markdown]
# ## Sampling: temperature, top-k, top-p
#
# The model gives a probability for every possible next character; how we pick one shapes
# the text. Dividing the logits by a **temperature** below 1 sharpens the distribution
# (towards always taking the most likely character), above 1 flattens it. **Top-k** keeps the k
# most likely characters only; **top-p** (nucleus) keeps the smallest set whose probabilities
# add up to p, so it keeps few characters where the model is sure and many where it is not.
#
# **Exercise break.** `python -m minidl.exercises start top_k_sampling`. The next cell shows
# the distribution of the character after "Shall I compare thee to a summer" under each rule,
# then writes one sample with your `sample` (reference until yours passes) and one each with
# `generate`'s temperature, top-k and top-p.
#
# What you should see (full run): at temperature 0.5 most of the probability on the two most
# likely characters (a space and an `e` after 400 steps), at 2.0 a flat spread over all 58;
# top-k 5 exactly five bars, top-p 0.9 about a dozen. The samples after 400 steps look like
# English-shaped verse: lines of about the right length starting with capitals, common short
# words ("the", "thee", "by", "and"), most longer words misspelt.

# %%
prompt = tokenizer.encode("Shall I compare thee to a summer")
with dl.no_grad():
    model.eval()
    next_logits = model(dl.tensor(prompt[None, -model.block_size:])).numpy()[0, -1]
rules = {"temperature 0.5": dict(temperature=0.5), "temperature 1.0": dict(),
         "temperature 2.0": dict(temperature=2.0), "top-k 5": dict(top_k=5),
         "top-p 0.9": dict(top_p=0.9)}
fig, axes = plt.subplots(1, len(rules), figsize=(17, 3.2), sharey=True, layout="constrained")
shown = np.argsort(-next_logits)[:12]
for ax, (label, options) in zip(axes, rules.items()):
    probabilities = filter_logits(next_logits, **options)
    ax.bar(range(len(shown)), probabilities[shown])
    names = {" ": "space", "\n": "newline"}
    ax.set_xticks(range(len(shown)), [names.get(tokenizer.chars[i], tokenizer.chars[i])
                                      for i in shown], fontsize=8, rotation=60)
    ax.set_title(f"{label}: {int((probabilities > 0).sum())} possible", fontsize=9)
axes[0].set_ylabel("P(next character)")
fig.suptitle("the next character after 'Shall I compare thee to a summer' (12 most likely shown)")
save_figure(fig, "11_sampling.png")
results["top_k_5_support"] = int((filter_logits(next_logits, top_k=5) > 0).sum())
results["top_p_support"] = int((filter_logits(next_logits, top_p=0.9) > 0).sum())

sampling = exercise_solution("top_k_sampling")
rng = np.random.default_rng(0)
context = list(tokenizer.encode("When "))
with dl.no_grad():
    for _ in range(model.block_size - len(context)):
        logits = model(dl.tensor(np.array([context]))).numpy()[0, -1]
        context.append(sampling.sample(logits, 0.8, 10, rng))
print(f"--- your sample(), temperature 0.8, top-k 10 ---\n{tokenizer.decode(context)}\n")
for label, options in [("temperature 0.5", dict(temperature=0.5)),
                       ("top-k 5", dict(top_k=5)), ("top-p 0.9", dict(top_p=0.9))]:
    sample_ids = generate(model, tokenizer.encode("Shall I "), model.block_size - 8,
                          np.random.default_rng(1), **options)
    print(f"--- generate, {label} ---\n{tokenizer.decode(sample_ids)}\n")

# %% [markdown]
# ## The key-value cache
#
# Generating n characters naively runs the model n times on ever longer contexts: the keys
# and values of every earlier position are recomputed at each step although they never
# change. The **key-value cache** keeps them: after the prompt, each step feeds only the
# newest character, computes its query, key and value, appends the key and value to the cache
# and attends over it. No mask is needed: every cached position is in the past.
#
# **Exercise break.** `python -m minidl.exercises start kv_cache`: one head's cache in NumPy.
# The next cell checks your cache against full causal attention, then times the model's
# generation with and without its cache (`generate(..., use_cache=...)`, in `char_gpt.py`).
#
# What you should see: your cache equal to causal attention to about 1e-15; the cached and
# uncached generations give the same text. In the figure, the cost of one new character grows
# with the context without the cache (the whole window runs again) and stays flat with it;
# the whole 56-character generation is about 1.5-2x faster with the cache here (measured on a
# loaded 2-core machine; timings vary). The saving is modest because this model is tiny:
# each step runs some 60 small ops whose fixed cost in Python does not shrink with the
# context; it grows with the context length and the model's width.

# %%
kv = exercise_solution("kv_cache")
rng = np.random.default_rng(0)
q, k, v = (rng.standard_normal((16, 8)) for _ in range(3))
cache = kv.KVCache()
rows = []
for t in range(16):
    cache.append(k[t], v[t])
    rows.append(cache.attend(q[t]))
full = F.scaled_dot_product_attention(dl.tensor(q), dl.tensor(k), dl.tensor(v), is_causal=True)
results["kv_cache_exercise_error"] = float(np.abs(np.stack(rows) - full.numpy()).max())
print(f"your KVCache vs full causal attention: {results['kv_cache_exercise_error']:.1e}")

def best_time(function, repeats=3 if QUICK else 7):
    best = math.inf
    for _ in range(repeats):
        began = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - began)
    return best


# The cost of one new character at a given context length: the whole context through the
# model (no cache), or one position against a cache holding the context (with the cache).
context_ids = tokenizer.encode(text[:model.block_size])
lengths = [8, 16, 32, model.block_size - 1]
per_character = {"without the cache": [], "with the cache": []}
model.eval()
with dl.no_grad():
    for length in lengths:
        window = dl.tensor(context_ids[None, :length])
        per_character["without the cache"].append(best_time(lambda: model(window)))

        def one_cached_step():
            caches = [{} for _ in model.blocks]
            model(dl.tensor(context_ids[None, :length - 1]), caches, 0)  # the prompt, once
            began = time.perf_counter()
            model(dl.tensor(context_ids[None, length - 1:length]), caches, length - 1)
            return time.perf_counter() - began
        per_character["with the cache"].append(min(one_cached_step() for _ in range(5)))

# The whole generation of 56 characters, both ways, from the same random numbers.
start_ids = tokenizer.encode("Shall I ")
new = model.block_size - len(start_ids)
generated = {}
totals = {}
for label, use_cache in [("without the cache", False), ("with the cache", True)]:
    generate(model, start_ids, 4, np.random.default_rng(0), use_cache=use_cache)  # warm-up
    totals[label] = best_time(lambda: generated.__setitem__(label, generate(
        model, start_ids, new, np.random.default_rng(0), top_k=5, use_cache=use_cache)))
same_text = bool(np.array_equal(generated["without the cache"], generated["with the cache"]))
speedup = totals["without the cache"] / totals["with the cache"]
print(f"{new} characters: {totals['without the cache'] * 1e3:.0f} ms without the cache, "
      f"{totals['with the cache'] * 1e3:.0f} ms with it: {speedup:.1f}x; same text: {same_text}")
for length, plain, cached in zip(lengths, *per_character.values()):
    print(f"one new character after {length - 1:2d}: {plain * 1e3:5.1f} ms without the cache, "
          f"{cached * 1e3:5.1f} ms with it")
fig, ax = plt.subplots(figsize=(6.5, 4))
for (label, values), style in zip(per_character.items(), ["o-", "s--"]):
    ax.plot(lengths, np.array(values) * 1e3, style, label=label)
ax.set(xlabel="context length (characters)", ylabel="ms per new character (best of runs)",
       title=f"one generation step; a {new}-character generation: {speedup:.1f}x faster cached",
       ylim=(0, None))
ax.legend()
save_figure(fig, "11_kv_cache.png")
results["kv_cache_step_ms"] = {label: [v * 1e3 for v in values]
                               for label, values in per_character.items()}
results["kv_cache_speedup"], results["kv_cache_same_text"] = speedup, same_text

# %% [markdown]
# ## What you have seen
#
# * A causal mask turns one forward pass over a window into one training example per position.
# * A GPT is embeddings, a stack of attention + MLP blocks with residual connections and
#   LayerNorm, and a head; on 10,000 characters it learns spelling and line shapes quickly,
#   and memorises soon after.
# * Temperature reshapes the next-character distribution; top-k and top-p cut its tail.
# * The key-value cache trades memory for time: each new character costs one position's work.

# %%
assert results["causal_attention_error"] < 1e-12 and results["kv_cache_exercise_error"] < 1e-12
assert results["kv_cache_same_text"] and results["top_k_5_support"] == 5
assert results["final_train_loss"] < (results["initial_loss_guess"] if QUICK else 2.2)
print("RESULT " + json.dumps(results))
