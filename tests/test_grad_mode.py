"""Grad mode: no_grad, enable_grad, set_grad_enabled, inference_mode, one mode per thread."""
import threading

import numpy as np
import pytest

import minidl as dl


def test_set_grad_enabled_as_a_function_switches_at_once():
    x = dl.ones(2, requires_grad=True)
    try:
        dl.set_grad_enabled(False)
        assert not dl.is_grad_enabled()
        assert not (x * 2).requires_grad
    finally:
        dl.set_grad_enabled(True)
    assert (x * 2).requires_grad


def test_set_grad_enabled_as_a_context_manager_restores():
    with dl.no_grad():
        with dl.set_grad_enabled(True):
            assert dl.is_grad_enabled()
        assert not dl.is_grad_enabled()
    with dl.set_grad_enabled(False):
        assert not dl.is_grad_enabled()
    assert dl.is_grad_enabled()


def test_set_grad_enabled_as_a_decorator_does_not_change_the_mode_when_applied():
    @dl.set_grad_enabled(False)
    def double(t):
        assert not dl.is_grad_enabled()
        return t * 2

    assert dl.is_grad_enabled()
    assert not double(dl.ones(2, requires_grad=True)).requires_grad
    assert dl.is_grad_enabled()


def test_inference_mode_records_nothing():
    x = dl.ones(2, requires_grad=True)
    with dl.inference_mode():
        assert not (x * 2).requires_grad
    with dl.inference_mode(False):
        assert (x * 2).requires_grad

    @dl.inference_mode()
    def f(t):
        return t * 2

    assert not f(x).requires_grad


def test_grad_mode_is_per_thread():
    # Repro of issue 11: one thread inside no_grad() broke another thread's backward.
    inside_no_grad = threading.Event()
    other_done = threading.Event()
    errors = []

    def worker_without_grad():
        with dl.no_grad():
            inside_no_grad.set()
            other_done.wait(timeout=30)

    thread = threading.Thread(target=worker_without_grad)
    thread.start()
    try:
        assert inside_no_grad.wait(timeout=30)
        assert dl.is_grad_enabled()  # this thread's mode is untouched
        x = dl.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])
    except Exception as err:  # noqa: BLE001 (re-raised after the thread is joined)
        errors.append(err)
    finally:
        other_done.set()
        thread.join()
    if errors:
        raise errors[0]


def test_a_new_thread_starts_with_grad_enabled_even_inside_no_grad():
    seen = []
    with dl.no_grad():
        thread = threading.Thread(target=lambda: seen.append(dl.is_grad_enabled()))
        thread.start()
        thread.join()
    assert seen == [True]


def test_parity_with_pytorch_set_grad_enabled():
    torch = pytest.importorskip("torch")
    for lib in (dl, torch):
        x = lib.ones(2, requires_grad=True)
        with lib.set_grad_enabled(False):
            assert not (x * 2).requires_grad
        assert (x * 2).requires_grad


def test_switches_in_one_thread_never_turn_recording_back_on_in_another():
    # Ops skip the per-thread lookup while no thread has grad off (autograd's count of such
    # threads): redundant or nested switches here must not uncount the thread below.
    inside_no_grad, switched, results = threading.Event(), threading.Event(), []

    def worker():
        with dl.no_grad():
            inside_no_grad.set()
            switched.wait(timeout=10)
            recorded = (dl.ones(2, requires_grad=True) * 2).requires_grad
            results.append((dl.is_grad_enabled(), recorded))

    thread = threading.Thread(target=worker)
    thread.start()
    inside_no_grad.wait(timeout=10)
    try:
        dl.set_grad_enabled(True)  # already on: a switch to the same mode changes nothing
        with dl.no_grad():
            assert not (dl.ones(2, requires_grad=True) * 2).requires_grad
        assert (dl.ones(2, requires_grad=True) * 2).requires_grad
    finally:
        switched.set()
        thread.join()
    assert results == [(False, False)]


def test_the_count_of_threads_with_grad_off_returns_to_zero():
    from minidl import autograd

    assert autograd._threads_with_grad_off == 0
    dl.set_grad_enabled(False)
    dl.set_grad_enabled(False)
    with dl.enable_grad(), dl.no_grad(), dl.inference_mode():
        pass
    dl.set_grad_enabled(True)

    @dl.no_grad()
    def f():
        return dl.is_grad_enabled()

    assert not f()
    thread = threading.Thread(target=f)
    thread.start()
    thread.join()
    assert autograd._threads_with_grad_off == 0
    assert dl.is_grad_enabled()
