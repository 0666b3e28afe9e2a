"""The collectives. Every rank calls the same collective, in the same order, with tensors of the
same shape and dtype; each changes its tensors in place, as in PyTorch.

With 3 ranks holding ``a``, ``b`` and ``c``::

    all_reduce(t, SUM)            every rank: a + b + c        (AVG: (a + b + c) / 3)
    broadcast(t, src=1)           every rank: b
    all_gather(out, t)            every rank: out = [a, b, c]
    reduce_scatter(t, [x0,x1,x2]) rank r: the sum over ranks of their x_r

The engine (MPI or NCCL) works on contiguous arrays; a non-contiguous tensor is copied into one
and the result copied back. With ``async_op=True`` a collective returns a ``Work`` at once and
the tensors hold the result after ``work.wait()``; otherwise it returns None when done.
"""
from ..tensor import Tensor
from .process_group import ReduceOp, Work, _default_group

SUPPORTED_DTYPES = ("float16", "float32", "float64", "int64")
_ENGINE_OPS = {ReduceOp.SUM: "sum", ReduceOp.AVG: "sum", ReduceOp.MAX: "max",
               ReduceOp.MIN: "min"}


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Replace ``tensor`` on every rank by ``op`` over all ranks' ``tensor``, element by element."""
    engine = _engine("all_reduce", group)
    _check_tensor("all_reduce", tensor, engine)
    _check_op("all_reduce", op, tensor)
    buffer, copy_back = _contiguous(tensor)
    test = engine.all_reduce(buffer, _ENGINE_OPS[op])
    return _start("all_reduce", test, _finish_reduction(buffer, op, engine, copy_back), async_op)


def broadcast(tensor, src, group=None, async_op=False):
    """Replace ``tensor`` on every rank by rank ``src``'s ``tensor``."""
    engine = _engine("broadcast", group)
    _check_tensor("broadcast", tensor, engine)
    if not (isinstance(src, int) and 0 <= src < engine.world_size):
        raise ValueError(f"broadcast: src must be a rank in 0..{engine.world_size - 1}, "
                         f"got {src!r}")
    buffer, copy_back = _contiguous(tensor)
    return _start("broadcast", engine.broadcast(buffer, src), copy_back, async_op)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Fill ``tensor_list[r]`` on every rank with rank r's ``tensor`` (one entry per rank)."""
    engine = _engine("all_gather", group)
    _check_tensor("all_gather", tensor, engine)
    _check_list("all_gather", "tensor_list", tensor_list, tensor, engine)
    send, _ = _contiguous(tensor)
    receive = tensor._backend.xp.empty((engine.world_size,) + tensor.shape, dtype=tensor.dtype)

    def scatter_into_list():
        for target, gathered in zip(tensor_list, receive):
            target._data[...] = gathered

    return _start("all_gather", engine.all_gather(send, receive), scatter_into_list, async_op)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """Set ``output`` on rank r to ``op`` over all ranks of their ``input_list[r]``."""
    engine = _engine("reduce_scatter", group)
    _check_tensor("reduce_scatter", output, engine)
    _check_list("reduce_scatter", "input_list", input_list, output, engine)
    _check_op("reduce_scatter", op, output)
    send = output._backend.xp.stack([t._data for t in input_list])
    receive, copy_back = _contiguous(output)
    test = engine.reduce_scatter(send, receive, _ENGINE_OPS[op])
    return _start("reduce_scatter", test, _finish_reduction(receive, op, engine, copy_back),
                  async_op)


def barrier(group=None, async_op=False):
    """Return only when every rank has called ``barrier``."""
    return _start("barrier", _engine("barrier", group).barrier(), None, async_op)


def _engine(op_name, group):
    return _default_group(op_name, group).engine


def _start(op_name, test, finish, async_op):
    work = Work(op_name, test, finish)
    if async_op:
        return work
    work.wait()
    return None


def _contiguous(tensor):
    """(a C-contiguous array holding the tensor's data, a function that writes it back or None)."""
    data = tensor._data
    if data.flags.c_contiguous:
        return data, None
    buffer = tensor._backend.xp.ascontiguousarray(data)

    def copy_back():
        data[...] = buffer

    return buffer, copy_back


def _finish_reduction(buffer, op, engine, copy_back):
    """What is left after the engine's reduction: AVG divides the sum; then copy back."""
    if op is not ReduceOp.AVG and copy_back is None:
        return None

    def finish():
        if op is ReduceOp.AVG:
            buffer[...] /= engine.world_size
        if copy_back is not None:
            copy_back()

    return finish


def _check_tensor(op_name, tensor, engine):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{op_name}: expected a Tensor, got {type(tensor).__name__}")
    if tensor.dtype.name not in SUPPORTED_DTYPES:
        raise TypeError(f"{op_name}: dtype {tensor.dtype} is not supported; expected one of "
                        f"{', '.join(SUPPORTED_DTYPES)}")
    if tensor.device != engine.device:
        raise RuntimeError(f"{op_name}: the {engine.name} backend works on {engine.device} "
                           f"tensors, got a tensor on {tensor.device}")


def _check_list(op_name, list_name, tensors, like, engine):
    if not isinstance(tensors, (list, tuple)) or len(tensors) != engine.world_size:
        got = len(tensors) if isinstance(tensors, (list, tuple)) else type(tensors).__name__
        raise ValueError(f"{op_name}: {list_name} must hold one tensor per rank "
                         f"({engine.world_size}), got {got}")
    for position, t in enumerate(tensors):
        _check_tensor(op_name, t, engine)
        if t.shape != like.shape or t.dtype != like.dtype:
            raise ValueError(f"{op_name}: {list_name}[{position}] has shape {t.shape} and dtype "
                             f"{t.dtype}, expected {like.shape} and {like.dtype}")


def _check_op(op_name, op, tensor):
    if not isinstance(op, ReduceOp):
        raise TypeError(f"{op_name}: op must be a ReduceOp (SUM, AVG, MAX, MIN), got {op!r}")
    if op is ReduceOp.AVG and tensor.dtype.kind != "f":
        raise TypeError(f"{op_name}: ReduceOp.AVG needs a floating-point tensor, "
                        f"got {tensor.dtype}")
