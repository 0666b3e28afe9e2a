"""Rank 1 never joins rank 0's all_reduce: rank 0's collective must time out with a clear error."""
import sys
import time

import minidl as dl
import minidl.distributed as dist

dist.init_process_group("mpi", timeout=float(sys.argv[1]))
if dist.get_rank() == 0:
    dist.all_reduce(dl.ones(3))
else:
    time.sleep(60)
