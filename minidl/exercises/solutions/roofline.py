"""Exercise roofline: how fast can a kernel possibly run?

A kernel that performs F floating-point operations and moves B bytes between memory and the
processor has an *arithmetic intensity* I = F / B (FLOP per byte). With a peak compute rate P
(FLOP/s) and a memory bandwidth W (bytes/s) its speed is bounded by both:

    attainable FLOP/s = min(P, I * W)

Left of the "ridge point" I = P / W a kernel is memory-bound (it waits for data), right of it
compute-bound. Write the three functions below (float32: 4 bytes per number).

- ``softmax_cost(n, d)``: a row softmax of an (n, d) array reads it once and writes it once;
  count 4 FLOP per element (subtract, exp, add to the sum, divide).
- ``matmul_cost(m, k, n)``: C (m, n) = A (m, k) @ B (k, n) does 2 m k n FLOP (a multiply and
  an add per term) and, at best, reads A and B once and writes C once.

Each cost function returns (flops, bytes). Check with:  python -m minidl.exercises check roofline
"""


def attainable_flops(intensity, peak_flops, bandwidth):
    """The roofline: min(peak, intensity * bandwidth)."""
    # BEGIN SOLUTION attainable_flops
    return min(peak_flops, intensity * bandwidth)
    # END SOLUTION


def softmax_cost(n, d, bytes_per_number=4):
    """(flops, bytes) of a row softmax of an (n, d) array, read once and written once."""
    # BEGIN SOLUTION softmax_cost
    return 4 * n * d, 2 * n * d * bytes_per_number
    # END SOLUTION


def matmul_cost(m, k, n, bytes_per_number=4):
    """(flops, bytes) of (m, k) @ (k, n): 2 m k n FLOP; A and B read once, C written once."""
    # BEGIN SOLUTION matmul_cost
    return 2 * m * k * n, (m * k + k * n + m * n) * bytes_per_number
    # END SOLUTION
