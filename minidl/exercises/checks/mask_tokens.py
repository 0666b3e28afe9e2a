"""Tests of the exercise mask_tokens (statistical checks use many tokens and a fixed seed)."""
import numpy as np

from ..framework import ExerciseFailure

MASK, PAD, CLS, VOCAB = 1, 0, 2, 50


def _batch(n=400, t=100, seed=0):
    tokens = np.random.default_rng(seed).integers(3, VOCAB, size=(n, t))
    tokens[:, 0] = CLS
    tokens[:, -10:] = PAD
    return tokens


def _run(mod, seed=1, p=0.15):
    tokens = _batch()
    before = tokens.copy()
    result = mod.mask_tokens(tokens, MASK, VOCAB, np.random.default_rng(seed), p=p,
                             special_ids=(PAD, CLS))
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise ExerciseFailure("a tuple (inputs, labels)", repr(result)[:80])
    if not np.array_equal(tokens, before):
        raise ExerciseFailure("tokens unchanged", "modified in place", "start from tokens.copy()")
    inputs, labels = (np.asarray(a) for a in result)
    if inputs.shape != tokens.shape or labels.shape != tokens.shape:
        raise ExerciseFailure(f"inputs and labels of shape {tokens.shape}",
                              f"{inputs.shape} and {labels.shape}")
    return tokens, inputs, labels


def test_labels(mod):
    tokens, _, labels = _run(mod)
    chosen = labels != -100
    if not np.array_equal(labels[chosen], tokens[chosen]):
        raise ExerciseFailure("labels equal the original token at chosen positions",
                              "other values", "labels = np.where(chosen, tokens, -100)")
    fraction = chosen[:, 1:-10].mean()
    if abs(fraction - 0.15) > 0.01:
        raise ExerciseFailure("about 15% of the ordinary tokens chosen", f"{fraction:.1%}",
                              "choose a position when rng.random(shape) < p")


def test_special_tokens_are_never_chosen(mod):
    _, inputs, labels = _run(mod)
    if (labels[:, 0] != -100).any() or (labels[:, -10:] != -100).any():
        raise ExerciseFailure("[CLS] and padding never chosen (label -100)", "some were chosen",
                              "exclude positions whose token is in special_ids (np.isin)")
    if (inputs[:, 0] != CLS).any() or (inputs[:, -10:] != PAD).any():
        raise ExerciseFailure("[CLS] and padding left as they are", "some were replaced")


def test_80_10_10(mod):
    tokens, inputs, labels = _run(mod, p=0.5)
    chosen = labels != -100
    masked = (inputs == MASK) & chosen
    unchanged = (inputs == tokens) & chosen
    shares = masked.sum() / chosen.sum(), unchanged.sum() / chosen.sum()
    other = 1 - shares[0] - shares[1]
    # A random replacement equals the original 1 time in VOCAB: about 10.2% stay unchanged.
    if abs(shares[0] - 0.8) > 0.02 or abs(shares[1] - 0.102) > 0.015 or abs(other - 0.098) > 0.015:
        raise ExerciseFailure("of the chosen tokens, 80% [MASK], 10% random, 10% unchanged",
                              f"{shares[0]:.1%} [MASK], {other:.1%} random, {shares[1]:.1%} "
                              "unchanged", "draw a second uniform number per position: < 0.8 "
                              "-> [MASK], 0.8..0.9 -> random id, >= 0.9 -> keep")
    if (inputs[~chosen] != tokens[~chosen]).any():
        raise ExerciseFailure("positions not chosen keep their token", "some changed")


def test_random_ids_in_vocabulary(mod):
    _, inputs, _ = _run(mod, p=0.5)
    if inputs.min() < 0 or inputs.max() >= VOCAB or inputs.dtype.kind not in "iu":
        raise ExerciseFailure(f"integer ids in [0, {VOCAB})",
                              f"dtype {inputs.dtype}, range {inputs.min()}..{inputs.max()}",
                              "rng.integers(0, vocab_size, size=...)")


TESTS = [test_labels, test_special_tokens_are_never_chosen, test_80_10_10,
         test_random_ids_in_vocabulary]
