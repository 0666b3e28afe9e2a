"""Exercise early_stopping: stop when the validation loss stops improving.

Training loss keeps falling while validation loss, past some epoch, rises: the model starts
memorising the training set. Early stopping watches the validation loss once per epoch and
stops after ``patience`` epochs in a row without a new best (keeping the best epoch's weights).

Write the class ``EarlyStopper``:

- ``step(val_loss)`` is called once per epoch (epochs numbered 0, 1, 2, ...) and returns True
  when training should stop: when ``patience`` epochs in a row have not improved on the best.
- a value improves when it is lower than the best so far by more than ``min_delta``;
- ``best`` is the best value so far and ``best_epoch`` the epoch it came from.

So with patience=2 and losses 1.0, 0.8, 0.9, 0.85 the calls return False, False, False, True
(epochs 2 and 3 did not beat 0.8), and best_epoch is 1. ``dl.training.EarlyStopping`` is the
full version used in the tutorial.

Check with:  python -m minidl.exercises check early_stopping
"""
import math


class EarlyStopper:
    def __init__(self, patience, min_delta=0.0):
        self.patience = patience
        self.min_delta = min_delta
        self.best = math.inf
        self.best_epoch = None
        self.epoch = -1
        self.bad_epochs = 0

    def step(self, val_loss):
        """Record this epoch's validation loss; True when it is time to stop."""
        self.epoch += 1
        # BEGIN SOLUTION EarlyStopper.step
        if val_loss < self.best - self.min_delta:
            self.best, self.best_epoch, self.bad_epochs = val_loss, self.epoch, 0
        else:
            self.bad_epochs += 1
        return self.bad_epochs >= self.patience
        # END SOLUTION
