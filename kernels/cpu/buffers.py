"""Reused memory for large kernel outputs.

Fresh memory costs a page fault per page the first time it is written: the kernel is paused
while the operating system finds and zeroes a page. For an array over 32 MiB that happens on
every allocation (glibc's malloc hands such sizes straight to ``mmap`` and back to the system
when freed), and it doubled the time of a ReLU over 2^24 floats (W5: 12 ms with a fresh output,
5.9 ms writing into an existing one, on the 2-core development VM). PyTorch's CUDA allocator
keeps freed blocks for the next request; this is the same idea, kept small:

- ``empty(shape, dtype)`` returns a NumPy array like ``np.empty``; from ``LARGE_BYTES`` on, its
  memory is a cached buffer (a flat byte array) that nothing else uses, if one of that size is
  cached, else a new buffer that the cache keeps.
- A buffer is free when the cache holds the only reference to it. A NumPy view keeps a
  reference to the array that owns its memory, so while any array made from the buffer is alive
  (the output, a reshape of it, a slice a user kept), the buffer is not handed out again.
- The cache keeps at most ``CAPACITY_BYTES``; to make room it drops free buffers, and when the
  buffers in use alone fill it, the new array is an ordinary one that the cache does not keep.
"""
import math
import sys
import threading

import numpy as np

LARGE_BYTES = 32 << 20
"""Arrays from this size on use the cache: glibc reuses the memory of smaller ones by itself."""

CAPACITY_BYTES = 256 << 20
"""The most memory the cache keeps, in use or free (free buffers stay allocated until a request
needs their room, or ``clear()``)."""

_buffers = {}  # size in bytes -> [flat uint8 arrays of that size]
_lock = threading.Lock()  # kernels run on several Python threads (the attention's chunks)


def empty(shape, dtype):
    """An uninitialised array of ``shape`` and ``dtype`` (``np.empty``'s contract)."""
    dtype = np.dtype(dtype)
    size = math.prod(shape) * dtype.itemsize
    if size < LARGE_BYTES:
        return np.empty(shape, dtype)
    with _lock:
        buffer = _free_buffer(size)
        if buffer is None:
            buffer = _new_buffer(size)
        if buffer is None:
            return np.empty(shape, dtype)
        return buffer.view(dtype).reshape(shape)  # (made under the lock: it now holds buffer)


def cached_bytes():
    """Bytes the cache holds, in use or free."""
    with _lock:
        return _total_bytes()


def clear():
    """Forget every buffer (those in use stay valid: their arrays still reference them)."""
    with _lock:
        _buffers.clear()


def _total_bytes():
    return sum(size * len(buffers) for size, buffers in _buffers.items())


def _free_indices(buffers):
    """Indices of the free buffers in ``buffers``, a list of the cache's."""
    # getrefcount counts the list's reference and its own argument: 2 means nothing else holds
    # the buffer (no local variable may hold one while this runs)
    return [i for i in range(len(buffers)) if sys.getrefcount(buffers[i]) == 2]


def _free_buffer(size):
    buffers = _buffers.get(size, [])
    free = _free_indices(buffers)
    return buffers[free[0]] if free else None


def _new_buffer(size):
    """A new buffer that the cache keeps, after dropping free ones to make room; None when the
    buffers in use leave no room."""
    total = _total_bytes()
    for n, buffers in _buffers.items():
        for i in reversed(_free_indices(buffers)):
            if total + size <= CAPACITY_BYTES:
                break
            del buffers[i]
            total -= n
    if total + size > CAPACITY_BYTES:
        return None
    buffer = np.empty(size, np.uint8)
    _buffers.setdefault(size, []).append(buffer)
    return buffer
