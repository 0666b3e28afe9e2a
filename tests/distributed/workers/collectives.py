"""Every collective, on every supported dtype, several shapes (one non-contiguous) and every op,
checked on each rank against NumPy applied to all ranks' inputs (each rank can make them all).

    mpiexec -n 2 python collectives.py [mpi|nccl]      (nccl: CUDA tensors, one GPU per rank)
"""
import sys

import numpy as np

import minidl as dl
import minidl.distributed as dist
from minidl.distributed import ReduceOp

BACKEND = sys.argv[1] if len(sys.argv) > 1 else "mpi"
DEVICE = "cuda" if BACKEND == "nccl" else "cpu"
dist.init_process_group(BACKEND)
rank, world = dist.get_rank(), dist.get_world_size()
SHAPES = [(), (5,), (3, 4), (4, 3, 2)]
NUMPY_OPS = {ReduceOp.SUM: np.sum, ReduceOp.AVG: np.mean, ReduceOp.MAX: np.max,
             ReduceOp.MIN: np.min}
TOLERANCE = {"float16": 1e-2, "float32": 1e-6, "float64": 1e-12, "int64": 0}


def inputs_of(r, shape, dtype, salt=0):
    """What rank r holds (every rank can compute it)."""
    values = np.random.default_rng([r, salt, len(shape)]).standard_normal(shape) * 4
    return values.astype(dtype)


def as_tensor(array, contiguous):
    """A tensor with these values; a transposed view when not ``contiguous``."""
    if contiguous or array.ndim < 2:
        return dl.tensor(array.copy(), device=DEVICE)
    swapped = np.ascontiguousarray(array.swapaxes(0, 1))
    return dl.tensor(swapped, device=DEVICE).transpose(0, 1)


def check(got, expected, dtype, what):
    np.testing.assert_allclose(got.astype(np.float64), expected.astype(np.float64),
                               rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype], err_msg=what)
    assert got.dtype == np.dtype(dtype), what


for dtype in ("float16", "float32", "float64", "int64"):
    ops = [op for op in ReduceOp if dtype != "int64" or op is not ReduceOp.AVG]
    for shape in SHAPES:
        for contiguous in (True, False):
            everyone = np.stack([inputs_of(r, shape, dtype) for r in range(world)])
            for op in ops:
                t = as_tensor(inputs_of(rank, shape, dtype), contiguous)
                dist.all_reduce(t, op=op)
                expected = NUMPY_OPS[op](everyone.astype(np.float64), axis=0)
                check(t.numpy(), expected.astype(dtype), dtype, f"all_reduce {op} {shape}")
                assert t.shape == shape

            t = as_tensor(inputs_of(rank, shape, dtype), contiguous)
            dist.broadcast(t, src=world - 1)
            check(t.numpy(), everyone[world - 1], dtype, f"broadcast {shape}")

            gathered = [dl.zeros(*shape, dtype=dtype, device=DEVICE) for _ in range(world)]
            dist.all_gather(gathered, as_tensor(inputs_of(rank, shape, dtype), contiguous))
            for r in range(world):
                check(gathered[r].numpy(), everyone[r], dtype, f"all_gather {shape} from {r}")

            pieces = [inputs_of(rank, shape, dtype, salt=1 + k) for k in range(world)]
            mine = np.stack([inputs_of(r, shape, dtype, salt=1 + rank) for r in range(world)])
            for op in ops:
                output = as_tensor(np.zeros(shape, dtype), contiguous)
                dist.reduce_scatter(output, [dl.tensor(p, device=DEVICE) for p in pieces], op=op)
                expected = NUMPY_OPS[op](mine.astype(np.float64), axis=0).astype(dtype)
                check(output.numpy(), expected, dtype, f"reduce_scatter {op} {shape}")

# async_op: the result is there after wait()
t = dl.ones(1000, dtype=dl.float64, device=DEVICE) * (rank + 1)
work = dist.all_reduce(t, op=ReduceOp.SUM, async_op=True)
assert work.wait() and work.is_completed()
assert np.all(t.numpy() == world * (world + 1) / 2)
dist.barrier()



def ones(*shape, dtype=dl.float32):
    return dl.ones(*shape, dtype=dtype, device=DEVICE)


# bad input gives clear errors, before any communication
wrong_device = [(lambda: dist.all_reduce(dl.ones(2)), RuntimeError, "works on cuda tensors")]
for call, error, words in [
    (lambda: dist.all_reduce(ones(2, dtype=dl.int64), op=ReduceOp.AVG), TypeError, "AVG"),
    (lambda: dist.all_reduce(ones(2), op="sum"), TypeError, "ReduceOp"),
    (lambda: dist.all_reduce(ones(2) > 0), TypeError, "dtype bool"),
    (lambda: dist.all_gather([ones(2)] * (world + 1), ones(2)), ValueError, "one tensor per rank"),
    (lambda: dist.all_gather([ones(3)] * world, ones(2)), ValueError, "shape"),
    (lambda: dist.broadcast(ones(2), src=world), ValueError, "src"),
    (lambda: dist.all_reduce(ones(2), group="subgroup"), ValueError, "default group"),
    (lambda: dist.init_process_group("mpi"), RuntimeError, "twice"),
] + (wrong_device if DEVICE == "cuda" else []):
    try:
        call()
    except error as err:
        assert words in str(err), (words, str(err))
    else:
        raise AssertionError(f"expected {error.__name__} mentioning {words!r}")

dist.destroy_process_group()
assert not dist.is_initialized()
print(f"rank {rank}: collectives ok")
