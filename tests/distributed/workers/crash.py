"""Rank 1 raises before a barrier that rank 0 waits in: the job must end, not hang."""
import minidl.distributed as dist

dist.init_process_group("mpi")
if dist.get_rank() == 1:
    raise ValueError("rank 1 failed on purpose")
dist.barrier()
print("rank 0 passed the barrier: this must never print")
