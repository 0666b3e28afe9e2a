"""The autograd engine: recording ops as a graph, and running the chain rule backwards over it.

Every op is a ``Function`` with two static methods side by side::

    class Mul(Function):
        @staticmethod
        def forward(ctx, a, b):          # arrays in, array out
            ctx.a, ctx.b = a, b          # keep what backward needs
            return a * b

        @staticmethod
        def backward(ctx, grad):         # dL/d(out) in, dL/d(each input) out
            return grad * ctx.b, grad * ctx.a

``Function.apply`` unwraps Tensors into arrays, runs ``forward`` and, when a gradient is wanted,
records a ``Node`` (the ``ctx`` above) that links the output to its inputs. ``backward`` visits
the nodes from the output back to the leaves, in reverse topological order, and hands each node
the gradient of its output; gradients of inputs that were broadcast are summed back to the
input's shape, and gradients reaching a leaf are accumulated into its ``.grad``.
"""
import functools
import sys
import threading

import numpy

from .dtypes import is_floating

class _GradModeState(threading.local):
    """Grad mode, one value per thread (as PyTorch's): a thread inside ``no_grad`` does not
    switch recording off for the others. The class attribute is each thread's starting value."""

    enabled = True


_grad_mode = _GradModeState()


def is_grad_enabled():
    """True when ops record the graph for backward (the default), in the calling thread."""
    return _grad_mode.enabled


class _GradMode:
    """Base of the grad-mode switches: a context manager that is also a decorator."""

    def __init__(self, mode):
        self.mode = mode

    def __enter__(self):
        self.previous = _grad_mode.enabled
        _grad_mode.enabled = self.mode

    def __exit__(self, *exc):
        _grad_mode.enabled = self.previous

    def __call__(self, func):
        mode = self.mode

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with _GradMode(mode):
                return func(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Ops inside ``with dl.no_grad():`` (or a function decorated with it) record no graph."""

    def __init__(self):
        super().__init__(False)


class enable_grad(_GradMode):
    """Turn graph recording back on inside a ``no_grad`` region."""

    def __init__(self):
        super().__init__(True)


class set_grad_enabled(_GradMode):
    """``dl.set_grad_enabled(False)`` switches recording off at once (for the calling thread);
    used with ``with``, it also restores the previous mode on exit."""

    def __init__(self, mode):
        super().__init__(bool(mode))
        self.previous = _grad_mode.enabled
        _grad_mode.enabled = self.mode

    def __enter__(self):
        pass  # the mode was set by __init__; __exit__ restores ``previous``

    def __call__(self, func):
        _grad_mode.enabled = self.previous  # as a decorator it must not change the mode now
        return super().__call__(func)


class inference_mode(_GradMode):
    """``with dl.inference_mode():`` records no graph, like ``no_grad``. (PyTorch also marks
    the tensors made inside as inference tensors; minidl does not: a deliberate difference.)"""

    def __init__(self, mode=True):
        super().__init__(not mode)


class Node:
    """One op application in the graph; ``forward`` stores on it what ``backward`` needs.

    ``inputs`` are the op's positional arguments (Tensors, or constants such as Python numbers).
    After a backward without ``retain_graph`` the saved values are dropped and the node is marked
    freed, so that a second backward through it fails with a clear message.
    """

    # Class-level defaults: a node is built for every op, so each attribute not set in
    # __init__ is one assignment less on the hot path.
    inputs = ()
    freed = False
    output_backend = None  # set by ops whose output lives on another device (ToDevice)

    def __init__(self, function, backend):
        self.function = function
        self.backend = backend
        self.xp = backend.xp

    @property
    def kernels(self):
        """The kernel set of this op's device (reference or accelerated, per ``use_kernels``)."""
        return self.backend.kernels

    @property
    def needs_input_grad(self):
        """One bool per input: does it need a gradient? (A backward may skip work for False.)"""
        return tuple(isinstance(x, Tensor) and x._requires_grad for x in self.inputs)

    def name(self):
        return self.function.__name__ + "Backward"

    def free(self):
        keep = {"function": self.function, "backend": self.backend, "inputs": self.inputs,
                "freed": True}
        if self.output_backend is not None:
            keep["output_backend"] = self.output_backend
        self.__dict__ = keep  # drops everything forward saved, in one assignment

    def __repr__(self):
        return f"<{self.name()}>"


class Function:
    """Base class of every differentiable op (see the module docstring)."""

    @staticmethod
    def forward(ctx, *arrays, **options):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **options):
        backend = None
        needs_grad = False
        arrays = []
        for x in inputs:
            if isinstance(x, Tensor):
                if backend is None:
                    backend = x._backend
                elif x._backend is not backend:
                    raise RuntimeError(
                        f"{cls.op_name()}: expected all tensors on the same device, "
                        f"got {backend.name} and {x._backend.name}"
                    )
                if x._requires_grad:
                    needs_grad = True
                arrays.append(x._data)
            else:
                arrays.append(x)
        ctx = Node(cls, backend)
        try:
            out = cls.forward(ctx, *arrays, **options)
        except (ValueError, IndexError) as err:
            shapes = ", ".join(str(tuple(a.shape)) for a in arrays if hasattr(a, "shape"))
            raise type(err)(f"{cls.op_name()}: {err} (input shapes {shapes})") from None
        out_backend = ctx.output_backend or backend
        if not isinstance(out, out_backend.array_type):
            out = out_backend.xp.asarray(out)  # NumPy reductions return scalars, not 0-d arrays
        needs_grad = needs_grad and _grad_mode.enabled and is_floating(out.dtype)
        result = Tensor._make(out, out_backend, needs_grad)
        if needs_grad:
            ctx.inputs = inputs
            result.grad_fn = ctx
        return result

    @classmethod
    def op_name(cls):
        return cls.__name__.lower()


def reduce_broadcast_grad(grad, shape):
    """Sum ``grad`` over the axes that broadcasting stretched, so that it has ``shape``.

    If ``x`` of shape (3, 1) was broadcast to (2, 3, 4), every element of ``x`` was used 2 * 4
    times, so its gradient is the sum over the new leading axis and over the stretched axis.
    """
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


def topological_order(root):
    """Tensors reachable from ``root`` that need a gradient, each after every tensor built from it.

    An iterative depth-first search (a recursive one overflows Python's stack on long chains).
    Of a node's inputs, the leaves are pushed first and so explored last: in the order returned,
    each leaf comes right after the last op that uses it, not after the whole graph below that
    op. Its gradient is then complete as early as possible, which lets DistributedDataParallel
    start all-reducing the last layers' gradients while backward goes on with the first layers.
    """
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        tensor, inputs_done = stack.pop()
        if inputs_done:
            order.append(tensor)
            continue
        if id(tensor) in visited:
            continue
        visited.add(id(tensor))
        stack.append((tensor, True))
        if tensor.grad_fn is not None:
            inner = []
            for x in tensor.grad_fn.inputs:
                if isinstance(x, Tensor) and x._requires_grad and id(x) not in visited:
                    if x.grad_fn is None:
                        stack.append((x, False))
                    else:
                        inner.append((x, False))
            stack.extend(inner)
    order.reverse()
    return order


def backward(root, gradient=None, retain_graph=False):
    """Backpropagate from ``root``: accumulate d(root)/d(leaf) into every leaf's ``.grad``.

    ``gradient`` is d(loss)/d(root); it may be omitted only when ``root`` has one element.
    """
    if not root._requires_grad:
        raise RuntimeError(
            "backward: this tensor does not require grad and has no grad_fn "
            "(did you create it under no_grad, or forget requires_grad=True on its inputs?)"
        )
    xp = root._backend.xp
    if gradient is None:
        if root._data.size != 1:
            raise RuntimeError(
                f"backward: grad can be implicitly created only for a one-element tensor, "
                f"got shape {root.shape}; pass gradient= of that shape"
            )
        gradient = xp.ones_like(root._data)
    else:
        gradient = gradient._data if isinstance(gradient, Tensor) else xp.asarray(gradient)
        if gradient.shape != root._data.shape:
            raise RuntimeError(
                f"backward: gradient has shape {tuple(gradient.shape)} but the tensor has shape "
                f"{root.shape}"
            )
    # grads: id(tensor) -> d(root)/d(tensor), summed over the uses of the tensor seen so far
    grads = {id(root): gradient.astype(root._data.dtype, copy=False)}
    shared = {id(grads[id(root)])}  # ids of arrays that someone else may hold: copy them
    for tensor in topological_order(root):
        grad = grads.pop(id(tensor), None)
        if grad is None:
            continue
        if tensor._hooks is not None:
            grad = _run_grad_hooks(tensor, grad, shared)
        node = tensor.grad_fn
        if node is None:
            _accumulate_into_leaf(tensor, grad, shared)
            if tensor._hooks is not None:
                for hook in tuple(tensor._hooks.post_accumulate_hooks.values()):
                    hook(tensor)
            continue
        if node.freed:
            raise RuntimeError(
                f"backward: trying to backward through the graph a second time ({node.name()} "
                "was already freed); call backward(retain_graph=True) the first time if you "
                "need to"
            )
        input_grads = node.function.backward(node, grad)
        if not isinstance(input_grads, tuple):
            input_grads = (input_grads,)
        for x, g in zip(node.inputs, input_grads):
            if g is None or not isinstance(x, Tensor) or not x._requires_grad:
                continue
            data = x._data
            if g.shape != data.shape:
                g = reduce_broadcast_grad(g, data.shape)
            # ``is`` first: NumPy's builtin dtypes are singletons, and ``!=`` on dtypes is slow
            if g.dtype is not data.dtype and g.dtype != data.dtype:
                g = g.astype(data.dtype)
            key = id(x)
            if key in grads:
                grads[key] = grads[key] + g
            else:
                grads[key] = g
        if not retain_graph:
            node.free()


class TensorHooks:
    """What ``register_hook``, ``retain_grad`` and ``register_post_accumulate_grad_hook`` asked
    of one tensor; backward consults it when it reaches that tensor."""

    def __init__(self):
        self.grad_hooks = {}  # handle id -> hook(grad), which may return a replacement gradient
        self.post_accumulate_hooks = {}  # handle id -> hook(leaf), after leaf.grad was updated
        self.retains_grad = False  # a non-leaf that keeps its gradient in .grad


def _run_grad_hooks(tensor, grad, shared):
    """Pass ``grad`` through the tensor's hooks in registration order (each may replace it),
    then, for a non-leaf that retains its gradient, add the result to its ``.grad``."""
    hooks = tensor._hooks
    for hook in tuple(hooks.grad_hooks.values()):
        shared.add(id(grad))  # the hook may keep the array: never reuse it as a .grad
        replacement = hook(Tensor._make(grad, tensor._backend))
        if replacement is None:
            continue
        if not isinstance(replacement, Tensor) or replacement.shape != grad.shape:
            got = replacement.shape if isinstance(replacement, Tensor) else type(replacement).__name__
            raise RuntimeError(
                f"hook {getattr(hook, '__name__', hook)!r} has changed the gradient: it returned "
                f"{got}, expected a tensor of shape {tuple(grad.shape)}"
            )
        if replacement._backend is not tensor._backend:
            raise RuntimeError(
                f"hook {getattr(hook, '__name__', hook)!r} returned a gradient on "
                f"{replacement.device}, expected {tensor.device}"
            )
        grad = replacement._data.astype(grad.dtype, copy=False)
        shared.add(id(grad))
    if hooks.retains_grad and tensor.grad_fn is not None:
        _accumulate_into_leaf(tensor, grad, shared)
    return grad


def _accumulate_into_leaf(leaf, grad, shared):
    """leaf.grad += grad. A new .grad never aliases memory that something else holds, since
    optimizers and ``zero_grad(set_to_none=False)`` write into it: the seed gradient (the
    caller's array), an array already given to another leaf (add's backward hands the same
    array to both inputs) or a view of memory that others hold is copied. An array that a
    backward made for this input alone, or reshaped from such an array, is kept as it is,
    which saves a copy of every gradient."""
    if leaf.grad is None:
        if id(grad) in shared or not _kept_as_is(grad):
            grad = leaf._backend.xp.array(grad, copy=True)
        shared.add(id(grad))
        leaf.grad = Tensor._make(grad, leaf._backend, False)
    else:
        leaf.grad._data = leaf.grad._data + grad


def _kept_as_is(array):
    """True when ``array`` can become a .grad without a copy: C-contiguous (a broadcast view,
    whose elements share memory, is not), writeable, and nothing else reaches its memory: it
    owns it, or each array on its chain of ``.base``s is referenced only by the view below it."""
    if not array.flags.c_contiguous or not getattr(array.flags, "writeable", True):
        return False  # (CuPy arrays have no writeable flag: they are always writeable)
    return all(count <= _SOLE_VIEW for count in _base_reference_counts(array))


def _base_reference_counts(array):
    """sys.getrefcount of each array on the chain of ``.base``s below ``array``."""
    counts = []
    base = array.base
    while base is not None:
        counts.append(sys.getrefcount(base))
        base = getattr(base, "base", None)  # a NumPy base may be a non-array buffer
    return counts


# What the function above reports for a base that only its view holds: measured rather than
# assumed, since what the interpreter counts (the view, the variable, the argument) varies
# between Python versions.
_SOLE_VIEW = _base_reference_counts(numpy.empty(2).reshape(1, 2))[0]


from .tensor import Tensor  # noqa: E402  (the engine and Tensor refer to each other)
