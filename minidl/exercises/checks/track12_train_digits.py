"""Tests of track step 12: the learner's framework trains the digits MLP to 95%."""
from ..framework import ExerciseFailure


def test_reaches_95_percent(mod):
    accuracy = mod.train_digits(epochs=30, seed=0)
    if not isinstance(accuracy, float) or not 0 <= accuracy <= 1:
        raise ExerciseFailure("the test accuracy as a float in [0, 1]", repr(accuracy)[:80])
    if accuracy < 0.95:
        raise ExerciseFailure("test accuracy of at least 0.95 after 30 epochs", f"{accuracy:.3f}",
                              "a step is: zero_grad, forward, cross_entropy, backward, "
                              "optimizer.step; below 0.9, check that the grads are reset every "
                              "step and that the loader shuffles")


def test_seed_makes_it_reproducible(mod):
    if mod.train_digits(epochs=1, seed=3) != mod.train_digits(epochs=1, seed=3):
        raise ExerciseFailure("the same accuracy twice for the same seed", "two different ones",
                              "draw every random number from np.random.default_rng(seed) and "
                              "the loader's seed")


TESTS = [test_reaches_95_percent, test_seed_makes_it_reproducible]
