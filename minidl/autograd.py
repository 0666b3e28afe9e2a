"""The autograd engine: recording ops as a graph, and running the chain rule backwards over it.

Every op is an ``ArrayFunction`` with two static methods side by side::

    class Mul(ArrayFunction):
        @staticmethod
        def forward(ctx, a, b):          # arrays in, array out
            ctx.a, ctx.b = a, b          # keep what backward needs
            return a * b

        @staticmethod
        def backward(ctx, grad):         # dL/d(out) in, dL/d(each input) out
            return grad * ctx.b, grad * ctx.a

``ArrayFunction.apply`` unwraps Tensors into arrays, runs ``forward`` and, when a gradient is
wanted, records a ``Node`` (the ``ctx`` above) that links the output to its inputs. ``backward``
visits the nodes from the output back to the leaves, in reverse topological order, and hands
each node the gradient of its output; gradients of inputs that were broadcast are summed back to
the input's shape, and gradients reaching a leaf are accumulated into its ``.grad``. Then each
node lets go of what it saved and of its inputs (unless ``retain_graph=True``).

An op with several outputs (split) subclasses ``MultiOutputFunction``: its backward gets one
gradient per output, all at once (see the section on it below).

Also here: grad mode (per thread), version counters (backward refuses saved values that an
in-place op changed since), and tensor hooks. Custom ops written with Tensors, PyTorch-style,
subclass ``dl.autograd.Function`` (minidl/custom_function.py).
"""
import functools
import threading

from .errors import ShapeError


class _GradModeState(threading.local):
    """Grad mode, one value per thread (as PyTorch's): a thread inside ``no_grad`` does not
    switch recording off for the others. The class attribute is each thread's starting value."""

    enabled = True


_grad_mode = _GradModeState()

# How many threads have grad mode off right now. Every op asks for its thread's mode; while
# this is 0 (the common case: no thread inside no_grad) the answer is True without the slower
# per-thread lookup. A thread is counted before its mode goes off and uncounted only after its
# mode is back on, so a count of 0 never hides a thread whose mode is off. (A thread that ends
# with its mode off stays counted: every op then takes the per-thread lookup, still correct.)
_threads_with_grad_off = 0
_threads_with_grad_off_lock = threading.Lock()  # ``+=`` on a global is not atomic


def _set_grad_mode(enabled):
    """Set the calling thread's grad mode (every switch goes through here, to keep the count)."""
    global _threads_with_grad_off
    if enabled == _grad_mode.enabled:
        return
    if enabled:
        _grad_mode.enabled = True
        with _threads_with_grad_off_lock:
            _threads_with_grad_off -= 1
    else:
        with _threads_with_grad_off_lock:
            _threads_with_grad_off += 1
        _grad_mode.enabled = False


# Set by the ONNX exporter's tracer (minidl/onnx/tracer.py) while it runs a model: then every op
# records its node, also one whose output needs no gradient (a mask built from token ids), so
# that the whole computation from the inputs is one graph.
_record_every_op = False


def is_grad_enabled():
    """True when ops record the graph for backward (the default), in the calling thread."""
    return _threads_with_grad_off == 0 or _grad_mode.enabled


class _GradMode:
    """Base of the grad-mode switches: a context manager that is also a decorator."""

    def __init__(self, mode):
        self.mode = mode

    def __enter__(self):
        self.previous = _grad_mode.enabled
        _set_grad_mode(self.mode)

    def __exit__(self, *exc):
        _set_grad_mode(self.previous)

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
        _set_grad_mode(self.mode)

    def __enter__(self):
        pass  # the mode was set by __init__; __exit__ restores ``previous``

    def __call__(self, func):
        _set_grad_mode(self.previous)  # as a decorator it must not change the mode now
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
    clock = 0  # the in-place clock when the node was recorded (see bump_version)
    freed = False
    output_backend = None  # set by ops whose output lives on another device (ToDevice)
    output_is_view = False  # the output shares its input's storage (reshape, getitem...)
    inplace_clock = None  # for the node of an in-place op: the write's clock (see bump_version)
    modified_by = None  # an in-place op overwrote the output this node saved (its name)
    output_index = None  # which output of a multi-output op (see MultiOutputFunction)

    def __init__(self, function, backend):
        self.function = function
        self.backend = backend
        self.xp = backend.xp
        # (the three that apply and backward read for every node, set again on the instance:
        # Python finds an instance attribute faster than it falls back to the class's)
        self.output_backend = None
        self.freed = False
        self.inplace_clock = None

    @property
    def kernels(self):
        """The kernel set of this op's device (reference or accelerated, per ``use_kernels``)."""
        return self.backend.kernels

    @property
    def needs_input_grad(self):
        """One bool per input: does it need a gradient? (A backward may skip work for False.)"""
        return tuple(isinstance(x, Tensor) and x._requires_grad for x in self.inputs)

    def needs_grad(self, i):
        """Does input ``i`` need a gradient? (Forward may then skip saving what only that
        gradient reads: a saved array that backward never reads still blocks in-place writes.)"""
        x = self.inputs[i]
        return isinstance(x, Tensor) and x._requires_grad

    def name(self):
        return self.function.__name__ + "Backward"

    def free(self):
        """Drop everything forward saved, and the links to the inputs, in one assignment: a
        tensor kept after backward (a loss in a list) then keeps only its own value."""
        keep = {"function": self.function, "backend": self.backend, "freed": True}
        if self.output_backend is not None:
            keep["output_backend"] = self.output_backend
        self.__dict__ = keep

    def __repr__(self):
        return f"<{self.name()}>"


class ArrayFunction:
    """Base class of the engine's differentiable ops: forward and backward on backend arrays
    (see the module docstring). To write an op with Tensors, as in PyTorch, subclass
    ``dl.autograd.Function`` (minidl/custom_function.py) instead."""

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
        clock = _clock[0]  # read before forward: a saved tensor changed later has a later stamp
        for x in inputs:
            if isinstance(x, Tensor):
                if backend is None:
                    backend = x._backend
                elif x._backend is not backend:
                    raise _devices_differ(cls, backend, x._backend)
                if x._requires_grad:
                    needs_grad = True
                arrays.append(x._data)
            else:
                arrays.append(x)
        ctx = Node(cls, backend)
        ctx.inputs = inputs  # before forward, so that forward can ask needs_grad(i)
        try:
            out = cls.forward(ctx, *arrays, **options)
        except (ValueError, IndexError) as err:
            shapes = ", ".join(str(tuple(a.shape)) for a in arrays if hasattr(a, "shape"))
            # a shape mistake is a RuntimeError in PyTorch (ShapeError is both); IndexError stays
            kind = IndexError if isinstance(err, IndexError) else ShapeError
            raise kind(f"{cls.op_name()}: {err} (input shapes {shapes})") from None
        out_backend = ctx.output_backend or backend
        if not isinstance(out, out_backend.array_type):
            out = out_backend.xp.asarray(out)  # NumPy reductions return scalars, not 0-d arrays
        # (``kind == "f"`` is dtypes.is_floating inlined: one call less on every op)
        needs_grad = (needs_grad and (_threads_with_grad_off == 0 or _grad_mode.enabled)
                      and out.dtype.kind == "f")
        result = Tensor._make(out, out_backend, needs_grad)
        # a view: of an input's storage, or of a new array (see below)
        if out.base is not None and _views_first_input(out, inputs, arrays):
            result._version_counter = inputs[0]._shared_version_counter()
            ctx.output_is_view = True
        if needs_grad or _record_every_op:  # (the ONNX tracer records every op)
            ctx.clock = clock
            result.grad_fn = ctx
        return result

    @classmethod
    def op_name(cls):
        return cls.__name__.lower()


def _devices_differ(cls, backend, other):
    return RuntimeError(f"{cls.op_name()}: expected all tensors on the same device, "
                        f"got {backend.name} and {other.name}")


def _views_first_input(out, inputs, arrays):
    """Is ``out`` (an array with a base) a view of the first input's storage? Then it shares
    that tensor's version counter. (Its base is the input's array, or the array that one views.)"""
    base = out.base
    return isinstance(inputs[0], Tensor) and (base is arrays[0] or base is arrays[0].base)


# ---- ops with several outputs (split, unbind) -----------------------------------------------
#
# The graph's vertices are tensors, each made by one node. An op with several outputs gets one
# hidden tensor, made by the op's node, that stands for all of them; each output is made from it
# by a small node of its own (``OutputOf``) that only says which output it is. Every output then
# comes before the hidden tensor in the topological order, so when backward reaches the hidden
# tensor it holds the gradients of all the outputs: backward gathers them there, in a list with
# None for an output that got none, and calls the op's backward once with that list. (Cutting a
# tensor into pieces with getitem instead costs a full-size zero gradient per piece, summed.)
class MultiOutputFunction(ArrayFunction):
    """Base class of ops whose forward returns a tuple of arrays. Their backward receives a
    tuple with one gradient per output (None where an output got none) and, as every op's,
    returns one gradient per input. ``apply`` returns a tuple of Tensors."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # the function of its outputs' nodes, named after the op (``<SplitBackward>``, as the
        # outputs' grad_fn in PyTorch)
        cls._output_function = type(cls.__name__, (OutputOf,), {})

    @classmethod
    def apply(cls, *inputs, **options):
        tensors = [x for x in inputs if isinstance(x, Tensor)]
        backend = tensors[0]._backend
        for x in tensors:
            if x._backend is not backend:
                raise _devices_differ(cls, backend, x._backend)
        arrays = [x._data if isinstance(x, Tensor) else x for x in inputs]
        ctx = Node(cls, backend)
        ctx.inputs = inputs
        clock = _clock[0]
        outs = cls.forward(ctx, *arrays, **options)
        needs_grad = (any(x._requires_grad for x in tensors) and is_grad_enabled()
                      and outs[0].dtype.kind == "f") if outs else False
        results = []
        for out in outs:
            if not isinstance(out, backend.array_type):
                out = backend.xp.asarray(out)  # (a NumPy scalar, say)
            result = Tensor._make(out, backend, needs_grad)
            if out.base is not None and _views_first_input(out, inputs, arrays):
                result._version_counter = inputs[0]._shared_version_counter()
            results.append(result)
        if needs_grad or _record_every_op:
            ctx.clock = clock
            all_outputs = Tensor._make(arrays[0], backend, needs_grad)  # the hidden tensor
            all_outputs.grad_fn = ctx
            for i, result in enumerate(results):
                node = Node(cls._output_function, backend)
                node.inputs, node.clock, node.output_index = (all_outputs,), clock, i
                node.output_count = len(results)
                node.output_is_view = result._version_counter is not None
                result.grad_fn = node
        return tuple(results)


class OutputOf(ArrayFunction):
    """The function of one output's node of a MultiOutputFunction. The engine never calls its
    backward: it hands the output's gradient on to the op's node (``gather_output_grad``)."""


def gather_output_grad(node, grad, grads):
    """Put the gradient of output ``node.output_index`` in the list that the op's node will
    receive (``grads`` of the hidden tensor standing for all the outputs)."""
    key = id(node.inputs[0])
    gathered = grads.get(key)
    if gathered is None:
        gathered = grads[key] = [None] * node.output_count
    i = node.output_index
    gathered[i] = grad if gathered[i] is None else gathered[i] + grad


# ---- versions: refusing to backpropagate through values that were changed in place ---------
#
# Each storage has a version counter, shared by every tensor that views it (views made by ops,
# detach()): ``Tensor._shared_version_counter() = [version, stamp]``, where ``version`` counts the
# in-place writes (PyTorch's ``t._version``) and ``stamp`` is the value of the process-wide
# clock below at the last write. Each in-place write advances the clock. A node notes the
# clock when it is recorded; in backward, a tensor whose stamp is later than its node's clock
# was changed after the node saved it, and if the node's forward kept an array of that
# storage, its gradient would be computed from the wrong numbers: backward raises instead.
# While the clock has not moved since a node was recorded, nothing can have changed, and the
# check costs one comparison.
#
# An op's output that views its first input's storage shares that input's counter
# (ArrayFunction.apply). Every view op has the viewed tensor first (reshape, permute, expand,
# getitem...), and NumPy and CuPy point a view's ``base`` at the array that owns the memory, so
# two identity tests tell such a view from a view of a new array (a kernel's reshaped result).
_clock = [0]


def bump_version(tensor):
    """Record an in-place write to ``tensor``'s storage (in-place ops and setitem call this)."""
    _clock[0] += 1
    counter = tensor._shared_version_counter()
    counter[0] += 1
    counter[1] = _clock[0]


def storage_root(array):
    """The object owning the memory ``array`` looks at: follow ``.base`` to its end."""
    while getattr(array, "base", None) is not None:
        array = array.base
    return array


def saves_storage_of(node, array):
    """True when the node kept (for backward) an array looking at the same memory as ``array``."""
    root = storage_root(array)
    for name, value in vars(node).items():
        if name == "inputs":
            continue
        for item in value if isinstance(value, (tuple, list)) else (value,):
            if isinstance(item, node.xp.ndarray) and storage_root(item) is root:
                return True
    return False


def _modified_error(node, what, tensor, op_name=None):
    by = f" (by {op_name})" if op_name else ""
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation{by}: {what} of {node.name()} (a {tensor.dtype} tensor of shape "
        f"{tuple(tensor.shape)}) is at version {tensor._version} and was changed after "
        f"{node.name()} saved it. Hint: change it out of place (y = y + 1, not y += 1), or "
        "clone() it before the in-place op"
    )


def _last_write(tensor):
    """The clock at the last in-place write to the tensor's storage (0: never written)."""
    counter = tensor._version_counter
    return 0 if counter is None else counter[1]


def _check_saved_versions(tensor, node):
    """Raise if an in-place write changed an array this node saved (``tensor`` is its output)."""
    if node.modified_by is not None:
        raise _modified_error(node, "output 0", tensor, node.modified_by)
    if _last_write(tensor) > node.clock and saves_storage_of(node, tensor._data):
        raise _modified_error(node, "output 0", tensor)
    for i, x in enumerate(node.inputs):
        if (isinstance(x, Tensor) and _last_write(x) > node.clock
                and saves_storage_of(node, x._data)):
            raise _modified_error(node, f"input {i}", x)


def _input_as_recorded(node, x):
    """The tensor object that held ``x``'s history when ``node`` was recorded.

    An in-place op inside the graph gives the written tensor a new node whose first input is a
    snapshot holding the old history; a node recorded before that write must send its gradient
    to the snapshot, not through the in-place op.
    """
    while x.grad_fn is not None and (x.grad_fn.inplace_clock or 0) > node.clock:
        if node.output_is_view:
            raise RuntimeError(
                f"backward: {node.name()} made a view of a tensor that an in-place op later "
                "changed inside the graph; minidl does not rewrite a view's history (PyTorch "
                "does): a deliberate difference. Apply the in-place op before taking the view, "
                "or use out-of-place ops"
            )
        x = x.grad_fn.inputs[0]
    return x


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


def _reduce_to_input_shape(node, x, grad):
    """The gradient an op's backward returned for input ``x``, summed over broadcast axes; an
    error naming the op when it cannot have x's shape (a bug in that op's backward)."""
    try:
        reduced = reduce_broadcast_grad(grad, x._data.shape)
    except (ValueError, IndexError):
        reduced = grad
    if reduced.shape != x._data.shape:
        which = next((f"input {i}" for i, inp in enumerate(node.inputs) if inp is x), "an input")
        raise RuntimeError(
            f"{node.name()}: backward returned a gradient of shape {tuple(grad.shape)} for "
            f"{which} of shape {tuple(x._data.shape)}; a gradient must have its input's shape "
            "(or one that broadcasts to it)"
        )
    return reduced


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
    clock = _clock[0]  # (no user code runs here, so nothing is written in place meanwhile)
    while stack:
        tensor, inputs_done = stack.pop()
        if inputs_done:
            order.append(tensor)
            continue
        if id(tensor) in visited:
            continue
        visited.add(id(tensor))
        stack.append((tensor, True))
        node = tensor.grad_fn
        if node is not None:
            moved = clock > node.clock  # an in-place write may have moved an input's history
            inner = []
            for x in node.inputs:
                if isinstance(x, Tensor) and x._requires_grad:
                    if moved:
                        x = _input_as_recorded(node, x)
                    if id(x) in visited:
                        continue
                    if x.grad_fn is None:
                        stack.append((x, False))  # leaves first: explored last (see above)
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
    # ids of arrays that someone else may hold: a leaf's .grad gets a copy of those
    shared = _EveryArray() if retain_graph else {id(grads[id(root)])}
    freed_at_the_end = []
    clock = _clock[0]  # read again after user code (hooks), which may write in place
    for tensor in topological_order(root):
        grad = grads.pop(id(tensor), None)
        if grad is None:
            continue
        if tensor._hooks is not None:
            grad = _run_grad_hooks(tensor, grad, shared)
            clock = _clock[0]
        node = tensor.grad_fn
        if node is None:
            _accumulate_into_leaf(tensor, grad, shared)
            if tensor._hooks is not None:
                for hook in tuple(tensor._hooks.post_accumulate_hooks.values()):
                    hook(tensor)
                clock = _clock[0]
            continue
        if node.freed:
            raise RuntimeError(
                f"backward: trying to backward through the graph a second time ({node.name()} "
                "was already freed); call backward(retain_graph=True) the first time if you "
                "need to"
            )
        if node.output_index is not None:  # one output of several: see MultiOutputFunction
            gather_output_grad(node, grad, grads)
            if not retain_graph:
                node.free()
            continue
        changed_since_recorded = clock > node.clock  # some storage was written in place since
        if changed_since_recorded:
            _check_saved_versions(tensor, node)
        input_grads = node.function.backward(node, grad)
        if not isinstance(input_grads, tuple):
            input_grads = (input_grads,)
        try:
            # strict: a backward must return one gradient per input (None where there is none)
            for x, g in zip(node.inputs, input_grads, strict=True):
                if g is None or not isinstance(x, Tensor) or not x._requires_grad:
                    continue
                if changed_since_recorded:
                    x = _input_as_recorded(node, x)
                data = x._data
                if g.shape != data.shape:
                    g = _reduce_to_input_shape(node, x, g)
                # ``is`` first: NumPy's builtin dtypes are singletons, and ``!=`` is slow on them
                if g.dtype is not data.dtype and g.dtype != data.dtype:
                    g = g.astype(data.dtype)
                key = id(x)
                if key in grads:
                    grads[key] = grads[key] + g
                else:
                    grads[key] = g
        except ValueError:
            if len(input_grads) == len(node.inputs):
                raise
            raise RuntimeError(
                f"{node.name()}: backward returned {len(input_grads)} gradient(s), expected "
                f"{len(node.inputs)} (one per input of forward, None for those without one)"
            ) from None
        if not retain_graph:
            if node.inplace_clock is None:
                node.free()
            else:  # nodes recorded before the write still need its link to the old history
                freed_at_the_end.append(node)
    for node in freed_at_the_end:
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
            got = (replacement.shape if isinstance(replacement, Tensor)
                   else type(replacement).__name__)
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
    """leaf.grad += grad. The first gradient becomes ``.grad`` without a copy when that is safe,
    which saves a copy of every gradient (optimizers and ``zero_grad(set_to_none=False)`` write
    into ``.grad``, so it must not share memory with anything else):

    - the array owns its memory (``base is None``: not a view of something others hold),
    - it is C-contiguous and writeable (not a broadcast view whose elements share memory),
    - nothing else was handed this array in this backward (``shared``: the caller's seed
      gradient, an array a hook saw, one already given to another leaf, since add's backward
      hands the same array to both inputs, and every array when the graph is retained, since a
      backward may return an array its node keeps).
    """
    if leaf._grad is None:
        if id(grad) in shared or not _owns_writeable_contiguous_memory(grad):
            grad = leaf._backend.xp.array(grad, copy=True)
        shared.add(id(grad))
        leaf._grad = Tensor._make(grad, leaf._backend, False)
    else:
        leaf._grad._data = leaf._grad._data + grad


class _EveryArray:
    """``shared`` when the graph is retained: any array may also be held by a node."""

    def __contains__(self, array_id):
        return True

    def add(self, array_id):
        pass


def _owns_writeable_contiguous_memory(array):
    # (CuPy arrays have no writeable flag: they are always writeable)
    return (array.base is None and array.flags.c_contiguous
            and getattr(array.flags, "writeable", True))


from .tensor import Tensor  # noqa: E402  (the engine and Tensor refer to each other)
from .custom_function import Function, FunctionCtx  # noqa: E402, F401  (dl.autograd.Function)
