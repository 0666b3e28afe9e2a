"""Exercise pruning_mask: the mask of magnitude pruning.

Pruning zeroes the weights that matter least, judged here by magnitude |w|: a mask of 0s and
1s, multiplied into the weight before every forward pass (``nn.utils.prune`` keeps it as
``weight_mask``). Pruning an already pruned weight again removes ``amount`` more among the
entries still alive (the ones where the old mask is 1); entries already pruned stay pruned.

``amount`` is an int (a number of entries) or a float in [0, 1] (that fraction of the alive
entries, rounded to the nearest int).

Check with:  python -m minidl.exercises check pruning_mask
"""
import numpy as np


def magnitude_mask(weight, amount, mask=None):
    """A float mask of weight's shape: ``mask`` (all ones if None) with ``amount`` more of the
    alive entries of smallest |weight| set to 0."""
    # BEGIN SOLUTION
    mask = np.ones(weight.shape, np.float32) if mask is None else mask.astype(np.float32)
    alive = mask > 0
    count = round(amount * alive.sum()) if isinstance(amount, float) else amount
    scores = np.where(alive, np.abs(weight), np.inf)  # pruned entries are never picked again
    smallest = np.argsort(scores, axis=None, kind="stable")[:count]
    mask.reshape(-1)[smallest] = 0
    return mask
    # END SOLUTION
