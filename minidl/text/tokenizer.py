"""A word- or character-level tokenizer: text <-> integer ids, with BERT-style special tokens.

The vocabulary is the four special tokens followed by every distinct word (or character) of
the texts it was built from, in sorted order, so the same texts always give the same ids::

    [PAD] = 0   fills short sequences up to a common length (attention masks it out)
    [MASK] = 1  replaces the tokens a masked language model must predict
    [CLS] = 2   starts every sequence; its final vector summarises the sequence for a classifier
    [UNK] = 3   stands for anything not in the vocabulary
"""
import numpy as np

PAD, MASK, CLS, UNK = "[PAD]", "[MASK]", "[CLS]", "[UNK]"
SPECIAL_TOKENS = (PAD, MASK, CLS, UNK)


class Tokenizer:
    """Maps text to ids and back. ``level`` is "word" (split on whitespace) or "char"."""

    def __init__(self, tokens, level="word"):
        if level not in ("word", "char"):
            raise ValueError(f"Tokenizer: level must be 'word' or 'char', got {level!r}")
        self.level = level
        self.vocabulary = list(SPECIAL_TOKENS) + sorted(set(tokens) - set(SPECIAL_TOKENS))
        self.ids = {token: i for i, token in enumerate(self.vocabulary)}
        self.pad_id, self.mask_id, self.cls_id, self.unk_id = (self.ids[t] for t in SPECIAL_TOKENS)

    @classmethod
    def from_texts(cls, texts, level="word"):
        """Build the vocabulary from every token of ``texts``."""
        tokenizer = cls([], level)
        return cls([t for text in texts for t in tokenizer.split(text)], level)

    def __len__(self):
        return len(self.vocabulary)

    def split(self, text):
        return text.split() if self.level == "word" else list(text)

    def encode(self, text, add_cls=True):
        """The ids of ``text``'s tokens, after a [CLS] id when ``add_cls``."""
        ids = [self.ids.get(token, self.unk_id) for token in self.split(text)]
        return [self.cls_id] + ids if add_cls else ids

    def encode_batch(self, texts, length, add_cls=True):
        """An int64 array (len(texts), length): each row encoded, cut or padded with [PAD]."""
        batch = np.full((len(texts), length), self.pad_id, dtype=np.int64)
        for row, text in enumerate(texts):
            ids = self.encode(text, add_cls)[:length]
            batch[row, : len(ids)] = ids
        return batch

    def decode(self, ids, skip_special=True):
        """The text of ``ids`` (special tokens left out when ``skip_special``)."""
        special = set(range(len(SPECIAL_TOKENS))) if skip_special else set()
        tokens = [self.vocabulary[int(i)] for i in ids if int(i) not in special]
        return (" " if self.level == "word" else "").join(tokens)
