"""Tests of the exercise early_stopping."""
from ..framework import ExerciseFailure


def _calls(mod, losses, patience, min_delta=0.0):
    stopper = mod.EarlyStopper(patience, min_delta)
    return [bool(stopper.step(loss)) for loss in losses], stopper


def test_docstring_example(mod):
    got, stopper = _calls(mod, [1.0, 0.8, 0.9, 0.85], patience=2)
    if got != [False, False, False, True]:
        raise ExerciseFailure("[False, False, False, True] for losses 1.0, 0.8, 0.9, 0.85 "
                              "and patience 2", str(got),
                              "count the epochs since the last improvement; stop when the "
                              "count reaches patience")
    if stopper.best != 0.8 or stopper.best_epoch != 1:
        raise ExerciseFailure("best 0.8 at epoch 1",
                              f"best {stopper.best} at epoch {stopper.best_epoch}")


def test_improvement_resets_the_count(mod):
    got, stopper = _calls(mod, [1.0, 1.1, 0.9, 1.0, 0.95, 0.97], patience=3)
    if any(got[:5]) or not got[5]:
        raise ExerciseFailure("stop only at the last epoch (the count restarts at the new "
                              "best 0.9)", str(got), "reset the counter when a value improves")
    if stopper.best_epoch != 2:
        raise ExerciseFailure("best_epoch 2", str(stopper.best_epoch))


def test_min_delta(mod):
    got, stopper = _calls(mod, [1.0, 0.999, 0.998], patience=2, min_delta=0.01)
    if got != [False, False, True] or stopper.best != 1.0:
        raise ExerciseFailure("tiny improvements (< min_delta = 0.01) do not count: "
                              "[False, False, True], best stays 1.0",
                              f"{got}, best {stopper.best}",
                              "improve only when val_loss < best - min_delta")


def test_patience_zero_and_steady_improvement(mod):
    got, _ = _calls(mod, [1.0, 0.9, 0.8, 0.7], patience=1)
    if any(got):
        raise ExerciseFailure("never stop while the loss keeps improving", str(got))
    got, _ = _calls(mod, [1.0, 1.0], patience=1)
    if got != [False, True]:
        raise ExerciseFailure("an equal loss is no improvement: [False, True]", str(got),
                              "use a strict comparison: val_loss < best - min_delta")


TESTS = [test_docstring_example, test_improvement_resets_the_count, test_min_delta,
         test_patience_zero_and_steady_improvement]
