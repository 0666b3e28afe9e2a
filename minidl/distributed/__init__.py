"""minidl.distributed: many processes training one model, each on its share of the data.

PyTorch's names (``torch.distributed``) over two real engines:

- ``backend="mpi"``: MPI through mpi4py, on NumPy arrays (CPU tensors). Launch with
  ``mpiexec -n 4 python train.py``; MPI tells each process its rank and the world size.
- ``backend="nccl"``: NVIDIA's NCCL through CuPy, on CUDA tensors (one GPU per process),
  started by the same ``mpiexec``, which also hands NCCL its connection id.

::

    import minidl.distributed as dist
    dist.init_process_group("mpi")
    grad = dl.ones(3) * dist.get_rank()
    dist.all_reduce(grad, op=dist.ReduceOp.AVG)   # in place: the mean over all ranks

Every collective is called by every rank, in the same order, and changes its tensors in place.
A collective that waits longer than ``timeout`` (given to ``init_process_group``) raises an
error instead of hanging, and an uncaught error on any rank ends the whole job (MPI_Abort).
"""
from .collectives import all_gather, all_reduce, barrier, broadcast, reduce_scatter
from .process_group import (
    ReduceOp,
    Work,
    destroy_process_group,
    get_backend,
    get_rank,
    get_world_size,
    init_process_group,
    is_available,
    is_initialized,
)

__all__ = [
    "ReduceOp", "Work", "all_gather", "all_reduce", "barrier", "broadcast",
    "destroy_process_group", "get_backend", "get_rank", "get_world_size",
    "init_process_group", "is_available", "is_initialized", "reduce_scatter",
]
