"""Matrix product with NumPy/PyTorch semantics: 1-D vectors, batches and broadcast batch axes.

The work is the vendor BLAS through ``xp.matmul``. For out = a @ b the chain rule gives
grad_a = grad @ b^T and grad_b = a^T @ grad (each over the last two axes); the engine then sums
over broadcast batch axes. A 1-D ``a`` acts as a (1, n) row and a 1-D ``b`` as an (n, 1) column.
"""
from ..autograd import ArrayFunction


def _swap_last(xp, m):
    return xp.swapaxes(m, -1, -2)


def _stack_times_matrix(a, b):
    """True for (..., m, k) @ (k, n). NumPy would run it as one BLAS call per matrix of the
    stack, and grad_b as a stack of (k, n) products for the engine to sum: flattening the stack
    into rows makes each one product, about twice as fast for a stack of small matrices."""
    return a.ndim > 2 and b.ndim == 2


class MatMul(ArrayFunction):
    """out = a @ b;  grad_a = grad @ b^T,  grad_b = a^T @ grad"""

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError("both arguments need at least one dimension")
        inner_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
        if a.shape[-1] != inner_b:
            raise ValueError(
                f"shapes {tuple(a.shape)} and {tuple(b.shape)} are not aligned "
                f"({a.shape[-1]} != {inner_b})"
            )
        if a.dtype != b.dtype:
            raise TypeError(f"matmul: expected both dtypes to match, got {a.dtype} and {b.dtype}")
        ctx.a, ctx.b = a, b
        if _stack_times_matrix(a, b):  # (..., m, k) @ (k, n) is one (M, k) @ (k, n) product
            return (a.reshape(-1, a.shape[-1]) @ b).reshape(*a.shape[:-1], b.shape[-1])
        return ctx.xp.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        xp, a, b = ctx.xp, ctx.a, ctx.b
        if a.ndim == 1 and b.ndim == 1:  # a dot product: out = sum(a * b)
            return grad * b, grad * a
        if _stack_times_matrix(a, b):  # grad_b sums over the stack inside one product
            a_rows, grad_rows = a.reshape(-1, a.shape[-1]), grad.reshape(-1, grad.shape[-1])
            return (grad_rows @ b.T).reshape(a.shape), a_rows.T @ grad_rows
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        if a.ndim == 1:
            grad = xp.expand_dims(grad, -2)
        if b.ndim == 1:
            grad = xp.expand_dims(grad, -1)
        grad_a = xp.matmul(grad, _swap_last(xp, b2))
        grad_b = xp.matmul(_swap_last(xp, a2), grad)
        if a.ndim == 1:
            grad_a = grad_a.reshape(grad_a.shape[:-2] + a.shape)
        if b.ndim == 1:
            grad_b = grad_b.reshape(grad_b.shape[:-2] + b.shape)
        return grad_a, grad_b


def matmul(a, b):
    return MatMul.apply(a, b)
