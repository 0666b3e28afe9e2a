"""Products with fixed shapes (mm, bmm, mv, dot, outer) and ``einsum``.

mm/bmm/mv/dot are ``matmul`` after a shape check (PyTorch's versions do not broadcast);
outer is a broadcast product. ``einsum`` contracts any subscripts; its backward for an operand
is itself an einsum: the output gradient contracted with the other operands, giving that
operand's subscripts.
"""
from ..autograd import ArrayFunction
from .arithmetic import mul
from .matmul import matmul
from .shape import reshape


def _require(op, condition, *tensors):
    if not condition:
        shapes = " and ".join(str(t.shape) for t in tensors)
        raise RuntimeError(f"{op}: unexpected shapes {shapes}")


def mm(input, mat2):  # noqa: A002 (PyTorch's argument names)
    """(n, k) @ (k, m)."""
    _require("mm", input.ndim == 2 and mat2.ndim == 2 and input.shape[1] == mat2.shape[0],
             input, mat2)
    return matmul(input, mat2)


def bmm(input, mat2):  # noqa: A002
    """(b, n, k) @ (b, k, m), one product per batch entry."""
    _require("bmm", input.ndim == 3 and mat2.ndim == 3 and input.shape[0] == mat2.shape[0]
             and input.shape[2] == mat2.shape[1], input, mat2)
    return matmul(input, mat2)


def mv(input, vec):  # noqa: A002
    """(n, k) @ (k,)."""
    _require("mv", input.ndim == 2 and vec.ndim == 1 and input.shape[1] == vec.shape[0],
             input, vec)
    return matmul(input, vec)


def dot(input, tensor):  # noqa: A002
    """The inner product of two 1-D tensors of the same length."""
    _require("dot", input.ndim == 1 and tensor.ndim == 1 and input.shape == tensor.shape,
             input, tensor)
    return matmul(input, tensor)


def outer(input, vec2):  # noqa: A002
    """out[i, j] = input[i] * vec2[j]."""
    _require("outer", input.ndim == 1 and vec2.ndim == 1, input, vec2)
    return mul(reshape(input, -1, 1), vec2)


def _parse(equation, count):
    """'ij,jk->ik' -> (['ij', 'jk'], 'ik'); without '->', the output is the letters that
    appear once, in alphabetical order (as PyTorch and NumPy)."""
    equation = equation.replace(" ", "")
    if "..." in equation:
        raise NotImplementedError("einsum: '...' (ellipsis) subscripts are not supported")
    inputs, arrow, output = equation.partition("->")
    subscripts = inputs.split(",")
    if len(subscripts) != count:
        raise RuntimeError(f"einsum: {equation!r} names {len(subscripts)} operands, got {count}")
    if not arrow:
        letters = "".join(subscripts)
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return subscripts, output


class Einsum(ArrayFunction):
    """out = einsum(equation, *operands);  grad of operand i = einsum of the output gradient
    with the other operands, to operand i's subscripts (letters that only operand i has were
    summed away in the forward pass: their gradient is broadcast back along them)"""

    @staticmethod
    def forward(ctx, *operands, subscripts, output):
        ctx.operands, ctx.subscripts, ctx.output = operands, subscripts, output
        return ctx.xp.einsum(",".join(subscripts) + "->" + output, *operands)

    @staticmethod
    def backward(ctx, grad):
        xp, grads = ctx.xp, []
        for i, (operand, mine) in enumerate(zip(ctx.operands, ctx.subscripts)):
            if not ctx.needs_input_grad[i]:
                grads.append(None)
                continue
            others = [s for j, s in enumerate(ctx.subscripts) if j != i]
            available = set(ctx.output).union(*others)
            reachable = "".join(c for c in mine if c in available)
            terms = [ctx.output] + others
            arrays = [grad] + [a for j, a in enumerate(ctx.operands) if j != i]
            partial = xp.einsum(",".join(terms) + "->" + reachable, *arrays)
            shape = tuple(n if c in available else 1 for c, n in zip(mine, operand.shape))
            grads.append(xp.broadcast_to(partial.reshape(shape), operand.shape))
        return tuple(grads)


def einsum(equation, *operands):
    """Sum of products over the letters of ``equation``: ``einsum("bij,bjk->bik", a, b)``."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    subscripts, output = _parse(equation, len(operands))
    for s, x in zip(subscripts, operands):
        if len(s) != x.ndim:
            raise RuntimeError(f"einsum: subscripts {s!r} do not fit an operand of shape {x.shape}")
        if len(set(s)) != len(s):
            raise NotImplementedError(
                f"einsum: a letter repeated within one operand ({s!r}, a diagonal) is not supported"
            )
    return Einsum.apply(*operands, subscripts=subscripts, output=output)
