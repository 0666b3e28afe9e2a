"""Exercise ring_allreduce: sum one vector per rank, with every rank sending to one neighbour.

N ranks sit on a ring; rank r can only send to rank (r + 1) % N. Each rank cuts its vector into
N chunks (``np.array_split``, so the chunks may differ by one element). The ring all-reduce has
two phases of N - 1 steps each; in every step, every rank sends one chunk at the same time:

1. reduce-scatter: in step s, rank r sends chunk (r - s) % N to rank r + 1, which adds it to its
   own copy of that chunk. After N - 1 steps rank r holds the complete sum of chunk (r + 1) % N.
2. all-gather: in step s, rank r sends chunk (r + 1 - s) % N, and the receiver *replaces* its
   copy with it. After N - 1 more steps every rank holds every complete chunk.

So every rank sends 2 (N - 1) chunks of about 1/N of the vector: 2 (N - 1) / N of the data,
whatever N is. That is why the ring scales.

Write ``ring_allreduce(vectors)``. It returns ``(results, log)``: ``results[r]`` is rank r's
vector at the end (each equal to the sum of all inputs), and ``log`` has one entry per step,
the list of that step's messages as ``(sender, receiver, chunk_index)`` tuples. The messages of
one step are simultaneous: a rank sends what it held at the start of the step (so read every
payload before adding any). Leave the inputs unchanged.

Check with:  python -m minidl.exercises check ring_allreduce
"""
import numpy as np


def ring_allreduce(vectors):
    """Ring all-reduce (sum) of one 1-D vector per rank; returns (results, log)."""
    n = len(vectors)
    chunks = [np.array_split(np.array(v, dtype=np.float64), n) for v in vectors]
    log = []
    # BEGIN SOLUTION the reduce-scatter phase: N - 1 steps of "send chunk (r - s) % N, add it"
    for step in range(n - 1):
        messages = [(r, (r + 1) % n, (r - step) % n) for r in range(n)]
        payloads = [chunks[sender][index].copy() for sender, _, index in messages]
        for (_, receiver, index), payload in zip(messages, payloads):
            chunks[receiver][index] += payload
        log.append(messages)
    # END SOLUTION
    # BEGIN SOLUTION the all-gather phase: N - 1 steps of "send chunk (r + 1 - s) % N, replace"
    for step in range(n - 1):
        messages = [(r, (r + 1) % n, (r + 1 - step) % n) for r in range(n)]
        payloads = [chunks[sender][index].copy() for sender, _, index in messages]
        for (_, receiver, index), payload in zip(messages, payloads):
            chunks[receiver][index] = payload
        log.append(messages)
    # END SOLUTION
    return [np.concatenate(rank_chunks) for rank_chunks in chunks], log
