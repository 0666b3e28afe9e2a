"""The NCCL engine: collectives on CUDA (CuPy) arrays through ``cupy.cuda.nccl``.

The processes are started by ``mpiexec`` as for the MPI engine, and MPI does two jobs here that
NCCL cannot do alone: it tells each process its rank (and which GPU of its machine to use: its
rank among the processes on that machine), and it carries rank 0's NCCL id to the others.

NCCL runs collectives on a CUDA stream of its own. Each collective first waits (on the GPU) for
the work queued so far on the current stream, which produced the data; when it is done, a CUDA
event is recorded, which ``test`` queries without blocking, so that ``Work.wait`` can time out;
and the current stream then waits for that event before using the result.

Run on one H200 with one rank (tests/distributed: every collective and DDP, CuPy 14.2); a job of
several GPUs has not been run yet (no machine with more than one was available).
"""
from .mpi import _import_mpi


class NCCLEngine:
    name = "nccl"
    device = "cuda"

    def __init__(self):
        MPI = _import_mpi()
        try:
            import cupy
            from cupy.cuda import nccl
        except ImportError as err:
            raise RuntimeError("init_process_group: the nccl backend needs CuPy with NCCL "
                               f"(pip install 'minidl[cuda12]' or '[cuda13]'): {err}") from None
        self._cupy, self._nccl = cupy, nccl
        world = MPI.COMM_WORLD
        self.rank, self.world_size = world.Get_rank(), world.Get_size()
        on_this_machine = world.Split_type(MPI.COMM_TYPE_SHARED)
        local_rank = on_this_machine.Get_rank()
        on_this_machine.Free()
        cupy.cuda.Device(local_rank % cupy.cuda.runtime.getDeviceCount()).use()
        unique_id = world.bcast(nccl.get_unique_id() if self.rank == 0 else None, root=0)
        self.comm = nccl.NcclCommunicator(self.world_size, unique_id, self.rank)
        self.stream = cupy.cuda.Stream(non_blocking=True)
        self._ops = {"sum": nccl.NCCL_SUM, "max": nccl.NCCL_MAX, "min": nccl.NCCL_MIN}
        self._types = {"float16": nccl.NCCL_FLOAT16, "float32": nccl.NCCL_FLOAT32,
                       "float64": nccl.NCCL_FLOAT64, "int64": nccl.NCCL_INT64}

    def _run(self, launch, *arrays):
        """Run ``launch(stream_pointer)`` on our stream after the current stream's work; the
        returned test keeps ``arrays`` alive until then (CuPy would otherwise reuse them)."""
        cupy = self._cupy
        current = cupy.cuda.get_current_stream()
        self.stream.wait_event(current.record())
        launch(self.stream.ptr)
        done = self.stream.record()
        current.wait_event(done)  # later work on the current stream sees the result

        def finished():
            return done.done  # True once the GPU has run the collective

        finished.keep_alive = arrays
        return finished

    def all_reduce(self, buffer, op):
        kind = self._types[buffer.dtype.name]
        return self._run(lambda stream: self.comm.allReduce(
            buffer.data.ptr, buffer.data.ptr, buffer.size, kind, self._ops[op], stream), buffer)

    def broadcast(self, buffer, src):
        kind = self._types[buffer.dtype.name]
        return self._run(lambda stream: self.comm.broadcast(
            buffer.data.ptr, buffer.data.ptr, buffer.size, kind, src, stream), buffer)

    def all_gather(self, send, receive):
        kind = self._types[send.dtype.name]
        return self._run(lambda stream: self.comm.allGather(
            send.data.ptr, receive.data.ptr, send.size, kind, stream), send, receive)

    def reduce_scatter(self, send, receive, op):
        kind = self._types[send.dtype.name]
        return self._run(lambda stream: self.comm.reduceScatter(
            send.data.ptr, receive.data.ptr, receive.size, kind, self._ops[op], stream),
            send, receive)

    def barrier(self):
        token = self._cupy.zeros(1, dtype="float32")
        return self.all_reduce(token, "sum")

    def abort_communicator(self):
        """After a timeout, free the GPU from the stuck collective (ncclCommAbort)."""
        self.comm.abort()

    def abort_job(self, exit_code):
        _import_mpi().COMM_WORLD.Abort(exit_code)

    def close(self):
        self.comm.destroy()
