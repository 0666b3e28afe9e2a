"""``dl.autograd.Function``: a custom op written with Tensors, as in PyTorch::

    class Exp(dl.autograd.Function):
        @staticmethod
        def forward(ctx, x):                 # Tensors in, a Tensor out (run under no_grad)
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad_output):      # dL/d(out) in, one gradient per forward argument
            y, = ctx.saved_tensors
            return grad_output * y

    y = Exp.apply(x)

``apply`` runs ``forward`` without recording, then records one graph node whose backward calls
yours (again without recording). The engine's own ops subclass ``autograd.ArrayFunction``
instead: the same idea one level down, on backend arrays, with no wrapping on the hot path.
"""
from .autograd import ArrayFunction, Node, _clock, bump_version, is_grad_enabled, no_grad
from .dtypes import is_floating
from .tensor import Tensor


class FunctionCtx:
    """The ``ctx`` that a Function's forward and backward share."""

    def __init__(self, function, args):
        self.function = function
        self.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        self.saved = ()
        self.saved_versions = ()
        self.dirty = ()
        self.non_differentiable = ()

    def save_for_backward(self, *tensors):
        """Keep Tensors (or None) for backward; their versions are noted, so that backward
        raises if an in-place op changes one in between."""
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    f"save_for_backward: expected Tensors or None, got {type(t).__name__} "
                    "(keep other values as attributes of ctx)"
                )
        self.saved = tensors
        self.saved_versions = tuple(None if t is None else t._version for t in tensors)

    @property
    def saved_tensors(self):
        for i, (t, version) in enumerate(zip(self.saved, self.saved_versions)):
            if t is not None and t._version != version:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by "
                    f"an inplace operation: saved tensor {i} of {self.function.__name__}Backward "
                    f"(a {t.dtype} tensor of shape {t.shape}) is at version {t._version}; "
                    f"expected version {version} instead"
                )
        return self.saved

    def mark_dirty(self, *tensors):
        """Declare the inputs that forward changed in place (and returns)."""
        self.dirty = tensors

    def mark_non_differentiable(self, *tensors):
        """Declare outputs that carry no gradient (indices, masks...)."""
        self.non_differentiable = tensors


class Function:
    """Base class of PyTorch-style custom ops: subclass it, write ``forward(ctx, *args)`` and
    ``backward(ctx, *grad_outputs)`` as static methods, call ``YourOp.apply(*args)``.

    forward returns one Tensor (minidl's graph nodes have one output each: returning several
    is not supported). backward returns one gradient (a Tensor or None) per forward argument.
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # the graph node's function: the engine calls its backward with arrays
        cls._node_function = type(cls.__name__, (_CallsTensorBackward,), {"custom": cls})

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = FunctionCtx(cls, args)
        clock = _clock[0]
        with no_grad():
            output = cls.forward(ctx, *args, **kwargs)
        if not isinstance(output, Tensor):
            raise TypeError(
                f"{cls.__name__}.forward must return one Tensor, got {type(output).__name__} "
                "(engine ops working on arrays subclass autograd.ArrayFunction instead)"
            )
        inputs = [a for a in args if isinstance(a, Tensor)]
        if inputs and any(t._backend is not inputs[0]._backend for t in inputs):
            raise RuntimeError(f"{cls.__name__}: expected all tensors on the same device")
        needs_grad = (is_grad_enabled() and any(ctx.needs_input_grad)
                      and is_floating(output.dtype)
                      and not any(output is t for t in ctx.non_differentiable))
        args = list(args)
        if any(output is t for t in ctx.dirty):
            output = _written_in_place(output, args, ctx, needs_grad)
        elif any(output is a for a in args):
            output = output.detach()  # a new tensor object (sharing storage) for the new node
        if needs_grad:
            node = Node(cls._node_function, output._backend)
            node.inputs, node.clock, node.ctx = tuple(args), clock, ctx
            if any(output is t for t in ctx.dirty):
                node.inplace_clock = output._version_counter[1]
            output.grad_fn = node
            output._requires_grad = True
        return output


def _written_in_place(output, args, ctx, needs_grad):
    """forward changed ``output`` (one of its arguments) in place: bump its version, and give
    the node, as that argument, a snapshot carrying the old history (see ops/inplace.py)."""
    if needs_grad and output.is_leaf and output.requires_grad:
        raise RuntimeError(
            f"{ctx.function.__name__}: a leaf Variable that requires grad is being used in an "
            "in-place operation."
        )
    bump_version(output)
    ctx.saved_versions = tuple(  # a saved tensor that is the written one: its version now
        None if t is None else t._version for t in ctx.saved
    )
    if needs_grad:
        snapshot = Tensor._make(output._data, output._backend, output.requires_grad)
        snapshot.grad_fn = output.grad_fn
        args[:] = [snapshot if a is output else a for a in args]
    return output


class _CallsTensorBackward(ArrayFunction):
    """The node function of a custom Function: the engine hands it arrays, it hands the
    user's backward Tensors (and takes Tensors back)."""

    custom = None  # the user's Function subclass

    @classmethod
    def backward(cls, node, grad):
        with no_grad():
            grads = cls.custom.backward(node.ctx, Tensor._make(grad, node.backend))
        grads = grads if isinstance(grads, tuple) else (grads,)
        arrays = []
        for i, g in enumerate(grads):
            if g is not None and not isinstance(g, Tensor):
                raise TypeError(
                    f"{cls.__name__}.backward returned {type(g).__name__} for input {i}; "
                    "expected a Tensor or None"
                )
            arrays.append(None if g is None else g._data)
        return tuple(arrays)
