"""Synthetic sequence-to-sequence tasks with one output token per input token.

Each task draws random sequences of symbols 0..num_symbols-1 and a target of the same length:

- copy:    target = input                  (attention can look at its own position)
- reverse: target[i] = input[L - 1 - i]    (attention must look at the mirrored position)
- sort:    target = sorted(input)          (position i must count how many symbols are smaller)

Returned as NumPy int64 arrays (inputs, targets), both (num_sequences, length).
"""
import numpy as np

_TARGETS = {
    "copy": lambda x: x.copy(),
    "reverse": lambda x: x[:, ::-1].copy(),
    "sort": lambda x: np.sort(x, axis=1),
}


def make_sequence_task(task, num_sequences, length, num_symbols=10, seed=0):
    """(inputs, targets) for ``task`` in "copy", "reverse", "sort"."""
    if task not in _TARGETS:
        raise ValueError(
            f"make_sequence_task: task must be one of {sorted(_TARGETS)}, got {task!r}"
        )
    rng = np.random.default_rng(seed)
    inputs = rng.integers(0, num_symbols, size=(num_sequences, length), dtype=np.int64)
    return inputs, _TARGETS[task](inputs)


def make_copy_task(num_sequences, length, num_symbols=10, seed=0):
    return make_sequence_task("copy", num_sequences, length, num_symbols, seed)


def make_reverse_task(num_sequences, length, num_symbols=10, seed=0):
    return make_sequence_task("reverse", num_sequences, length, num_symbols, seed)


def make_sort_task(num_sequences, length, num_symbols=10, seed=0):
    return make_sequence_task("sort", num_sequences, length, num_symbols, seed)
