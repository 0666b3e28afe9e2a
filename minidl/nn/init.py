"""nn.init: fill a tensor in place with starting values, as PyTorch's functions of the same names.

Why the scale matters: a layer y = W x sums fan_in products, so if W's entries have variance
sigma^2 the output's variance is about fan_in * sigma^2 times the input's. Xavier/Glorot picks
sigma^2 = 2 / (fan_in + fan_out) to keep it steady forwards and backwards; Kaiming/He scales by
a "gain" that makes up for what the nonlinearity removes (ReLU zeroes half: gain^2 = 2).

Random values come from the tensor's device generator, so ``dl.manual_seed`` fixes them.
"""
import math

from ..autograd import no_grad
from ..creation import eye, randn
from ..ops.selection import where


def _like(maker, tensor):
    """rand or randn samples of the tensor's shape, dtype and device."""
    return maker(*tensor.shape, dtype=tensor.dtype, device=tensor.device)


def _fill(tensor, values):
    with no_grad():
        tensor[...] = values
    return tensor


@no_grad()
def uniform_(tensor, a=0.0, b=1.0):
    """Fill with samples of U(a, b)."""
    return tensor.uniform_(a, b)


@no_grad()
def normal_(tensor, mean=0.0, std=1.0):
    """Fill with samples of N(mean, std^2)."""
    return tensor.normal_(mean, std)


@no_grad()
def zeros_(tensor):
    return tensor.zero_()


@no_grad()
def ones_(tensor):
    return tensor.fill_(1)


def calculate_gain(nonlinearity, param=None):
    """The gain for a nonlinearity: 1 (linear, sigmoid), 5/3 (tanh), sqrt(2) (relu),
    sqrt(2 / (1 + a^2)) (leaky_relu with negative slope a, 0.01 by default)."""
    if nonlinearity in ("linear", "identity", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope**2))
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _fan_in_and_fan_out(tensor, name):
    """For a weight (out, in, *kernel): fan_in = in * prod(kernel), fan_out = out * prod(kernel)."""
    if tensor.ndim < 2:
        raise ValueError(f"{name}: fan in and fan out need a tensor with at least 2 dimensions, "
                         f"got shape {tensor.shape}")
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def xavier_uniform_(tensor, gain=1.0):
    """U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio, 2010)."""
    fan_in, fan_out = _fan_in_and_fan_out(tensor, "xavier_uniform_")
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    """U(-b, b) with b = gain * sqrt(3 / fan) (He et al., 2015); fan is fan_in or fan_out."""
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming_uniform_: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fan_in_and_fan_out(tensor, "kaiming_uniform_")
    fan = fan_in if mode == "fan_in" else fan_out
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    return uniform_(tensor, -bound, bound)


def _reset_weight_and_bias(weight, bias):
    """PyTorch's default for Linear and the convolutions: weight by kaiming_uniform_ with
    a = sqrt(5), which is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the bias (if any) from that same
    range, fan_in taken from the weight (axis 1 times the kernel, for a transposed conv too)."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = _fan_in_and_fan_out(weight, "reset_parameters")
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        uniform_(bias, -bound, bound)


# ---- more of PyTorch's initialisers ------------------------------------------------------------


def constant_(tensor, val):
    """Fill with ``val``."""
    return _fill(tensor, val)


def eye_(tensor):
    """The identity matrix (a 2-D tensor): inputs pass through a Linear layer unchanged."""
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only 2-D tensors are supported, got shape {tensor.shape}")
    return _fill(tensor, eye(*tensor.shape, dtype=tensor.dtype, device=tensor.device))


def xavier_normal_(tensor, gain=1.0):
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fan_in_and_fan_out(tensor, "xavier_normal_")
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    """N(0, std^2) with std = gain / sqrt(fan); fan is fan_in or fan_out."""
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming_normal_: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fan_in_and_fan_out(tensor, "kaiming_normal_")
    fan = fan_in if mode == "fan_in" else fan_out
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(fan))


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0):
    """Samples of N(mean, std^2) restricted to [a, b]: every sample that falls outside is
    drawn again (PyTorch inverts the CDF instead; the distribution is the same)."""
    if not a < b:
        raise ValueError(f"trunc_normal_: expected a < b, got a={a}, b={b}")
    with no_grad():
        values = mean + std * _like(randn, tensor)
        inside = (values >= a) & (values <= b)
        while not bool(inside.all()):
            values = where(inside, values, mean + std * _like(randn, tensor))
            inside = (values >= a) & (values <= b)
    return _fill(tensor, values)
