"""nn.Parameter: a Tensor that a Module registers as one of its learnable weights."""
from ..tensor import Tensor, tensor


class Parameter(Tensor):
    """A leaf Tensor sharing ``data``'s storage, with ``requires_grad=True`` by default.

    Assigning a Parameter to a Module attribute registers it, so it appears in
    ``parameters()``, ``state_dict()`` and, through them, in the optimizer. The data is kept
    C-contiguous (copied only if it is not), because the optimizer kernels update it in place
    as one flat array.
    """

    __slots__ = ()

    def __init__(self, data, requires_grad=True):
        data = data if isinstance(data, Tensor) else tensor(data)
        array = data._data
        self._data = array if array.flags.c_contiguous else array.copy()  # copy(): C order
        self._version_counter = data._version_counter if self._data is array else [0, 0]
        self._backend = data._backend
        self._grad, self.grad_fn, self._hooks = None, None, None
        self._requires_grad = False
        self.requires_grad_(requires_grad)

    def __deepcopy__(self, memo):
        """A Parameter with a copy of the data on the same device (copy.deepcopy of a Module)."""
        if id(self) not in memo:
            copied = Tensor._make(self._data.copy(), self._backend)
            memo[id(self)] = Parameter(copied, self._requires_grad)
        return memo[id(self)]

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
