"""Exercise mask_tokens: BERT's masked-language-model corruption.

Pretraining needs no labels: hide some tokens and ask the model to guess them from both sides.
BERT's recipe, for every sequence of token ids:

1. choose each position with probability ``p`` (0.15), never a special token (padding, [CLS]);
2. of the chosen positions, replace 80% by the [MASK] id, 10% by a random token id in
   [0, vocab_size), and leave 10% unchanged (so the model cannot assume "only [MASK] is wrong");
3. the labels are the original ids at the chosen positions and ``ignore_index`` (-100)
   everywhere else, so that ``F.cross_entropy(..., ignore_index=-100)`` scores only those.

``tokens`` is an int64 array (N, T); ``rng`` a NumPy Generator; ``special_ids`` the ids never
to choose. Draw one uniform number per position and per decision with ``rng.random(shape)``.
Return ``(inputs, labels)``, new arrays; ``tokens`` stays unchanged.

Check with:  python -m minidl.exercises check mask_tokens
"""
import numpy as np


def mask_tokens(tokens, mask_id, vocab_size, rng, p=0.15, special_ids=(), ignore_index=-100):
    """BERT masking: returns (inputs, labels)."""
    # BEGIN SOLUTION
    special = np.isin(tokens, list(special_ids))
    chosen = (rng.random(tokens.shape) < p) & ~special
    labels = np.where(chosen, tokens, ignore_index)
    decision = rng.random(tokens.shape)
    inputs = tokens.copy()
    inputs[chosen & (decision < 0.8)] = mask_id
    random_positions = chosen & (decision >= 0.8) & (decision < 0.9)
    inputs[random_positions] = rng.integers(0, vocab_size, size=int(random_positions.sum()))
    return inputs, labels
    # END SOLUTION
