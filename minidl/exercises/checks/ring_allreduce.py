"""Tests of the exercise ring_allreduce."""
import numpy as np

from ..framework import ExerciseFailure, expect_close


def _inputs(n, length, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(length) for _ in range(n)]


def test_every_rank_ends_with_the_sum(mod):
    for n, length in ((2, 6), (4, 10), (5, 3), (3, 1)):
        vectors = _inputs(n, length)
        results, _ = mod.ring_allreduce(vectors)
        if len(results) != n:
            raise ExerciseFailure(f"one result per rank ({n})", f"{len(results)}")
        for rank, result in enumerate(results):
            expect_close(result, np.sum(vectors, axis=0),
                         f"rank {rank} of {n} (vector length {length}): the sum of all inputs",
                         "reduce-scatter adds the received chunk; all-gather replaces it")


def test_messages_go_round_the_ring(mod):
    n = 4
    _, log = mod.ring_allreduce(_inputs(n, 8))
    if len(log) != 2 * (n - 1):
        raise ExerciseFailure(f"2 (N - 1) = {2 * (n - 1)} steps for N = {n}", f"{len(log)} steps",
                              "N - 1 reduce-scatter steps, then N - 1 all-gather steps")
    for step, messages in enumerate(log):
        senders = sorted(sender for sender, _, _ in messages)
        if senders != list(range(n)):
            raise ExerciseFailure(f"step {step}: every rank sends exactly one chunk",
                                  f"senders {senders}")
        for sender, receiver, index in messages:
            if receiver != (sender + 1) % n or not 0 <= index < n:
                raise ExerciseFailure(f"step {step}: rank {sender} sends one of its {n} chunks "
                                      f"to rank {(sender + 1) % n}",
                                      f"to rank {receiver}, chunk {index}")


def test_one_rank_sends_nothing_and_inputs_stay_unchanged(mod):
    vectors = _inputs(3, 5)
    copies = [v.copy() for v in vectors]
    mod.ring_allreduce(vectors)
    for v, c in zip(vectors, copies):
        if not np.array_equal(v, c):
            raise ExerciseFailure("the input vectors unchanged", "they were modified",
                                  "work on copies (np.array_split of a copy)")
    results, log = mod.ring_allreduce([np.arange(4.0)])
    expect_close(results[0], np.arange(4.0), "with one rank, its own vector")
    if log:
        raise ExerciseFailure("no messages with one rank", f"{len(log)} steps")


TESTS = [test_every_rank_ends_with_the_sum, test_messages_go_round_the_ring,
         test_one_rank_sends_nothing_and_inputs_stay_unchanged]
