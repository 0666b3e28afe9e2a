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
# # 6. Pretraining and fine-tuning: a tiny BERT
#
# Labels are expensive; text is not. BERT's recipe: first **pretrain** a Transformer encoder
# on plenty of unlabeled text with a self-supervised task (guess hidden words), then
# **fine-tune** it on the small labeled task you care about. The encoder arrives at
# fine-tuning already knowing which words go together.
#
# We do this in miniature on a synthetic corpus (`minidl.text`): sentences about four topics
# (sports, food, weather, technology), where only the content words reveal the topic. There
# are 5,000 unlabeled sentences but only **40 labeled ones**, which mention just some of each
# topic's words. Then we compare three ways to train a topic classifier on those 40:
#
# * **from scratch**: a randomly initialised encoder + classifier;
# * **pretrained, frozen**: the pretrained encoder is fixed, only the classifier trains
#   (a "linear probe" of what pretraining learned);
# * **pretrained, unfrozen**: everything trains, starting from the pretrained weights.
#
# The model classes come from `minidl/examples/tiny_bert.py`; the loops are written out here.
#
# Exercises: `mask_tokens`, `module_parameters`.
#
# What you should see (full run): the masked-word loss falling by about 3.5 over the 2,000
# pretraining steps (to about 1.9); guesses for a masked word that mostly belong to the
# sentence's topic; only the classifier's 260 parameters training when the encoder is
# frozen; after 150 fine-tuning steps, the unfrozen pretrained model ahead (about 68% test
# accuracy) and the frozen probe no better than training from scratch (both about 63%):
# pretraining helps here, but modestly, and only when the encoder may adapt.

# %%
import copy
import json
import time

import matplotlib.pyplot as plt
import numpy as np

import minidl as dl
import minidl.nn.functional as F
import minidl.optim as optim
from minidl.examples.tiny_bert import (IGNORE, MAX_LEN, Classifier, MaskedLanguageModel, TinyBert,
                                       mask_tokens)
from minidl.text import TOPICS, Tokenizer, make_corpus
from minidl.text.corpus import WORDS

from tutorial_setup import QUICK, save_figure


results = {}
PRETRAIN_STEPS = 150 if QUICK else 2000
FINETUNE_STEPS = 40 if QUICK else 150

# %% [markdown]
# ## The corpus and the tokenizer
#
# The tokenizer maps words to integer ids; its first four ids are special tokens: `[PAD]`
# fills short sentences up to a common length (and is masked out of attention), `[MASK]`
# hides a word, `[CLS]` starts every sentence (its final vector will summarise the sentence
# for the classifier), `[UNK]` stands for unknown words.

# %%
corpus = make_corpus(num_unlabeled=1000 if QUICK else 5000, num_labeled=40, num_test=1000, seed=0)
tokenizer = Tokenizer.from_texts(corpus.all_texts())
train_ids = tokenizer.encode_batch(corpus.train_texts, MAX_LEN)
test_ids = tokenizer.encode_batch(corpus.test_texts, MAX_LEN)
print(f"vocabulary: {len(tokenizer)} tokens; {len(corpus.unlabeled)} unlabeled, "
      f"{len(corpus.train_texts)} labeled, {len(corpus.test_texts)} test sentences")
for text, label in zip(corpus.train_texts[:4], corpus.train_labels[:4]):
    print(f"  [{TOPICS[label]:>10s}] {text}")
print("encoded:", train_ids[0])
seen = {w for text in corpus.train_texts for w in text.split()}
test_words = {w for text in corpus.test_texts for w in text.split()}
print(f"{len(test_words - seen)} of the {len(test_words)} words of the test sentences never occur "
      "in the 40 labeled ones")

# %% [markdown]
# ## Masked-language-model pretraining
#
# BERT's self-supervised task: choose 15% of the word positions at random (never special
# tokens); replace 80% of those by `[MASK]`, 10% by a random word, and leave 10% unchanged
# (otherwise the model would learn that only `[MASK]` positions need thinking about). The
# target is the original word at the chosen positions and `ignore_index = -100` elsewhere,
# so `F.cross_entropy(..., ignore_index=-100)` scores only the chosen ones. (Exercise
# `mask_tokens`.)

# %%
rng = np.random.default_rng(0)
example_inputs, example_targets = mask_tokens(train_ids[:3], tokenizer, rng, probability=0.3)
for ids, masked, target in zip(train_ids[:3], example_inputs, example_targets):
    print("original:", tokenizer.decode(ids))
    print("input:   ", tokenizer.decode(masked, skip_special=False).replace("[PAD]", "").strip())
    print("targets: ", [tokenizer.vocabulary[t] for t in target if t != IGNORE])

# %% [markdown]
# The pretraining model is the encoder plus a linear layer that predicts a word at every
# position. AdamW with a short warm-up, then cosine decay.

# %%
dl.manual_seed(0)
pretrained = TinyBert(len(tokenizer), tokenizer.pad_id)
mlm = MaskedLanguageModel(pretrained, len(tokenizer))
print(f"encoder parameters: {sum(p.numel() for p in pretrained.parameters()):,}")
optimizer = optim.AdamW(mlm.parameters(), lr=1e-3, weight_decay=0.01)
warmup = max(1, PRETRAIN_STEPS // 20)
schedule = optim.lr_scheduler.LambdaLR(
    optimizer, lambda s: min(1.0, (s + 1) / warmup) * 0.5 * (1 + np.cos(np.pi * min(s, PRETRAIN_STEPS) / PRETRAIN_STEPS)))
unlabeled_ids = tokenizer.encode_batch(corpus.unlabeled, MAX_LEN)
pretrain_losses = []
start = time.perf_counter()
mlm.train()
for step in range(PRETRAIN_STEPS):
    batch = unlabeled_ids[rng.integers(len(unlabeled_ids), size=64)]
    inputs, targets = mask_tokens(batch, tokenizer, rng)
    logits = mlm(dl.tensor(inputs))
    loss = F.cross_entropy(logits.reshape(-1, len(tokenizer)), dl.tensor(targets.reshape(-1)),
                           ignore_index=IGNORE)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    schedule.step()
    pretrain_losses.append(loss.item())
    if (step + 1) % max(1, PRETRAIN_STEPS // 5) == 0:
        print(f"  step {step + 1:5d}  masked-word loss {np.mean(pretrain_losses[-20:]):.3f}")
print(f"pretraining: {PRETRAIN_STEPS} steps in {time.perf_counter() - start:.0f} s")
window = max(1, min(20, PRETRAIN_STEPS // 10))
results["pretrain_loss_drop"] = float(np.mean(pretrain_losses[:window]) - np.mean(pretrain_losses[-window:]))

fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(pretrain_losses, alpha=0.4, label="per step")
smooth = np.convolve(pretrain_losses, np.ones(window) / window, mode="valid")
ax.plot(np.arange(window - 1, PRETRAIN_STEPS), smooth, label=f"mean of {window} steps")
ax.axhline(np.log(len(tokenizer)), color="grey", ls=":", label="uniform guess: log(vocabulary)")
ax.set(xlabel="step", ylabel="masked-word cross-entropy", title="masked-language-model pretraining")
ax.legend()
save_figure(fig, "06_pretraining_loss.png")

# %% [markdown]
# What has the encoder learned? Mask a content word and ask for the five most likely fillers:
# after enough pretraining they come from the sentence's topic (the other content words of the
# sentence give it away). In quick mode the model has barely started and guesses common words.

# %%
content_words = {w for kinds in WORDS.values() for ws in kinds.values() for w in ws}
mlm.eval()
for text in corpus.test_texts[:4]:
    ids = tokenizer.encode_batch([text], MAX_LEN)
    words = text.split()
    position = 1 + next(i for i, w in enumerate(words) if w in content_words)  # +1: [CLS]
    masked_ids = ids.copy()
    masked_ids[0, position] = tokenizer.mask_id
    with dl.no_grad():
        scores = mlm(dl.tensor(masked_ids)).numpy()[0, position]
    top = [tokenizer.vocabulary[i] for i in np.argsort(scores)[::-1][:5]]
    print(f"{tokenizer.decode(masked_ids[0], skip_special=False).replace('[PAD]', '').replace('[CLS]', '').strip():55s} -> {top}")

# %% [markdown]
# ## Freezing the encoder
#
# To freeze a part of a model, make its parameters stop requiring grad:
# `for p in encoder.parameters(): p.requires_grad_(False)`. Backward then computes no gradient
# for them, and we hand the optimizer only the parameters that still require grad. A frozen
# encoder is a fixed feature extractor, so we also keep it in `eval()` mode (no dropout).
# `parameters()` finds the tensors by walking the module tree (exercise `module_parameters`).

# %%
def count(parameters):
    return sum(p.numel() for p in parameters)


probe = Classifier(copy.deepcopy(pretrained), len(TOPICS))
for p in probe.bert.parameters():
    p.requires_grad_(False)
trainable = [name for name, p in probe.named_parameters() if p.requires_grad]
print(f"frozen encoder: {count(p for p in probe.parameters() if p.requires_grad):,} of "
      f"{count(probe.parameters()):,} parameters train: {trainable}")

# %% [markdown]
# ## Fine-tuning: from scratch, frozen, unfrozen
#
# The three classifiers train on the same 40 labeled sentences (full batch, AdamW) for the same
# number of steps, and we measure accuracy on the 1,000 test sentences as training proceeds.

# %%
def accuracy(model):
    model.eval()
    with dl.no_grad():
        predictions = model(dl.tensor(test_ids)).argmax(dim=-1).numpy()
    return float((predictions == corpus.test_labels).mean())


def fine_tune(model, frozen=False, steps=FINETUNE_STEPS, lr=1e-3):
    if frozen:
        for p in model.bert.parameters():
            p.requires_grad_(False)
    optimizer = optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr,
                            weight_decay=0.01)
    inputs, targets = dl.tensor(train_ids), dl.tensor(corpus.train_labels)
    curve = []
    for step in range(steps):
        model.train()
        if frozen:
            model.bert.eval()
        loss = F.cross_entropy(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if (step + 1) % max(1, steps // 10) == 0:
            curve.append((step + 1, accuracy(model)))
    return curve


curves = {}
dl.manual_seed(1)
curves["scratch"] = fine_tune(Classifier(TinyBert(len(tokenizer), tokenizer.pad_id), len(TOPICS)))
dl.manual_seed(1)
curves["frozen"] = fine_tune(Classifier(copy.deepcopy(pretrained), len(TOPICS)), frozen=True)
dl.manual_seed(1)
curves["unfrozen"] = fine_tune(Classifier(copy.deepcopy(pretrained), len(TOPICS)))
for name, curve in curves.items():
    print(f"{name:9s} test accuracy after {curve[-1][0]} steps: {curve[-1][1]:.3f}")
results["finetune_accuracy"] = {name: curve[-1][1] for name, curve in curves.items()}

fig, ax = plt.subplots(figsize=(7, 4))
names = {"scratch": "from scratch", "frozen": "pretrained, encoder frozen",
         "unfrozen": "pretrained, fine-tuned"}
for name, curve in curves.items():
    steps_, accs = zip(*curve)
    ax.plot(steps_, accs, "o-", label=names[name])
ax.axhline(1 / len(TOPICS), color="grey", ls=":", label="chance")
ax.set(xlabel="fine-tuning step (40 labeled sentences)", ylabel="test accuracy (1,000 sentences)",
       ylim=(0, 1), title="what pretraining buys")
ax.legend()
save_figure(fig, "06_finetuning.png")

# %% [markdown]
# ## What you have seen
#
# * Masked-word prediction needs no labels, yet teaches the encoder which words belong
#   together.
# * With only 40 labels, fine-tuning the pretrained encoder beats training from scratch: it
#   starts from an encoder that already groups the words of a topic, including words the
#   labeled set never showed. Here the gain is a few points, not a leap.
# * Freezing is `requires_grad_(False)` plus handing the optimizer the rest. The frozen probe
#   (a linear classifier on features learned for another task, from 40 examples) did no
#   better than scratch in this run; fine-tuning the whole network costs more per step but
#   let the encoder adapt.
#
# Next: `07_inside_the_accelerated_core.py`: what makes these steps fast.

# %%
assert results["pretrain_loss_drop"] > 0
if not QUICK:
    assert results["finetune_accuracy"]["unfrozen"] > results["finetune_accuracy"]["scratch"]
print("RESULT " + json.dumps(results))
