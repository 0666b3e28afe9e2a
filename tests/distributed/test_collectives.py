"""Collectives on 2 MPI ranks; a crashing rank and a stuck collective end the job."""
import pytest

import minidl as dl
import minidl.distributed as dist

pytestmark = pytest.mark.distributed


def test_collectives_match_numpy_for_every_dtype_shape_and_op(run_ranks):
    result, _ = run_ranks("collectives.py")
    assert result.returncode == 0, result.stderr
    assert "rank 0: collectives ok" in result.stdout and "rank 1: collectives ok" in result.stdout


def test_a_rank_that_raises_ends_the_job_with_its_error(run_ranks):
    result, seconds = run_ranks("crash.py", timeout=60)
    assert result.returncode != 0
    assert "ValueError: rank 1 failed on purpose" in result.stderr
    assert "must never print" not in result.stdout


def test_a_collective_that_waits_too_long_times_out(run_ranks):
    result, seconds = run_ranks("timeout.py", 1.5, timeout=50)
    assert result.returncode != 0
    assert "all_reduce: timed out after 1.5 s on rank 0 of 2" in result.stderr
    assert seconds < 45  # rank 1 sleeps 60 s: the job ended without it


def test_calls_before_init_process_group_raise():
    assert not dist.is_initialized()
    with pytest.raises(RuntimeError, match="init_process_group"):
        dist.get_rank()
    with pytest.raises(RuntimeError, match="init_process_group"):
        dist.all_reduce(dl.ones(2))


def test_unknown_backend_and_bad_timeout_are_rejected():
    with pytest.raises(ValueError, match="unknown backend 'gloo'"):
        dist.init_process_group("gloo")
    with pytest.raises(ValueError, match="timeout"):
        dist.init_process_group("mpi", timeout=-1)
    assert not dist.is_initialized()


@pytest.mark.cuda
def test_nccl_collectives_on_the_gpus(run_ranks):
    """One rank per GPU (NCCL refuses two ranks on one GPU); needs mpi4py for the start-up."""
    import cupy

    gpus = min(2, cupy.cuda.runtime.getDeviceCount())
    result, _ = run_ranks("collectives.py", "nccl", n=gpus)
    assert result.returncode == 0, result.stderr
    assert "rank 0: collectives ok" in result.stdout
