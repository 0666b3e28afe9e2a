"""Exercise top_k_sampling: choosing the next character.

A language model gives logits over the vocabulary for the next token. Always taking the most
likely one (greedy decoding) makes dull, repetitive text; sampling from the full softmax
sometimes picks a very unlikely token and derails. Two knobs sit in between:

- temperature T: sample from softmax(logits / T). What happens to the distribution as T goes
  to 0? As T grows large? (Try logits [2, 1, 0] with T = 0.1 and T = 10.)
- top-k: keep only the k most likely tokens and renormalise. Doing it on the logits is
  simplest: set every other logit to -inf, so that exp gives exactly 0.

- ``top_k_filter(logits, k)``: a copy of the 1-D ``logits`` with all but the k largest at -inf
  (ties at the k-th value may all be kept).
- ``sample(logits, temperature, top_k, rng)``: one token id (an int), drawn with
  ``rng.choice(len(p), p=p)`` from the softmax of the filtered, temperature-scaled logits;
  ``top_k=None`` means no filter. In which order do temperature and top-k go, and does it
  matter?

Check with:  python -m minidl.exercises check top_k_sampling
"""
import numpy as np


def top_k_filter(logits, k):
    """``logits`` with every entry below the k-th largest set to -inf."""
    # BEGIN SOLUTION top_k_filter(logits, k)
    logits = np.asarray(logits, dtype=np.float64)
    kth_largest = np.sort(logits)[-k]
    return np.where(logits < kth_largest, -np.inf, logits)
    # END SOLUTION


def sample(logits, temperature, top_k, rng):
    """One token id sampled from softmax(top_k_filter(logits) / temperature)."""
    # BEGIN SOLUTION sample(logits, temperature, top_k, rng)
    logits = np.asarray(logits, dtype=np.float64) / temperature
    if top_k is not None:
        logits = top_k_filter(logits, top_k)
    p = np.exp(logits - logits.max())
    p /= p.sum()
    return int(rng.choice(len(p), p=p))
    # END SOLUTION
