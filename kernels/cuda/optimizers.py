"""Multi-tensor SGD (with momentum) and Adam/AdamW steps: optimizers.cu.

NumPy twins: sgd_step, adam_step in kernels/reference.py, which loop over the parameters in
Python. Here one kernel launch updates every parameter of the list (per dtype), fusing weight
decay, the moment updates and the parameter update into one read and one write of each array.
The kernel finds the arrays through device tables of their addresses; building those tables is
a host-to-device copy, so they are cached, keyed on the addresses they hold.
"""
import cupy
import numpy

from ._runtime import NULL, c_type, contiguous, get_kernel

_NAMES = tuple(f"{step}<{ctype}>" for step in ("sgd_step", "adam_step") for ctype in ("float", "double"))
_CHUNK_SIZE = 2048  # elements per thread block
_THREADS = 256
_TABLE_CACHE_SIZE = 16


class _TensorListTable:
    """The device-side description of parallel lists of arrays (params, grads, state ...).

    pointers[k][t] is the address of array t of list k; tensor t is cut into chunks of
    _CHUNK_SIZE elements, and thread block c updates elements [chunk_start[c], chunk_start[c] +
    _CHUNK_SIZE) of tensor chunk_tensor[c].
    """

    def __init__(self, lists):
        sizes = [a.size for a in lists[0]]
        addresses = numpy.array([[a.data.ptr for a in arrays] for arrays in lists], dtype=numpy.uint64)
        self.pointers = list(cupy.asarray(addresses))
        self.sizes = cupy.asarray(numpy.array(sizes, dtype=numpy.int64))
        chunk_tensor, chunk_start = [], []
        for t, size in enumerate(sizes):
            for start in range(0, size, _CHUNK_SIZE):
                chunk_tensor.append(t)
                chunk_start.append(start)
        self.num_chunks = len(chunk_tensor)
        self.chunk_tensor = cupy.asarray(numpy.array(chunk_tensor, dtype=numpy.int32))
        self.chunk_start = cupy.asarray(numpy.array(chunk_start, dtype=numpy.int64))


_tables = {}


def _table(lists):
    """The (cached) table of `lists`. Keyed on the addresses themselves, so a hit is always right,
    even when memory was freed and reused: the table holds exactly the addresses of the arrays."""
    key = (len(lists),) + tuple((a.data.ptr, a.size) for arrays in lists for a in arrays)
    table = _tables.get(key)
    if table is None:
        if len(_tables) >= _TABLE_CACHE_SIZE:
            _tables.pop(next(iter(_tables)))  # forget the oldest
        table = _tables[key] = _TensorListTable(lists)
    return table


def _by_dtype(params):
    """Indices of params grouped by dtype: one launch per group (usually just one)."""
    groups = {}
    for index, param in enumerate(params):
        groups.setdefault(param.dtype, []).append(index)
    return groups.items()


def _launch(name, dtype, indices, lists, scalars):
    """Run name<T> on entries `indices` of parallel lists of arrays, in the kernel's order.

    lists[1] holds the gradients, which are only read; the kernel updates the other lists in
    place (a None list is passed as a null table). An array that is not contiguous is updated
    through a contiguous copy, written back afterwards.
    """
    pointer_args, present, write_backs = [], [], []
    for position, arrays in enumerate(lists):
        if arrays is None:
            pointer_args.append(NULL)
            continue
        pointer_args.append(None)  # filled from the table below
        selected = [arrays[i] for i in indices]
        if position == 1:
            present.append([contiguous(a, dtype) for a in selected])
            continue
        work = [a if a.flags.c_contiguous else cupy.ascontiguousarray(a) for a in selected]
        write_backs += [(a, w) for a, w in zip(selected, work) if w is not a]
        present.append(work)

    table = _table(present)
    if table.num_chunks == 0:
        return
    tables = iter(table.pointers)
    pointer_args = [next(tables) if arg is None else arg for arg in pointer_args]
    kernel = get_kernel("optimizers.cu", _NAMES, f"{name}<{c_type(dtype, name)}>")
    kernel(
        (table.num_chunks,), (_THREADS,),
        (*pointer_args, table.sizes, table.chunk_tensor, table.chunk_start, numpy.int32(_CHUNK_SIZE), *scalars),
    )
    for original, work in write_backs:
        original[...] = work


def sgd_step(params, grads, momentum_buffers, lr, momentum, dampening, weight_decay, nesterov, first_step):
    for dtype, indices in _by_dtype(params):
        scalar = dtype.type
        _launch(
            "sgd_step", dtype, indices, [params, grads, momentum_buffers if momentum != 0 else None],
            (scalar(lr), scalar(momentum), scalar(dampening), scalar(weight_decay), numpy.bool_(nesterov),
             numpy.bool_(first_step)),
        )


def adam_step(params, grads, exp_avgs, exp_avg_sqs, step, lr, beta1, beta2, eps, weight_decay, decoupled):
    # PyTorch's step size and bias correction, computed in double precision on the host
    step_size = lr / (1 - beta1**step)
    bias_correction2_sqrt = (1 - beta2**step) ** 0.5
    for dtype, indices in _by_dtype(params):
        scalar = dtype.type
        _launch(
            "adam_step", dtype, indices, [params, grads, exp_avgs, exp_avg_sqs],
            (scalar(lr), scalar(beta1), scalar(beta2), scalar(eps), scalar(weight_decay), numpy.bool_(decoupled),
             scalar(step_size), scalar(bias_correction2_sqrt)),
        )
