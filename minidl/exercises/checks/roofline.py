"""Tests of the exercise roofline."""
import math

from ..framework import ExerciseFailure, expect_close


def test_roofline_both_sides(mod):
    peak, bandwidth = 1e12, 1e11  # ridge point at 10 FLOP/byte
    expect_close(mod.attainable_flops(1.0, peak, bandwidth), 1e11,
                 "memory-bound at 1 FLOP/byte: 1 * bandwidth", "min(peak, intensity * bandwidth)")
    expect_close(mod.attainable_flops(100.0, peak, bandwidth), 1e12,
                 "compute-bound at 100 FLOP/byte: the peak")


def test_softmax_cost(mod):
    flops, nbytes = mod.softmax_cost(1000, 512)
    expect_close(flops, 4 * 512_000, "4 FLOP per element")
    expect_close(nbytes, 2 * 4 * 512_000, "read once + write once, 4 bytes each",
                 "bytes = 2 * n * d * bytes_per_number")
    if not math.isclose(flops / nbytes, 0.5):
        raise ExerciseFailure("softmax's intensity is 0.5 FLOP/byte (deeply memory-bound)",
                              f"{flops / nbytes}")


def test_matmul_cost(mod):
    flops, nbytes = mod.matmul_cost(256, 512, 128)
    expect_close(flops, 2 * 256 * 512 * 128, "2 m k n FLOP", "one multiply and one add per term")
    expect_close(nbytes, 4 * (256 * 512 + 512 * 128 + 256 * 128), "(mk + kn + mn) * 4 bytes")
    big_flops, big_bytes = mod.matmul_cost(4096, 4096, 4096)
    if not big_flops / big_bytes > 600:
        raise ExerciseFailure("a 4096^3 matmul has an intensity of about 683 FLOP/byte",
                              f"{big_flops / big_bytes:.1f}")


TESTS = [test_roofline_both_sides, test_softmax_cost, test_matmul_cost]
