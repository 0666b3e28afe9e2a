"""The CPU kernels' cache of large output buffers (kernels/cpu/buffers.py): an array handed out
is never handed out again while any view of its memory is alive, and the cache stays in its
capacity. Sizes are shrunk with monkeypatch so that the tests stay small."""
import threading

import numpy as np
import pytest

from minidl.kernels.cpu import buffers

LARGE = 4096  # bytes, for these tests


@pytest.fixture(autouse=True)
def small_cache(monkeypatch):
    monkeypatch.setattr(buffers, "LARGE_BYTES", LARGE)
    monkeypatch.setattr(buffers, "CAPACITY_BYTES", 4 * LARGE)
    buffers.clear()
    yield
    buffers.clear()


def address(array):
    return array.__array_interface__["data"][0]


def test_small_arrays_are_plain_and_uncached():
    small = buffers.empty((LARGE // 8 - 1,), np.float64)
    assert small.shape == (LARGE // 8 - 1,) and small.dtype == np.float64
    assert buffers.cached_bytes() == 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_large_arrays_have_the_asked_shape_and_dtype(dtype):
    shape = (4, LARGE // np.dtype(dtype).itemsize)
    array = buffers.empty(shape, dtype)
    assert array.shape == shape and array.dtype == dtype
    assert array.flags.c_contiguous and array.flags.writeable
    array[...] = 7
    assert np.all(array == 7)
    assert buffers.cached_bytes() == array.nbytes


def test_a_free_buffer_is_reused():
    first = buffers.empty((LARGE,), np.uint8)
    where = address(first)
    del first
    assert address(buffers.empty((LARGE,), np.uint8)) == where
    assert buffers.cached_bytes() == LARGE


def test_memory_in_use_is_never_handed_out_again():
    first = buffers.empty((LARGE,), np.uint8)
    first[...] = 1
    kept_view = first[10:20].reshape(2, 5)  # a view outlives the array it was taken from
    del first
    second = buffers.empty((LARGE,), np.uint8)
    second[...] = 2
    assert np.all(kept_view == 1)
    del kept_view
    third = buffers.empty((LARGE,), np.uint8)
    assert address(third) != address(second)


def test_the_cache_stays_within_its_capacity():
    alive = [buffers.empty((LARGE,), np.uint8) for _ in range(4)]  # the capacity, all in use
    beyond = buffers.empty((LARGE,), np.uint8)  # no room: an ordinary, uncached array
    assert beyond.shape == (LARGE,)
    assert buffers.cached_bytes() == 4 * LARGE
    alive.clear()  # all free now: a larger request drops free buffers to make room
    big = buffers.empty((2 * LARGE,), np.uint8)
    assert buffers.cached_bytes() <= 4 * LARGE
    assert big.shape == (2 * LARGE,)


def test_threads_get_distinct_memory():
    results, start = [], threading.Barrier(4)

    def take(value):
        start.wait()
        for _ in range(50):
            array = buffers.empty((LARGE,), np.uint8)
            array[...] = value
            assert np.all(array == value)  # nobody else wrote into it meanwhile
            del array
        results.append(value)

    threads = [threading.Thread(target=take, args=(v,)) for v in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [0, 1, 2, 3]


def test_activation_outputs_from_the_cache_stay_intact():
    """Kept outputs are not overwritten by later calls; freed ones are reused."""
    from minidl.kernels import cpu, reference

    rng = np.random.default_rng(0)
    inputs = [rng.standard_normal((8, LARGE // 16)).astype(np.float32) for _ in range(3)]
    kept = [cpu.relu_forward(x) for x in inputs]
    for _ in range(3):  # temporaries, freed at once
        cpu.tanh_backward(cpu.tanh_forward(inputs[0]), inputs[1])
    for x, y in zip(inputs, kept):
        np.testing.assert_array_equal(y, reference.relu_forward(x))
    assert buffers.cached_bytes() <= buffers.CAPACITY_BYTES
