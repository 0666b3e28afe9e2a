"""Random numbers: ``dl.Generator`` and the sampling functions multinomial, bernoulli, normal,
randperm (``rand``, ``randn``, ``randint`` live in creation.py and take ``generator=`` too).

Without ``generator=`` a function draws from its device's default generator, which
``dl.manual_seed`` seeds; with one, it draws from that generator alone, so a seeded Generator
gives the same numbers whatever else the program draws. The numbers are NumPy's (CuPy's on
"cuda"), not PyTorch's: the same seed gives a different stream than in PyTorch.
"""
from . import dtypes
from .backend import get_backend
from .errors import reject_unsupported
from .tensor import Tensor

_DEFAULT_SEED = 67280421310721  # PyTorch's default initial seed


class Generator:
    """A random number generator of one device: ``dl.Generator().manual_seed(0)``."""

    def __init__(self, device="cpu"):
        self._backend = get_backend(device)
        self.manual_seed(_DEFAULT_SEED)

    @property
    def device(self):
        return self._backend.name

    def manual_seed(self, seed):
        """Restart the stream from ``seed``; returns the generator, so calls can be chained."""
        self._seed = int(seed)
        self._rng = self._backend.xp.random.default_rng(self._seed)
        return self

    def initial_seed(self):
        return self._seed

    def seed(self):
        """Reseed from the operating system's entropy; returns the new seed."""
        import secrets

        self.manual_seed(secrets.randbits(63))
        return self._seed

    def get_state(self):
        """The generator's state (a dict; NumPy's bit-generator state on "cpu")."""
        return self._rng.bit_generator.state

    def set_state(self, state):
        self._rng.bit_generator.state = state
        return self


def rng_for(backend, generator, op):
    """The random generator an op should draw from: ``generator``'s, or the device default."""
    if generator is None:
        return backend.rng
    if not isinstance(generator, Generator):
        raise TypeError(f"{op}: generator must be a dl.Generator, got {type(generator).__name__}")
    if generator._backend is not backend:
        raise RuntimeError(
            f"{op}: expected a generator on {backend.name}, got one on {generator.device}"
        )
    return generator._rng


def _check_probabilities(op, p):
    if p.dtype.kind != "f":
        raise RuntimeError(
            f"{op}: expected a floating-point tensor of probabilities, got {p.dtype}"
        )


def multinomial(input, num_samples, replacement=False, *, generator=None,  # noqa: A002
                **unsupported):
    """Draw ``num_samples`` category indices from each row of non-negative weights ``input``
    (1-D or 2-D, not necessarily normalized); without replacement each index appears at most
    once per row. int64, no gradient."""
    reject_unsupported("multinomial", unsupported)
    _check_probabilities("multinomial", input)
    if input.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: expected a 1-D or 2-D tensor, got {input.ndim}-D")
    backend = input._backend
    xp, rng = backend.xp, rng_for(backend, generator, "multinomial")
    weights = input._data.reshape(-1, input.shape[-1]).astype("float64")
    if (weights < 0).any() or not xp.isfinite(weights).all():
        raise RuntimeError("multinomial: probabilities must be finite and non-negative")
    nonzero = (weights > 0).sum(axis=1)
    if (nonzero == 0).any():
        raise RuntimeError("multinomial: a row of probabilities sums to zero")
    if not replacement and num_samples > int(nonzero.min()):
        raise RuntimeError(
            f"multinomial: cannot draw {num_samples} samples without replacement from a row "
            f"with {int(nonzero.min())} non-zero probabilities"
        )
    if replacement:
        # inverse-CDF sampling: the first category whose running total passes a uniform
        # draw; row r's totals are shifted by r so that one sorted search serves every row
        rows, categories = weights.shape
        cdf = xp.cumsum(weights, axis=1)
        offsets = xp.arange(rows)[:, None]
        cdf = cdf / cdf[:, -1:] + offsets
        draws = rng.random((rows, num_samples)) + offsets
        found = xp.searchsorted(cdf.ravel(), draws.ravel(), side="right").reshape(draws.shape)
        samples = xp.minimum(found - offsets * categories, categories - 1)
    else:
        # the Gumbel-top-k trick: log w + Gumbel noise, top num_samples, is sampling without
        # replacement in proportion to w
        log_weights = xp.where(weights > 0, xp.log(xp.where(weights > 0, weights, 1)), -xp.inf)
        with_noise = log_weights - xp.log(-xp.log(rng.random(weights.shape)))
        samples = xp.argsort(-with_noise, axis=1, kind="stable")[:, :num_samples]
    samples = samples.astype("int64")
    if input.ndim == 1:
        samples = samples[0]
    return Tensor._make(samples, backend)


def bernoulli(input, p=None, *, generator=None):  # noqa: A002
    """1 with probability ``input`` (or ``p``) elementwise, else 0, in input's dtype."""
    backend = input._backend
    rng = rng_for(backend, generator, "bernoulli")
    probabilities = input._data if p is None else p
    draws = rng.random(input.shape) < probabilities
    return Tensor._make(draws.astype(input.dtype), backend)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False):
    """Normal samples of the given mean and std: tensors (broadcast against each other) or
    numbers with ``size``. No gradient flows to mean or std (draw ``mean + std * randn`` for
    that)."""
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    backend = tensors[0]._backend if tensors else get_backend(device)
    rng = rng_for(backend, generator, "normal")
    mean_data = mean._data if isinstance(mean, Tensor) else mean
    std_data = std._data if isinstance(std, Tensor) else std
    if tensors:
        shape = backend.xp.broadcast_arrays(*(t._data for t in tensors))[0].shape
        dtype = dtype or tensors[0].dtype
    else:
        if size is None:
            raise TypeError("normal: give size= when mean and std are numbers")
        shape = tuple(size)
    dtype = dtypes.as_dtype(dtype or dtypes.default_float)
    array = (mean_data + std_data * rng.standard_normal(shape)).astype(dtype)
    result = Tensor._make(backend.xp.asarray(array), backend)
    return result.requires_grad_(True) if requires_grad else result


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False, **unsupported):
    """A random permutation of 0 .. n-1 (int64 by default)."""
    reject_unsupported("randperm", unsupported)
    backend = get_backend(device)
    rng = rng_for(backend, generator, "randperm")
    array = backend.xp.argsort(rng.random(n)).astype(dtypes.as_dtype(dtype or dtypes.int64))
    result = Tensor._make(array, backend)
    return result.requires_grad_(True) if requires_grad else result
