"""Track step 11: a DataLoader, to feed the network mini-batches.

Training on the whole data set at once is slow and, surprisingly, often generalises worse;
one example at a time wastes NumPy's speed. Mini-batches sit in between. Each *epoch* should
visit every example exactly once, in a fresh random order when ``shuffle`` is on (so two
epochs differ), reproducibly for a given ``seed``.

``DataLoader(X, y, batch_size, shuffle=False, seed=0)``: iterating over it yields
``(Tensor(X_batch), y_batch)`` pairs (``y_batch`` a NumPy array), the last batch smaller when
``batch_size`` does not divide the number of examples; ``len(loader)`` is the number of
batches. Hold one ``np.random.default_rng(seed)`` for the loader's whole life, not a new one
per epoch: why would a new one per epoch defeat the shuffling?

Check with:  python -m minidl.exercises check track11_dataloader
"""
import numpy as np

from track04_tensor import Tensor


class DataLoader:
    def __init__(self, X, y, batch_size, shuffle=False, seed=0):
        self.X, self.y = np.asarray(X), np.asarray(y)
        self.batch_size, self.shuffle = batch_size, shuffle
        self.rng = np.random.default_rng(seed)

    def __len__(self):
        # BEGIN SOLUTION DataLoader.__len__: the number of batches, the last one partial
        return -(-len(self.X) // self.batch_size)
        # END SOLUTION

    def __iter__(self):
        # BEGIN SOLUTION DataLoader.__iter__: a (fresh) order, then one batch at a time
        order = self.rng.permutation(len(self.X)) if self.shuffle else np.arange(len(self.X))
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
            yield Tensor(self.X[batch]), self.y[batch]
        # END SOLUTION
