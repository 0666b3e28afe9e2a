"""The MPI engine: collectives on NumPy arrays through mpi4py, as nonblocking requests.

mpi4py passes a NumPy array to MPI through the buffer protocol (no copy, no pickling): the
array's memory, element count and dtype become MPI's (buffer, count, datatype). Every collective
is started nonblocking (``Iallreduce``, ``Ibcast``...) and returns a ``test`` function; the
caller's ``Work.wait`` polls it against a deadline, which is how a collective can time out.
"""
_INSTALL_HINT = ("the mpi backend needs mpi4py and an MPI library; "
                 "pip install 'minidl[distributed]' installs both (mpi4py and the mpich wheel)")


def _import_mpi():
    try:
        from mpi4py import MPI
    except ImportError as err:
        raise RuntimeError(f"init_process_group: {_INSTALL_HINT} ({err})") from None
    return MPI


class MPIEngine:
    name = "mpi"
    device = "cpu"

    def __init__(self):
        MPI = _import_mpi()
        self._MPI = MPI
        # A communicator of our own, so that our collectives never match a user's own MPI calls.
        self.comm = MPI.COMM_WORLD.Dup()
        self.rank = self.comm.Get_rank()
        self.world_size = self.comm.Get_size()
        self._ops = {"sum": MPI.SUM, "max": MPI.MAX, "min": MPI.MIN}

    def all_reduce(self, buffer, op):
        """Combine ``buffer`` over the ranks with ``op`` ("sum", "max", "min"), in place."""
        request = self.comm.Iallreduce(self._MPI.IN_PLACE, buffer, op=self._ops[op])
        return request.Test

    def broadcast(self, buffer, src):
        """Overwrite ``buffer`` on every rank with rank ``src``'s."""
        return self.comm.Ibcast(buffer, root=src).Test

    def all_gather(self, send, receive):
        """``receive[r] = send`` of rank r, for every r (``receive`` has a leading world axis)."""
        return self.comm.Iallgather(send, receive).Test

    def reduce_scatter(self, send, receive, op):
        """``receive`` = op over the ranks of ``send[rank]`` (``send`` has a leading world axis)."""
        return self.comm.Ireduce_scatter_block(send, receive, op=self._ops[op]).Test

    def barrier(self):
        return self.comm.Ibarrier().Test

    def abort_communicator(self):
        """After a timeout nothing can be cancelled safely in MPI; the caller raises."""

    def abort_job(self, exit_code):
        """End every process of the job (MPI_Abort); does not return."""
        self.comm.Abort(exit_code)

    def close(self):
        self.comm.Free()
