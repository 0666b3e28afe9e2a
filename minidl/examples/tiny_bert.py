"""A tiny BERT: pretrain a Transformer encoder on unlabeled text, then fine-tune it to classify.

BERT (Devlin et al., 2018) in miniature, on the synthetic corpus of minidl.text.corpus:

1. Masked-language-model pretraining on unlabeled sentences: hide 15% of the words and train
   the encoder to predict them from the rest. No labels are needed, only text. To fill in
   "the [MASK] scored a fierce goal" the model has to learn which words go together.
2. Fine-tuning: put a linear classifier on the final vector of the [CLS] token (the first
   token of every sentence) and train it, with the encoder, on a *small* labeled set (the topic
   of each sentence).

The same small labeled set then trains an identical model from random weights. The labeled set
mentions only some of each topic's words; the pretrained encoder has met the others in
unlabeled text, so it should classify test sentences better. A third run freezes the pretrained
encoder and trains the classifier alone (a "linear probe" of what pretraining learned).
Finally the attention maps of the fine-tuned model on one sentence are saved as a plot, in
outputs/tiny_bert_attention.png (ignored by git, like the flagship's outputs/digits).

Run:  python -m minidl.examples.tiny_bert        (MINIDL_QUICK=1 for a short run)
"""
import copy
import os
import time
from pathlib import Path

import numpy as np

import minidl as dl
import minidl.nn as nn
import minidl.nn.functional as F
import minidl.optim as optim
from minidl.text import SPECIAL_TOKENS, TOPICS, Tokenizer, make_corpus

MAX_LEN = 12  # [CLS] + the longest sentence of the grammar (10 words), with room to spare
IGNORE = -100  # cross_entropy's ignore_index: positions that were not masked


class TinyBert(nn.Module):
    """token ids (N, L) -> one vector per token (N, L, d_model); [PAD] positions are masked out."""

    def __init__(self, vocab_size, pad_id, d_model=64, nhead=4, num_layers=2,
                 dim_feedforward=128, dropout=0.1):
        super().__init__()
        self.pad_id = pad_id
        self.token_embedding = nn.Embedding(vocab_size, d_model, padding_idx=pad_id)
        self.position = nn.LearnedPositionalEncoding(d_model, max_len=MAX_LEN)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout,
                                           activation="gelu", norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers, norm=nn.LayerNorm(d_model))

    def embed(self, ids):
        return self.position(self.token_embedding(ids))

    def forward(self, ids):
        return self.encoder(self.embed(ids), src_key_padding_mask=ids == self.pad_id)


class MaskedLanguageModel(nn.Module):
    """The encoder plus a linear layer predicting the word at every position."""

    def __init__(self, bert, vocab_size):
        super().__init__()
        self.bert = bert
        self.head = nn.Linear(bert.token_embedding.embedding_dim, vocab_size)

    def forward(self, ids):
        return self.head(self.bert(ids))


class Classifier(nn.Module):
    """The encoder plus a linear layer on the [CLS] token's vector."""

    def __init__(self, bert, num_classes):
        super().__init__()
        self.bert = bert
        self.head = nn.Linear(bert.token_embedding.embedding_dim, num_classes)

    def forward(self, ids):
        return self.head(self.bert(ids)[:, 0])


def mask_tokens(ids, tokenizer, rng, probability=0.15):
    """BERT's masking: pick ``probability`` of the word positions (never special tokens); of
    those, 80% become [MASK], 10% a random word, 10% stay. Returns (inputs, targets) with
    targets = the original id at picked positions and IGNORE elsewhere."""
    first_word = len(SPECIAL_TOKENS)  # the special tokens have the smallest ids
    words = ids >= first_word
    picked = words & (rng.random(ids.shape) < probability)
    targets = np.where(picked, ids, IGNORE)
    inputs = ids.copy()
    roll = rng.random(ids.shape)
    inputs[picked & (roll < 0.8)] = tokenizer.mask_id
    random_word = picked & (roll >= 0.8) & (roll < 0.9)
    inputs[random_word] = rng.integers(first_word, len(tokenizer), size=int(random_word.sum()))
    return inputs, targets


def warmup_cosine(optimizer, steps, warmup):
    """A linear warm-up over ``warmup`` steps, then a cosine decay to zero at ``steps``."""

    def factor(step):
        return min(1.0, (step + 1) / warmup) * 0.5 * (1 + np.cos(np.pi * min(step, steps) / steps))

    return optim.lr_scheduler.LambdaLR(optimizer, factor)


def pretrain(bert, tokenizer, texts, steps, batch_size=64, lr=2e-3, seed=0, verbose=True):
    """Masked-language-model training of ``bert`` on unlabeled ``texts``; returns the last loss."""
    model = MaskedLanguageModel(bert, len(tokenizer))
    model.train()
    optimizer = optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    schedule = warmup_cosine(optimizer, steps, warmup=max(1, steps // 20))
    ids = tokenizer.encode_batch(texts, MAX_LEN)
    rng = np.random.default_rng(seed)
    for step in range(steps):
        inputs, targets = mask_tokens(ids[rng.integers(len(ids), size=batch_size)], tokenizer, rng)
        logits = model(dl.tensor(inputs))
        loss = F.cross_entropy(logits.reshape(-1, len(tokenizer)), dl.tensor(targets.reshape(-1)),
                               ignore_index=IGNORE)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        if verbose and (step + 1) % max(1, steps // 5) == 0:
            print(f"  pretraining step {step + 1:5d}  masked-word loss {loss.item():.3f}")
    return loss.item()


def accuracy(model, ids, labels):
    model.eval()
    with dl.no_grad():
        predictions = model(dl.tensor(ids)).argmax(dim=-1).numpy()
    return float((predictions == labels).mean())


def fine_tune(bert, ids, labels, steps, lr=1e-3, freeze_encoder=False):
    """Train a [CLS] classifier on (ids, labels), full batch; returns the Classifier."""
    model = Classifier(bert, len(TOPICS))
    if freeze_encoder:
        for p in bert.parameters():
            p.requires_grad_(False)
    parameters = [p for p in model.parameters() if p.requires_grad]
    optimizer = optim.AdamW(parameters, lr=lr, weight_decay=0.01)
    inputs, targets = dl.tensor(ids), dl.tensor(labels)
    for _ in range(steps):
        model.train()
        if freeze_encoder:
            bert.eval()  # a frozen encoder is a fixed feature extractor: no dropout
        loss = F.cross_entropy(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model


def attention_maps(bert, ids):
    """Each layer's attention weights on one sequence: a list of (heads, L, L) arrays."""
    bert.eval()
    padding = ids == bert.pad_id
    maps = []
    with dl.no_grad():
        x = bert.embed(ids)
        for layer in bert.encoder.layers:
            h = layer.norm1(x) if layer.norm_first else x
            _, weights = layer.self_attn(h, h, h, key_padding_mask=padding, need_weights=True,
                                         average_attn_weights=False)
            maps.append(weights.numpy()[0])
            x = layer(x, src_key_padding_mask=padding)
    return maps


def plot_attention(bert, tokenizer, text, path):
    """Save a grid of attention maps (layers x heads) for ``text`` to ``path``."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ids = tokenizer.encode_batch([text], MAX_LEN)
    length = len(tokenizer.encode(text))
    labels = [tokenizer.vocabulary[i] for i in ids[0, :length]]
    maps = attention_maps(bert, dl.tensor(ids))
    heads = maps[0].shape[0]
    figure, axes = plt.subplots(len(maps), heads, figsize=(3 * heads, 3 * len(maps)), squeeze=False)
    for layer, layer_maps in enumerate(maps):
        for head in range(heads):
            ax = axes[layer, head]
            ax.imshow(layer_maps[head, :length, :length], cmap="viridis", vmin=0, vmax=1)
            ax.set_title(f"layer {layer} head {head}", fontsize=9)
            ax.set_xticks(range(length), labels, rotation=90, fontsize=7)
            ax.set_yticks(range(length), labels, fontsize=7)
    figure.suptitle(f'attention of the fine-tuned tiny BERT: "{text}"')
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def run(quick=None, seed=0, plot_path="outputs/tiny_bert_attention.png", verbose=True):
    """Pretrain, fine-tune, compare with training from scratch; returns the accuracies."""
    quick = os.environ.get("MINIDL_QUICK") == "1" if quick is None else quick
    if quick:
        num_unlabeled, num_test, pretrain_steps, fine_tune_steps = 1000, 300, 100, 40
    else:
        num_unlabeled, num_test, pretrain_steps, fine_tune_steps = 5000, 1000, 1500, 150
    corpus = make_corpus(num_unlabeled, num_labeled=40, num_test=num_test, seed=seed)
    tokenizer = Tokenizer.from_texts(corpus.all_texts())
    train_ids = tokenizer.encode_batch(corpus.train_texts, MAX_LEN)
    test_ids = tokenizer.encode_batch(corpus.test_texts, MAX_LEN)
    say = print if verbose else (lambda *args: None)
    say(f"vocabulary {len(tokenizer)} words; {len(corpus.unlabeled)} unlabeled sentences, "
        f"{len(corpus.train_texts)} labeled for training, {len(corpus.test_texts)} for testing")

    start = time.perf_counter()
    dl.manual_seed(seed)
    pretrained = TinyBert(len(tokenizer), tokenizer.pad_id)
    say("masked-language-model pretraining:")
    mlm_loss = pretrain(pretrained, tokenizer, corpus.unlabeled, pretrain_steps, seed=seed,
                        verbose=verbose)

    dl.manual_seed(seed + 1)
    fine_tuned = fine_tune(copy.deepcopy(pretrained), train_ids, corpus.train_labels,
                           fine_tune_steps)
    dl.manual_seed(seed + 1)
    probe = fine_tune(copy.deepcopy(pretrained), train_ids, corpus.train_labels, fine_tune_steps,
                      freeze_encoder=True)
    dl.manual_seed(seed + 1)
    scratch = fine_tune(TinyBert(len(tokenizer), tokenizer.pad_id), train_ids,
                        corpus.train_labels, fine_tune_steps)
    result = {
        "pretrained": accuracy(fine_tuned, test_ids, corpus.test_labels),
        "pretrained_frozen": accuracy(probe, test_ids, corpus.test_labels),
        "scratch": accuracy(scratch, test_ids, corpus.test_labels),
        "mlm_loss": mlm_loss,
        "seconds": time.perf_counter() - start,
    }
    say(f"test accuracy on {len(corpus.test_texts)} sentences, after training on "
        f"{len(corpus.train_texts)} labeled ones:")
    say(f"  pretrained + fine-tuned        {result['pretrained']:.3f}")
    say(f"  pretrained, encoder frozen     {result['pretrained_frozen']:.3f}")
    say(f"  from scratch                   {result['scratch']:.3f}")
    say(f"  (chance {1 / len(TOPICS):.3f}; {result['seconds']:.0f} s in all)")
    if plot_path is not None:
        plot_attention(fine_tuned.bert, tokenizer, corpus.test_texts[0], plot_path)
        say(f"attention maps saved to {plot_path}")
    return result


if __name__ == "__main__":
    run()
