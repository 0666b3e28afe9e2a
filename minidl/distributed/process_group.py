"""The process group: who am I (rank), how many are we (world size), and the engine we talk through.

``init_process_group`` starts the engine once per process. The launcher (``mpiexec``) starts the
processes and tells each one, through its environment, its rank and the world size; MPI reads
them when it starts, so no address or port has to be passed by hand.

It also installs an ``excepthook``: an error that no one catches on one rank prints its traceback
and then aborts every rank of the job (``MPI_Abort``), so the job ends with that error and a
non-zero exit status instead of the other ranks waiting forever in their next collective.
"""
import datetime
import enum
import sys
import time

DEFAULT_TIMEOUT = datetime.timedelta(minutes=30)  # PyTorch's default
_BACKENDS = ("mpi", "nccl")

_group = None  # the default process group, set by init_process_group

# How Work.wait polls: flat out at first, as MPI's own blocking calls do (a collective usually
# completes within microseconds, and yielding the core costs a scheduler time slice, which
# made a 1 KiB all-reduce take 4 ms instead of 5 us on a loaded machine); then, for a long wait
# (a slow, stuck or dead rank), at intervals, leaving the core to others until the timeout.
_SPIN_SECONDS = 0.005
_POLL_INTERVAL = 2e-4


class ReduceOp(enum.Enum):
    """How ``all_reduce`` and ``reduce_scatter`` combine the ranks' values, element by element."""

    SUM = "sum"
    AVG = "avg"  # the sum divided by the world size (floating-point tensors only)
    MAX = "max"
    MIN = "min"


class _ProcessGroup:
    """The default group: every process of the job, talking through one engine."""

    def __init__(self, engine, timeout_seconds, previous_excepthook):
        self.engine = engine
        self.timeout_seconds = timeout_seconds
        self.previous_excepthook = previous_excepthook


class Work:
    """A collective in flight (``async_op=True`` returns one); ``wait()`` finishes it.

    ``test()`` asks the engine whether the data has arrived (an MPI request, a CUDA event);
    ``finish()`` runs once it has (copy back into a non-contiguous tensor, divide for AVG).
    ``wait`` polls ``test`` until the group's timeout and then raises instead of hanging.
    """

    def __init__(self, op_name, test, finish=None):
        self.op_name = op_name
        self._test = test
        self._finish = finish
        self._started = time.monotonic()
        self._done = False

    def is_completed(self):
        """True once the collective is done; also lets MPI move it along (progress)."""
        if not self._done and self._test():
            self._complete()
        return self._done

    def wait(self, timeout=None):
        """Block until done, or raise RuntimeError after ``timeout`` (default: the group's)."""
        if self._done:
            return True
        group = _default_group(self.op_name)
        limit = _seconds(timeout) if timeout is not None else group.timeout_seconds
        deadline = self._started + limit
        spin_until = time.monotonic() + _SPIN_SECONDS
        while not self._test():
            now = time.monotonic()
            if now > deadline:
                group.engine.abort_communicator()
                engine = group.engine
                raise RuntimeError(
                    f"{self.op_name}: timed out after {limit:g} s on rank {engine.rank} of "
                    f"{engine.world_size} waiting for the other ranks (one of them may have "
                    "crashed, be stuck, or be calling a different collective); the limit is "
                    "init_process_group(timeout=...)"
                )
            if now > spin_until:
                time.sleep(_POLL_INTERVAL)
        self._complete()
        return True

    def _complete(self):
        self._done = True
        if self._finish is not None:
            self._finish()


def is_available():
    """True when mpi4py (and so an MPI library) can be imported."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return True


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1):
    """Join the job: start the engine ("mpi" on CPUs, "nccl" on GPUs; default "mpi").

    Rank and world size come from the launcher's environment (``mpiexec``; a process started
    without it is a world of one); ``world_size`` and ``rank``, if given, are checked against
    them. ``timeout`` (a ``datetime.timedelta`` or
    seconds) bounds every collective; the default is 30 minutes, as in PyTorch.
    """
    global _group
    if _group is not None:
        raise RuntimeError("init_process_group: trying to initialize the default process "
                           "group twice!")
    name = (backend or "mpi").lower()
    if name not in _BACKENDS:
        raise ValueError(f"init_process_group: unknown backend {backend!r}; expected one of "
                         f"{_BACKENDS}")
    if init_method not in (None, "env://"):
        raise ValueError(f"init_process_group: init_method {init_method!r} is not supported; "
                         "the launcher's environment (env://) gives rank and world size")
    timeout_seconds = _seconds(timeout if timeout is not None else DEFAULT_TIMEOUT)
    if name == "mpi":
        from .mpi import MPIEngine as engine_class
    else:
        from .nccl import NCCLEngine as engine_class
    engine = engine_class()
    for given, actual, what in ((world_size, engine.world_size, "world_size"),
                                (rank, engine.rank, "rank")):
        if given not in (-1, None) and given != actual:
            raise ValueError(f"init_process_group: {what}={given} but the launcher started "
                             f"this process with {what} {actual}")
    _group = _ProcessGroup(engine, timeout_seconds, sys.excepthook)
    sys.excepthook = _abort_job_on_uncaught_error


def destroy_process_group(group=None):
    """Leave the job: release the engine and put the previous excepthook back."""
    global _group
    current = _default_group("destroy_process_group", group)
    current.engine.close()
    sys.excepthook = current.previous_excepthook
    _group = None


def is_initialized():
    return _group is not None


def get_rank(group=None):
    """This process's number, 0 .. world_size - 1."""
    return _default_group("get_rank", group).engine.rank


def get_world_size(group=None):
    """How many processes take part."""
    return _default_group("get_world_size", group).engine.world_size


def get_backend(group=None):
    """"mpi" or "nccl"."""
    return _default_group("get_backend", group).engine.name


def _default_group(op_name, group=None):
    if group is not None:
        raise ValueError(f"{op_name}: only the default group (group=None) is supported")
    if _group is None:
        raise RuntimeError(f"{op_name}: the default process group has not been initialized; "
                           "call minidl.distributed.init_process_group() first")
    return _group


def _seconds(timeout):
    seconds = timeout.total_seconds() if isinstance(timeout, datetime.timedelta) else timeout
    if not isinstance(seconds, (int, float)) or seconds <= 0:
        raise ValueError(f"timeout must be a positive timedelta or number of seconds, "
                         f"got {timeout!r}")
    return float(seconds)


def _abort_job_on_uncaught_error(kind, value, traceback):
    """sys.excepthook while a group exists: print the error as usual, then end every rank."""
    group = _group
    (group.previous_excepthook if group else sys.__excepthook__)(kind, value, traceback)
    if group is not None:
        print(f"minidl.distributed: rank {group.engine.rank} raised {kind.__name__}; "
              "aborting every rank of the job", file=sys.stderr)
        sys.stderr.flush()
        sys.stdout.flush()
        group.engine.abort_job(1)
