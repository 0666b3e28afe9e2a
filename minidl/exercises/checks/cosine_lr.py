"""Tests of the exercise cosine_lr."""
import math

from ..framework import ExerciseFailure, expect_close


def test_endpoints(mod):
    expect_close(mod.cosine_lr(0, 0.1, 10), 0.1, "lr(0) = base_lr")
    expect_close(mod.cosine_lr(10, 0.1, 10), 0.0, "lr(T_max) = eta_min = 0", atol=1e-12,
                 hint="half a cosine: cos(pi * t / T_max) goes from 1 to -1")


def test_midpoint_and_eta_min(mod):
    expect_close(mod.cosine_lr(5, 0.1, 10, eta_min=0.02), 0.06, "halfway between 0.1 and 0.02",
                 "lr = eta_min + (base_lr - eta_min) * (1 + cos(pi t / T_max)) / 2")
    expect_close(mod.cosine_lr(10, 0.1, 10, eta_min=0.02), 0.02, "lr(T_max) = eta_min")


def test_whole_curve(mod):
    for t in range(0, 21):
        want = 0.001 + (0.5 - 0.001) * (1 + math.cos(math.pi * t / 20)) / 2
        got = mod.cosine_lr(t, 0.5, 20, eta_min=0.001)
        if got is None or not math.isclose(got, want, rel_tol=1e-9):
            raise ExerciseFailure(f"lr({t}) = {want:.6g} (base 0.5, T_max 20, eta_min 0.001)",
                                  f"{got}")


TESTS = [test_endpoints, test_midpoint_and_eta_min, test_whole_curve]
