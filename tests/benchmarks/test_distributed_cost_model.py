"""The ring all-reduce cost model of benchmarks/distributed_scaling.py (no MPI needed)."""
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from distributed_scaling import predicted_step, ring_allreduce_seconds  # noqa: E402


def test_ring_allreduce_moves_2_n_minus_1_over_n_of_the_data_and_pays_2_n_minus_1_latencies():
    assert ring_allreduce_seconds(1e9, 1, bandwidth=1e9, alpha=1e-3) == 0
    assert math.isclose(ring_allreduce_seconds(1e9, 2, bandwidth=1e9, alpha=0), 1.0)
    assert math.isclose(ring_allreduce_seconds(1e9, 4, bandwidth=1e9, alpha=0), 1.5)
    assert math.isclose(ring_allreduce_seconds(0, 4, bandwidth=1e9, alpha=1e-3), 6e-3)


def test_overlap_hides_communication_up_to_the_backward_time():
    # compute 3 s, of which backward 2 s; communication 1.5 s (N = 2, 1.5e9 bytes at 1 GB/s)
    step, efficiency, comm = predicted_step(3.0, 1.5e9, 2, bandwidth=1e9, alpha=0, overlap=1)
    assert math.isclose(comm, 1.5) and math.isclose(step, 3.0) and math.isclose(efficiency, 1)
    step, efficiency, _ = predicted_step(3.0, 1.5e9, 2, bandwidth=1e9, alpha=0, overlap=0)
    assert math.isclose(step, 4.5) and math.isclose(efficiency, 3 / 4.5)
    step, _, _ = predicted_step(3.0, 3e9, 2, bandwidth=1e9, alpha=0, overlap=1)
    assert math.isclose(step, 3.0 + 3.0 - 2.0)  # only what exceeds backward shows
