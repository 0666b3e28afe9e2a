"""DistributedDataParallel on 2 MPI ranks against one process with the whole batch."""
import pytest

pytestmark = pytest.mark.distributed


def test_ddp_on_two_ranks_matches_one_process_with_the_whole_batch(run_ranks):
    result, _ = run_ranks("ddp.py")
    assert result.returncode == 0, result.stderr
    for rank in (0, 1):
        assert f"rank {rank}: ddp ok" in result.stdout, result.stdout


@pytest.mark.cuda
def test_ddp_with_nccl_on_the_gpus(run_ranks):
    """One rank per GPU (NCCL refuses two ranks on one GPU); mpi4py starts them."""
    import cupy

    gpus = min(2, cupy.cuda.runtime.getDeviceCount())
    result, _ = run_ranks("ddp.py", "nccl", n=gpus)
    assert result.returncode == 0, result.stderr
    assert "rank 0: ddp ok" in result.stdout, result.stdout
