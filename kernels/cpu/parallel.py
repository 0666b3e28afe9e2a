"""Serial below a grain size, parallel above it: one Python loop, compiled twice.

A ``prange`` loop under ``@njit(parallel=True)`` hands its iterations to Numba's worker threads.
Waking them and waiting for the slowest costs a few microseconds on an idle machine, and far
more on a busy one, where a worker waits for a core that another process or OpenBLAS's threads
(NumPy's matmul) are holding: on this 2-core machine, with other processes running, a
64-128-64-10 MLP training step took 16-200 ms with every kernel parallel against 0.2-0.4 ms with
every kernel serial. Small arrays (a batch of 64 x 128 activations, a 10-class cross-entropy,
Adam on a 64 x 10 weight) do less work than one launch costs.

So each kernel is written once, as a Python function with ``prange`` loops, and compiled twice:
``njit(cache=True)``, where ``prange`` runs as a plain ``range``, and ``njit(parallel=True,
cache=True)``. The wrapper picks one by the amount of work (``Kernel.pick``). Each variant
compiles on its first call only and is cached on disk under its own name (the parallel one's
qualified name ends in ``_parallel``; Numba's cache key ignores the ``parallel`` flag, so two
dispatchers of the very same function would load each other's machine code).

Above the grain the launch still pays that wait on a busy machine. The threads are Numba's
"workqueue" layer (chosen in ``__init__.py``), which sleep while idle: GNU OpenMP's, Numba's
default here, spin, and a spinning thread can hold the core that the thread it waits for
needs, until the next scheduler tick (4 ms).

Both variants use ``error_model="numpy"``: a float division by zero gives inf or NaN, as in
NumPy, instead of raising ZeroDivisionError. Python's model puts a branch that can raise after
every division, and a loop that can stop early is one that LLVM does not vectorise: it made the
serial sigmoid and Adam loops 4-8x slower. (Numba's parallel loop bodies use NumPy's model anyway.)

One parallel launch at a time: the workqueue layer stops the whole process ("Concurrent access
has been detected") when two Python threads launch parallel loops at once. So a parallel launch
first takes ``_pool_lock`` without waiting; a thread that finds the pool busy runs the serial
variant instead (same results, and no thread ever waits for another's kernel).
"""

import os
import threading
import types

import numba
from numba import njit

from .threads import get_num_threads

PARALLEL_GRAIN = 1 << 21
"""Work below which a kernel runs serially, in elements of ReLU's forward (the cheapest loop,
0.28 ns an element serially, allocation included); a kernel whose ``cost`` is c times ReLU's runs
in parallel from ``PARALLEL_GRAIN / c`` elements. What sets it is the cost of a parallel launch
on the workqueue layer: its threads sleep between launches, and waking them took about 125 us
on this 2-core VM (medians; OpenMP with spinning threads: 1 us, with sleeping ones: 50 us). Two
threads save half the serial time minus that, so a launch pays from about 3 x 125 us of serial
work: ReLU on 2^21 elements (0.6 ms serial) runs 1.4x faster in parallel, on 2^20 it breaks
even. A machine whose threads wake faster would gain from a smaller grain. Tests set it to 0 to
run every kernel's parallel variant on small inputs, and to ``sys.maxsize`` to run the serial
one on large inputs."""


class Kernel:
    """A kernel loop compiled twice: ``serial`` and ``parallel`` (each compiles on first call)."""

    def __init__(self, function, cost, reassociate=False):
        options = dict(cache=True, error_model="numpy")
        if reassociate:
            options["fastmath"] = {"reassoc"}
        self.serial = njit(**options)(function)
        self.parallel = njit(parallel=True, **options)(_renamed(function))
        self.cost = cost

    def pick(self, work):
        """The variant to run for ``work`` elements: parallel from PARALLEL_GRAIN / cost on."""
        return self._parallel_if_free if work * self.cost >= PARALLEL_GRAIN else self.serial

    def _parallel_if_free(self, *args):
        """The parallel variant, or the serial one while another thread holds the pool."""
        if not _pool_lock.acquire(blocking=False):
            return self.serial(*args)
        try:
            numba.set_num_threads(get_num_threads())  # Numba's count is per Python thread
            return self.parallel(*args)
        finally:
            _pool_lock.release()


_pool_lock = threading.Lock()
"""Held by the thread whose parallel loop runs on Numba's (single) pool of worker threads."""


def _new_pool_lock():
    """A forked child has one thread: a lock that another thread held at the fork stays free."""
    global _pool_lock
    _pool_lock = threading.Lock()


os.register_at_fork(after_in_child=_new_pool_lock)


def serial_and_parallel(cost, reassociate=False):
    """Decorator: compile a kernel loop twice (a ``Kernel``); ``cost`` is its work per element
    relative to ReLU's, which sets its grain (PARALLEL_GRAIN / cost elements).
    ``reassociate=True`` lets LLVM add in any order (fastmath "reassoc"), which it needs to
    vectorise a sum: several partial sums at once instead of one after the other."""
    return lambda function: Kernel(function, cost, reassociate)


def _renamed(function):
    """A copy of function whose qualified name ends in ``_parallel`` (its own cache file)."""
    twin = types.FunctionType(function.__code__, function.__globals__, function.__name__,
                              function.__defaults__, function.__closure__)
    twin.__qualname__ = function.__qualname__ + "_parallel"
    twin.__doc__ = function.__doc__
    return twin
