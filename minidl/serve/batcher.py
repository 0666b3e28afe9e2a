"""Micro-batching: requests that arrive together run as one batch.

A model call on 32 examples costs far less than 32 calls on one (one matrix product instead of
32, one Python round trip through the layers). So request threads do not call the model: each
puts its examples on a queue and waits. One worker thread takes the first waiting request,
then keeps collecting until it holds ``max_batch`` requests or ``max_wait_ms`` has passed since
the first one, runs the model once on all of them and hands each request its rows. A single
worker also means the model is never called from two threads at once.

``max_batch=1`` turns batching off (each request runs alone, in arrival order).
"""
import queue
import threading
import time

import numpy as np


class _Pending:
    """One request's examples, and where its answer (or error) will be put."""

    def __init__(self, examples):
        self.examples = examples
        self.done = threading.Event()
        self.result = None
        self.error = None


class MicroBatcher:
    def __init__(self, predictor, max_batch=32, max_wait_ms=5.0):
        self.predictor = predictor
        self.max_batch = max(1, int(max_batch))
        self.max_wait = max_wait_ms / 1000
        self.queue = queue.Queue()
        self.batches = 0
        self.batched_examples = 0
        self._stopping = False
        self._worker = threading.Thread(target=self._run, name="minidl-batcher", daemon=True)
        self._worker.start()

    def predict(self, examples, timeout=60.0):
        """Run the model on ``examples`` (a batch of one or more) with whatever else is
        waiting; returns their outputs. Raises what the model raised."""
        if self._stopping:
            raise RuntimeError("the server is shutting down")
        pending = _Pending(examples)
        self.queue.put(pending)
        if not pending.done.wait(timeout):
            raise TimeoutError(f"no answer from the model within {timeout} s")
        if pending.error is not None:
            raise pending.error
        return pending.result

    def close(self):
        """Finish what is queued, then stop the worker."""
        self._stopping = True
        self.queue.put(None)
        self._worker.join()

    def _collect(self, first):
        group = [first]
        deadline = time.monotonic() + self.max_wait
        while len(group) < self.max_batch:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                item = self.queue.get(timeout=remaining)
            except queue.Empty:
                break
            if item is None:  # close(): run this group, then stop
                self.queue.put(None)
                break
            group.append(item)
        return group

    def _run(self):
        while True:
            first = self.queue.get()
            if first is None:
                return
            group = self._collect(first) if self.max_batch > 1 else [first]
            try:
                outputs = self.predictor(np.concatenate([p.examples for p in group]))
                start = 0
                for p in group:
                    p.result = outputs[start:start + len(p.examples)]
                    start += len(p.examples)
            except Exception as error:  # the requests get the error; the worker lives on
                for p in group:
                    p.error = error
            self.batches += 1
            self.batched_examples += sum(len(p.examples) for p in group)
            for p in group:
                p.done.set()
