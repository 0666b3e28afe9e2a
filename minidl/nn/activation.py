"""Activation layers: modules with no parameters that apply a function elementwise (or, for
Softmax, along one axis). Each wraps the op of the same name in ``nn.functional``.
``inplace=True`` is accepted, as PyTorch code passes it, and computed out of place."""
from ..creation import full
from . import functional as F
from .module import Module
from .parameter import Parameter


class ReLU(Module):
    """max(x, 0)"""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace  # accepted; computed out of place (same result)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""

    def forward(self, input):  # noqa: A002 (PyTorch's argument name)
        return F.relu(input)


class Sigmoid(Module):
    """1 / (1 + e^-x)"""

    def forward(self, input):  # noqa: A002
        return F.sigmoid(input)


class Tanh(Module):
    """tanh(x)"""

    def forward(self, input):  # noqa: A002
        return F.tanh(input)


class GELU(Module):
    """x * Phi(x), Phi the standard normal CDF; approximate="tanh" uses its tanh approximation."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):  # noqa: A002
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softmax(Module):
    """e^x_i / sum_j e^x_j along ``dim``."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):  # noqa: A002
        return F.softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class SiLU(Module):
    """x * sigmoid(x) (also called swish)"""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return F.silu(input)


class LeakyReLU(Module):
    """x for x > 0, negative_slope * x otherwise"""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input):  # noqa: A002
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """x for x > 0, alpha * (e^x - 1) otherwise"""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):  # noqa: A002
        return F.elu(input, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class Softplus(Module):
    """log(1 + e^(beta x)) / beta, a smooth ReLU (x itself where beta x > threshold)"""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):  # noqa: A002
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class LogSoftmax(Module):
    """log(softmax(x)) along ``dim``, computed stably as x - logsumexp(x)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):  # noqa: A002
        return F.log_softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class _Elementwise(Module):
    """An activation without options: ``forward`` applies ``function`` (a name in F)."""

    function = None

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return getattr(F, self.function)(input)


class ReLU6(_Elementwise):
    """min(max(x, 0), 6)"""

    function = "relu6"


class Hardsigmoid(_Elementwise):
    """clamp(x / 6 + 1/2, 0, 1)"""

    function = "hardsigmoid"


class Hardswish(_Elementwise):
    """x * hardsigmoid(x)"""

    function = "hardswish"


class Mish(_Elementwise):
    """x * tanh(softplus(x))"""

    function = "mish"


class SELU(_Elementwise):
    """scale * elu(x, alpha), self-normalizing constants"""

    function = "selu"


class LogSigmoid(_Elementwise):
    """log(sigmoid(x))"""

    function = "logsigmoid"


class Softsign(_Elementwise):
    """x / (1 + |x|)"""

    function = "softsign"


class Tanhshrink(_Elementwise):
    """x - tanh(x)"""

    function = "tanhshrink"


class Hardtanh(Module):
    """x clamped to [min_val, max_val]"""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input):  # noqa: A002
        return F.hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}"


class CELU(Module):
    """x for x > 0, alpha (e^(x / alpha) - 1) otherwise"""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):  # noqa: A002
        return F.celu(input, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class GLU(Module):
    """a * sigmoid(b) for the two halves a, b of the input along ``dim``"""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):  # noqa: A002
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class PReLU(Module):
    """x for x > 0, a * x otherwise, with a learned slope ``weight`` (one, or one per
    channel), starting at ``init``."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.weight = Parameter(full((num_parameters,), init, device=device, dtype=dtype))

    def forward(self, input):  # noqa: A002
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"
