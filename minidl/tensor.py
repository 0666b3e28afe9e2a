"""The Tensor: one backend array (NumPy on "cpu", CuPy on "cuda") plus what autograd needs.

A Tensor holds its data in ``_data`` and its device's backend in ``_backend``. If it was made by an
op while grad mode was on, ``grad_fn`` is the graph node that made it; leaves (tensors you create)
have ``grad_fn = None`` and receive ``.grad`` when you call ``backward``. Every method below is a
one-line call into ``minidl.ops``, where each op's forward and backward live side by side.
"""
import numpy as np

from . import dtypes
from .backend import backend_of_array, get_backend
from .hooks import add_hook


class Tensor:
    __slots__ = ("_data", "_backend", "_requires_grad", "_grad", "grad_fn", "_hooks",
                 "_version_counter", "__weakref__")

    # Let NumPy defer to Tensor in mixed expressions such as ``np.float32(2) * t``.
    __array_ufunc__ = None

    def __init__(self, data, dtype=None, device=None, requires_grad=False):
        other = tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)
        self._data, self._backend = other._data, other._backend
        self._requires_grad, self._grad, self.grad_fn = other._requires_grad, None, None
        self._hooks = None
        self._version_counter = other._version_counter

    @classmethod
    def _make(cls, array, backend, requires_grad=False, version_counter=None):
        """Wrap a backend array without copying or checking (the engine's fast path).

        ``version_counter`` is given for a view of another tensor's storage, which shares it.
        """
        t = object.__new__(cls)
        t._data = array
        t._backend = backend
        t._requires_grad = requires_grad
        t._grad = None
        t.grad_fn = None
        t._hooks = None  # an autograd.TensorHooks once a hook is registered
        # [in-place writes so far, clock at the last one]: see autograd.bump_version
        t._version_counter = [0, 0] if version_counter is None else version_counter
        return t

    @classmethod
    def _wrap(cls, array):
        """Wrap a NumPy or CuPy array (no copy, no gradient)."""
        return cls._make(array, backend_of_array(array))

    # ---- attributes --------------------------------------------------------------------------
    @property
    def shape(self):
        return tuple(self._data.shape)

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def device(self):
        """"cpu" or "cuda" (a plain string)."""
        return self._backend.name

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        self.requires_grad_(flag)

    @property
    def grad(self):
        """The gradient backward accumulated (a Tensor of this tensor's shape), or None."""
        return self._grad

    @grad.setter
    def grad(self, value):
        """``t.grad = g`` (or None): g must match t's shape, dtype and device, as in PyTorch,
        since optimizers update the parameter with it element by element."""
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"grad: assigned grad expected to be a Tensor or None but got "
                                f"{type(value).__name__}")
            if value._backend is not self._backend:
                raise RuntimeError(f"grad: assigned grad has data located on a different device "
                                   f"({value.device}) than the tensor ({self.device})")
            if value.dtype != self.dtype:
                raise RuntimeError(f"grad: assigned grad has data of a different type "
                                   f"({value.dtype}) than the tensor ({self.dtype})")
            if value.shape != self.shape:
                raise RuntimeError(
                    f"grad: attempting to assign a gradient of size {list(value.shape)} to a "
                    f"tensor of size {list(self.shape)}. Please ensure that the gradient and the "
                    "tensor are the same size"
                )
        self._grad = value

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def data(self):
        """A tensor sharing this one's storage, outside the graph (as PyTorch's ``.data``).

        Unlike ``detach()`` it has its own version counter, so a change made through it is not
        seen by backward's check (PyTorch's ``.data`` behaves the same: prefer ``detach()``).
        """
        return Tensor._make(self._data, self._backend, False)

    @data.setter
    def data(self, new):
        """``t.data = other``: ``t`` now uses ``other``'s storage (shape and dtype may change)."""
        if not isinstance(new, Tensor):
            raise TypeError(f"data: expected a Tensor, got {type(new).__name__}")
        if new._backend is not self._backend:
            raise RuntimeError(
                f"data: attempted to set the data of a tensor on {self.device} to a tensor on "
                f"{new.device}"
            )
        if self._requires_grad and not dtypes.is_floating(new.dtype):
            raise RuntimeError(
                f"data: a tensor that requires grad cannot take data of dtype {new.dtype}"
            )
        self._data = new._data

    @property
    def _version(self):
        """How many in-place writes this tensor's storage has had (shared by its views)."""
        return self._version_counter[0]

    @property
    def T(self):
        if self.ndim != 2:
            raise RuntimeError(f"T: expected a 2-D tensor, got {self.ndim}-D (use permute)")
        return self.transpose(0, 1)

    def size(self, dim=None):
        return self.shape if dim is None else self.shape[dim]

    def dim(self):
        return self.ndim

    def numel(self):
        return int(self._data.size)

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    # ---- conversion --------------------------------------------------------------------------
    def numpy(self):
        """The data as a host NumPy array (a view on "cpu", a copy from "cuda"); never tracked."""
        return self._backend.to_host(self._data)

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"item: a tensor with {self._data.size} elements cannot be converted to a "
                "Python number"
            )
        return self._data.item()

    def tolist(self):
        return self.numpy().tolist()

    def detach(self):
        """The same storage (and version counter), outside the graph."""
        return Tensor._make(self._data, self._backend, False, self._version_counter)

    def __deepcopy__(self, memo):
        """copy.deepcopy: a new leaf holding a copy of the data, on the same device."""
        if not self.is_leaf:
            raise RuntimeError("deepcopy: only leaf tensors can be deep-copied (detach() first)")
        copied = Tensor._make(self._data.copy(), self._backend, self._requires_grad)
        memo[id(self)] = copied
        return copied

    def requires_grad_(self, flag=True):
        if flag and not dtypes.is_floating(self.dtype):
            raise RuntimeError(
                f"requires_grad: only floating-point tensors can require gradients, got {self.dtype}"
            )
        if not flag and not self.is_leaf:
            raise RuntimeError("requires_grad: only leaf tensors can be set not to require grad")
        self._requires_grad = bool(flag)
        return self

    def to(self, *args, dtype=None, device=None):
        """``t.to("cuda")``, ``t.to(dl.float64)`` or ``t.to("cpu", dl.float32)``; differentiable."""
        for arg in args:
            if isinstance(arg, str):
                device = arg
            else:
                dtype = arg
        result = self
        if device is not None and get_backend(device) is not self._backend:
            result = ops.to_device(result, get_backend(device))
        if dtype is not None and dtypes.as_dtype(dtype) != self.dtype:
            result = ops.cast(result, dtypes.as_dtype(dtype))
        return result

    def cpu(self):
        return self.to("cpu")

    def cuda(self):
        return self.to("cuda")

    def float(self):
        return self.to(dtypes.float32)

    def double(self):
        return self.to(dtypes.float64)

    def long(self):
        return self.to(dtypes.int64)

    def bool(self):
        return self.to(dtypes.bool)

    # ---- autograd ----------------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=False):
        """Accumulate d(self)/d(leaf) into ``.grad`` of every leaf that requires grad."""
        autograd.backward(self, gradient, retain_graph)

    # ---- autograd hooks (see autograd.TensorHooks) ---------------------------------------------
    def register_hook(self, hook):
        """Call ``hook(grad)`` whenever backward computes this tensor's gradient; a Tensor it
        returns replaces the gradient. Returns a handle whose ``remove()`` takes the hook off."""
        if not self._requires_grad:
            raise RuntimeError(
                "register_hook: cannot register a hook on a tensor that doesn't require gradient"
            )
        return add_hook(self._autograd_hooks().grad_hooks, hook)

    def retain_grad(self):
        """Keep the gradient of this non-leaf tensor in ``.grad`` (leaves always keep theirs)."""
        if not self._requires_grad:
            raise RuntimeError(
                "retain_grad: can't retain_grad on Tensor that has requires_grad=False"
            )
        if self.grad_fn is not None:
            self._autograd_hooks().retains_grad = True

    @property
    def retains_grad(self):
        """True when ``retain_grad()`` was called on this non-leaf tensor."""
        return self.grad_fn is not None and self._hooks is not None and self._hooks.retains_grad

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(self)`` on this leaf after backward has added to its ``.grad``."""
        if not self._requires_grad:
            raise RuntimeError(
                "register_post_accumulate_grad_hook: cannot register a hook on a tensor that "
                "doesn't require gradient"
            )
        if self.grad_fn is not None:
            raise RuntimeError(
                "register_post_accumulate_grad_hook: post accumulate grad hooks cannot be "
                "registered on non-leaf tensors"
            )
        return add_hook(self._autograd_hooks().post_accumulate_hooks, hook)

    def _autograd_hooks(self):
        if self._hooks is None:
            self._hooks = autograd.TensorHooks()
        return self._hooks

    # ---- arithmetic (with broadcasting; Python numbers on either side) ------------------------
    def __add__(self, other):
        return ops.add(self, other)

    def __radd__(self, other):
        return ops.add(other, self)

    def __sub__(self, other):
        return ops.sub(self, other)

    def __rsub__(self, other):
        return ops.sub(other, self)

    def __mul__(self, other):
        return ops.mul(self, other)

    def __rmul__(self, other):
        return ops.mul(other, self)

    def __truediv__(self, other):
        return ops.div(self, other)

    def __rtruediv__(self, other):
        return ops.div(other, self)

    def __pow__(self, other):
        return ops.pow(self, other)

    def __rpow__(self, other):
        return ops.pow(other, self)

    def __matmul__(self, other):
        return ops.matmul(self, other)

    def __rmatmul__(self, other):
        return ops.matmul(other, self)

    def __neg__(self):
        return ops.neg(self)

    # ---- comparisons (bool tensors, no gradient) -----------------------------------------------
    def __eq__(self, other):
        return ops.eq(self, other)

    def __ne__(self, other):
        return ops.ne(self, other)

    def __lt__(self, other):
        return ops.lt(self, other)

    def __le__(self, other):
        return ops.le(self, other)

    def __gt__(self, other):
        return ops.gt(self, other)

    def __ge__(self, other):
        return ops.ge(self, other)

    __hash__ = object.__hash__  # tensors are hashed by identity, like PyTorch's

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"bool: the truth value of a tensor with {self._data.size} elements is ambiguous"
            )
        return bool(self._data.item())

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only one-element integer tensors can be used as an index")
        return int(self.item())

    # ---- indexing -----------------------------------------------------------------------------
    def __getitem__(self, index):
        return ops.getitem(self, index)

    def __setitem__(self, index, value):
        """In-place write (see ops/inplace.py); differentiable on non-leaf tensors."""
        ops.inplace.setitem_(self, index, value)

    # ---- methods that are also functions dl.NAME(t, ...) -------------------------------------
    def sum(self, dim=None, keepdim=False):
        return ops.sum(self, dim, keepdim)

    def mean(self, dim=None, keepdim=False):
        return ops.mean(self, dim, keepdim)

    def var(self, dim=None, unbiased=True, keepdim=False):
        return ops.var(self, dim, unbiased, keepdim)

    def amax(self, dim=None, keepdim=False):
        return ops.amax(self, dim, keepdim)

    def amin(self, dim=None, keepdim=False):
        return ops.amin(self, dim, keepdim)

    def max(self):
        return ops.max(self)

    def min(self):
        return ops.min(self)

    def argmax(self, dim=None, keepdim=False):
        return ops.argmax(self, dim, keepdim)

    def exp(self):
        return ops.exp(self)

    def log(self):
        return ops.log(self)

    def sqrt(self):
        return ops.sqrt(self)

    def abs(self):
        return ops.abs(self)

    def tanh(self):
        return ops.tanh(self)

    def sigmoid(self):
        return ops.sigmoid(self)

    def relu(self):
        return ops.relu(self)

    def clamp(self, min=None, max=None):
        return ops.clamp(self, min, max)

    def pow(self, exponent):
        return ops.pow(self, exponent)

    def reshape(self, *shape):
        return ops.reshape(self, *shape)

    def view(self, *shape):
        return ops.reshape(self, *shape)

    def permute(self, *dims):
        return ops.permute(self, *dims)

    def transpose(self, dim0, dim1):
        return ops.transpose(self, dim0, dim1)

    def unsqueeze(self, dim):
        return ops.unsqueeze(self, dim)

    def squeeze(self, dim=None):
        return ops.squeeze(self, dim)

    def flatten(self, start_dim=0, end_dim=-1):
        return ops.flatten(self, start_dim, end_dim)

    def expand(self, *sizes):
        return ops.expand(self, *sizes)

    def masked_fill(self, mask, value):
        return ops.masked_fill(self, mask, value)

    def softmax(self, dim):
        return ops.softmax(self, dim)

    def log_softmax(self, dim):
        return ops.log_softmax(self, dim)

    def matmul(self, other):
        return ops.matmul(self, other)

    # ---- in-place ops: write into this tensor's storage (see minidl/ops/inplace.py) ----------
    def __iadd__(self, other):
        return ops.inplace.add_(self, other)

    def __isub__(self, other):
        return ops.inplace.sub_(self, other)

    def __imul__(self, other):
        return ops.inplace.mul_(self, other)

    def __itruediv__(self, other):
        return ops.inplace.div_(self, other)

    def __ipow__(self, other):
        return ops.inplace.pow_(self, other)

    def add_(self, other, alpha=1):
        return ops.inplace.add_(self, other, alpha)

    def sub_(self, other, alpha=1):
        return ops.inplace.sub_(self, other, alpha)

    def mul_(self, other):
        return ops.inplace.mul_(self, other)

    def div_(self, other):
        return ops.inplace.div_(self, other)

    def pow_(self, exponent):
        return ops.inplace.pow_(self, exponent)

    def neg_(self):
        return ops.inplace.neg_(self)

    def abs_(self):
        return ops.inplace.abs_(self)

    def sqrt_(self):
        return ops.inplace.sqrt_(self)

    def exp_(self):
        return ops.inplace.exp_(self)

    def log_(self):
        return ops.inplace.log_(self)

    def tanh_(self):
        return ops.inplace.tanh_(self)

    def sigmoid_(self):
        return ops.inplace.sigmoid_(self)

    def relu_(self):
        return ops.inplace.relu_(self)

    def clamp_(self, min=None, max=None):  # noqa: A002 (PyTorch's argument names)
        return ops.inplace.clamp_(self, min, max)

    def masked_fill_(self, mask, value):
        return ops.inplace.masked_fill_(self, mask, value)

    def fill_(self, value):
        return ops.inplace.fill_(self, value)

    def zero_(self):
        return ops.inplace.zero_(self)

    def copy_(self, src):
        return ops.inplace.copy_(self, src)

    def uniform_(self, a=0.0, b=1.0):
        return ops.inplace.uniform_(self, a, b)

    def normal_(self, mean=0.0, std=1.0):
        return ops.inplace.normal_(self, mean, std)

    # ---- display ------------------------------------------------------------------------------
    def __repr__(self):
        body = np.array2string(
            self.numpy(), separator=", ", prefix="tensor(", precision=4, threshold=200, edgeitems=3
        )
        extras = []
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        if self.dtype not in (dtypes.float32, dtypes.int64, dtypes.bool):
            extras.append(f"dtype={self.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn!r}")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body] + extras) + ")"


def tensor(data, dtype=None, device=None, requires_grad=False):
    """Create a tensor from a list, a number, a NumPy/CuPy array or a Tensor (always copies).

    Python floats give float32 and Python ints int64 (as in PyTorch); arrays keep their dtype.
    """
    backend = get_backend(device)
    if isinstance(data, Tensor):
        data = data._data
    if dtype is None:
        if hasattr(data, "dtype"):
            dtype = data.dtype
        else:
            inferred = np.asarray(data).dtype
            if inferred.kind == "f":
                dtype = dtypes.default_float
            elif inferred.kind in "iu":
                dtype = dtypes.int64
            else:
                dtype = inferred
    dtype = dtypes.as_dtype(dtype)
    if hasattr(data, "__cuda_array_interface__") and backend.name == "cpu":
        data = backend_of_array(data).to_host(data)
    array = backend.xp.array(data, dtype=dtype, copy=True)
    result = Tensor._make(array, backend)
    if requires_grad:
        result.requires_grad_(True)
    return result


from . import autograd, ops  # noqa: E402  (ops are built on Tensor)
