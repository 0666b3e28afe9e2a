"""Exercise kv_cache: generating without recomputing the past.

To generate text, a GPT runs once per new token. Run naively, step t recomputes the keys and
values of all t earlier positions, which have not changed: they depend only on earlier tokens
(the causal mask guarantees it). A key-value cache keeps them instead, so that each step
computes the query, key and value of the newest position only, and attends over the cache.

For one attention head, write ``KVCache``:

- ``append(k, v)``: add the key (E,) and value (Ev,) of the newest position;
- ``attend(q)``: the attention output (Ev,) of the newest position's query q (E,) over every
  cached position: softmax(K q / sqrt(E)) V, with K (t, E) and V (t, Ev) the cache. Does the
  newest position attend to itself? Does it need a mask? (Which cached positions are in its
  future?)
- ``__len__``: the number of cached positions.

Feeding positions one at a time (append, then attend) must give exactly the rows of full
causal attention over the whole sequence.

Check with:  python -m minidl.exercises check kv_cache
"""
import numpy as np


class KVCache:
    def __init__(self):
        self.keys, self.values = [], []

    def append(self, k, v):
        # BEGIN SOLUTION KVCache.append
        self.keys.append(np.asarray(k, dtype=np.float64))
        self.values.append(np.asarray(v, dtype=np.float64))
        # END SOLUTION

    def attend(self, q):
        # BEGIN SOLUTION KVCache.attend(q) over every cached position
        keys, values = np.stack(self.keys), np.stack(self.values)
        scores = keys @ q / np.sqrt(len(q))
        weights = np.exp(scores - scores.max())
        return (weights / weights.sum()) @ values
        # END SOLUTION

    def __len__(self):
        return len(self.keys)
